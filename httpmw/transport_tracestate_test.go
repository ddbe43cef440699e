package httpmw

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// callerTraceParent is a traceparent of another trace than the client
// span's, as a caller may copy it from an incoming request.
const callerTraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

// TestTransportDropsCallersTraceState: a request that carries a
// traceparent, tracestate and baggage of its own goes out with the client
// span's traceparent and the context's tracestate, never the caller's
// tracestate beside a traceparent of another trace; the caller's baggage
// stays unless the context has baggage.
func TestTransportDropsCallersTraceState(t *testing.T) {
	e := newTestEnv(t)
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
	}))
	defer srv.Close()
	tr := Transport(nil, e.opts()...)
	defer tr.(interface{ CloseIdleConnections() }).CloseIdleConnections()

	parent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	ts, err := trace.ParseTraceState("mine=2")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.Parse("k=ctx")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                string
		ctx                 context.Context
		tracestate, baggage string
	}{
		{"no parent, no baggage", context.Background(), "", "k=caller"},
		{"parent without tracestate", trace.ContextWithRemoteSpanContext(context.Background(), parent), "", "k=caller"},
		{"parent with tracestate and baggage", baggage.ContextWithBaggage(
			trace.ContextWithRemoteSpanContext(context.Background(), parent.WithTraceState(ts)), bag), "mine=2", "k=ctx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.sr.Reset()
			req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("traceparent", callerTraceParent)
			req.Header.Set("tracestate", "other=1")
			req.Header.Set("baggage", "k=caller")
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			sc := e.onlySpan(t).SpanContext()
			if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; got.Get("traceparent") != want {
				t.Errorf("traceparent %q, want the client span's %q", got.Get("traceparent"), want)
			}
			if v := got.Values("tracestate"); c.tracestate == "" && len(v) != 0 || c.tracestate != "" && (len(v) != 1 || v[0] != c.tracestate) {
				t.Errorf("tracestate %q, want %q", v, c.tracestate)
			}
			if v := got.Get("baggage"); v != c.baggage {
				t.Errorf("baggage %q, want %q", v, c.baggage)
			}
			if v := req.Header.Get("tracestate"); v != "other=1" {
				t.Errorf("the caller's request changed: tracestate %q", v)
			}
		})
	}
}
