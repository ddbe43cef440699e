package grpcmw

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
)

// TestClientDropsCallersTraceState: a call whose outgoing metadata carries
// a traceparent, tracestate and baggage of its own goes out with the client
// span's traceparent and the context's tracestate, never the caller's
// tracestate beside a traceparent of another trace (gRPC metadata cannot
// lose a key through otelgrpc's carrier: it is sent empty, which W3C
// receivers take for none); the caller's baggage stays unless the context
// has baggage.
func TestClientDropsCallersTraceState(t *testing.T) {
	e := newTestEnv(t)
	var mu sync.Mutex
	var got metadata.MD
	svc := &mdService{note: func(ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		got, _ = metadata.FromIncomingContext(ctx)
	}}
	s := serve(t, nil, func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, svc) }, DialOptions(e.opts()...)...)
	c := testpb.NewTestServiceClient(s.conn)

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
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.sr.Reset()
			ctx := metadata.AppendToOutgoingContext(tc.ctx,
				"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
				"tracestate", "other=1", "baggage", "k=caller")
			if _, err := c.EmptyCall(ctx, &testpb.Empty{}); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			md := got
			mu.Unlock()
			sc := e.endedOfKind(t, 1, trace.SpanKindClient).SpanContext()
			if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; len(md["traceparent"]) != 1 || md["traceparent"][0] != want {
				t.Errorf("traceparent %q, want the client span's %q", md["traceparent"], want)
			}
			var sent []string
			for _, v := range md["tracestate"] {
				if v != "" {
					sent = append(sent, v)
				}
			}
			if tc.tracestate == "" && len(sent) != 0 || tc.tracestate != "" && (len(sent) != 1 || sent[0] != tc.tracestate) {
				t.Errorf("tracestate %q, want %q", md["tracestate"], tc.tracestate)
			}
			if v := md["baggage"]; len(v) != 1 || v[0] != tc.baggage {
				t.Errorf("baggage %q, want %q", v, tc.baggage)
			}
		})
	}
}
