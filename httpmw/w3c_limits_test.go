package httpmw

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// TestW3CHeaderLimits: tracestate and baggage come from the network, so
// what the middleware takes from them is bounded by the W3C limits
// (tracestate: 32 list members; baggage: 180 members, 4096 bytes per member,
// 8192 bytes in all): a hostile header is dropped whole or cut to the
// limits, the trace itself continues, and the request is served.
func TestW3CHeaderLimits(t *testing.T) {
	manyState := make([]string, 100)
	for i := range manyState {
		manyState[i] = fmt.Sprintf("v%d=x", i)
	}
	manyBag := make([]string, 500)
	for i := range manyBag {
		manyBag[i] = fmt.Sprintf("k%d=v", i)
	}
	cases := []struct {
		name, tracestate, baggage string
	}{
		{"tracestate with 100 members", strings.Join(manyState, ","), ""},
		{"tracestate of 64 KiB", "a=" + strings.Repeat("x", 64<<10), ""},
		{"tracestate with control characters", "a=b\r\nc=d", ""},
		{"baggage with 500 members", "", strings.Join(manyBag, ",")},
		{"baggage of 64 KiB", "", "k=" + strings.Repeat("v", 64<<10)},
		{"baggage with a JSON fragment", "", `k={"msg":"forged"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			var state trace.TraceState
			var bag baggage.Baggage
			h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				state = trace.SpanContextFromContext(r.Context()).TraceState()
				bag = baggage.FromContext(r.Context())
				w.WriteHeader(http.StatusNoContent)
			}), e.opts()...)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("traceparent", validParent)
			if tc.tracestate != "" {
				r.Header.Set("tracestate", tc.tracestate)
			}
			if tc.baggage != "" {
				r.Header.Set("baggage", tc.baggage)
			}
			if w := e.serve(h, r); w.Code != http.StatusNoContent {
				t.Fatalf("status %d", w.Code)
			}
			if got := e.onlySpan(t).Parent().TraceID().String(); !strings.Contains(validParent, got) {
				t.Errorf("the incoming trace was not continued: parent trace %s", got)
			}
			if state.Len() > 32 || len(state.String()) > 512+32*256 {
				t.Errorf("tracestate kept %d members, %d bytes", state.Len(), len(state.String()))
			}
			if bag.Len() > 180 || len(bag.String()) > 8192 {
				t.Errorf("baggage kept %d members, %d bytes", bag.Len(), len(bag.String()))
			}
			for _, l := range e.lines(t) {
				if l["msg"] == "forged" {
					t.Error("a header forged a log line")
				}
			}
		})
	}
}
