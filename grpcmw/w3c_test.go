package grpcmw

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"

	"github.com/otelkit/otelkit/internal/w3c"
)

// gRPC metadata can carry a key more than once; the server reads every
// value as W3C Trace Context Level 2 and W3C Baggage say, as httpmw does
// (internal/w3c), not only the first one as otelgrpc's carrier would.
func TestTraceContextFromEveryMetadataValue(t *testing.T) {
	for _, tc := range []struct {
		name       string
		md         metadata.MD
		trace      string // "" : a new trace
		tracestate string
		baggage    string
	}{
		{"tracestate values combined", metadata.MD{
			"traceparent": {validParent}, "tracestate": {"", "foo=1,BAD=2", "bar=2"},
		}, traceHex, "foo=1,bar=2", ""},
		{"baggage values combined", metadata.MD{
			"traceparent": {validParent}, "baggage": {"a=1", " b = 2 "},
		}, traceHex, "", "a=1,b=2"},
		{"differing traceparents restart", metadata.MD{"traceparent": {validParent, otherParent}}, "", "", ""},
		{"identical traceparents count once", metadata.MD{"traceparent": {validParent, validParent}}, traceHex, "", ""},
		{"oversized tracestate dropped", metadata.MD{
			"traceparent": {validParent}, "tracestate": {"k=" + strings.Repeat("v", 9000)},
		}, traceHex, "", ""},
		{"invalid traceparent", metadata.MD{"traceparent": {"ff-" + traceHex + "-" + parentSpan + "-01"}}, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			var bag string
			c := e.serveTest(t, &baggageService{got: &bag})
			before := w3c.Dropped(w3c.TraceState, w3c.DropOversize)
			if _, err := c.EmptyCall(metadata.NewOutgoingContext(context.Background(), tc.md), &testpb.Empty{}); err != nil {
				t.Fatal(err)
			}
			s := e.ended(t, 1)[0]
			got := s.SpanContext().TraceID().String()
			if (tc.trace == "" && got == traceHex) || (tc.trace != "" && got != tc.trace) {
				t.Errorf("trace %s, want %q (\"\": a new one)", got, tc.trace)
			}
			if ts := s.SpanContext().TraceState().String(); ts != tc.tracestate {
				t.Errorf("tracestate %q, want %q", ts, tc.tracestate)
			}
			if !sameBaggage(bag, tc.baggage) {
				t.Errorf("baggage %q, want %q", bag, tc.baggage)
			}
			if strings.HasPrefix(tc.name, "oversized") && w3c.Dropped(w3c.TraceState, w3c.DropOversize) == before {
				t.Error("the dropped tracestate was not counted")
			}
		})
	}
}

// sameBaggage reports whether a and b hold the same members (baggage is a
// map: its order is not kept).
func sameBaggage(a, b string) bool {
	ba, errA := baggage.Parse(a)
	bb, errB := baggage.Parse(b)
	if errA != nil || errB != nil || ba.Len() != bb.Len() {
		return false
	}
	for _, m := range ba.Members() {
		if bb.Member(m.Key()).Value() != m.Value() {
			return false
		}
	}
	return true
}

// A traceparent whose first value is empty is present, not absent: its
// lines conflict, and the conflict is counted.
func TestEmptyFirstTraceParentCounted(t *testing.T) {
	e := newTestEnv(t)
	c := e.serveTest(t, &baggageService{got: new(string)})
	before := w3c.Dropped(w3c.TraceParent, w3c.DropConflict)
	md := metadata.MD{"traceparent": {"", validParent}}
	if _, err := c.EmptyCall(metadata.NewOutgoingContext(context.Background(), md), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if got := e.ended(t, 1)[0].SpanContext().TraceID().String(); got == traceHex {
		t.Errorf("trace %s continued; want a new one", got)
	}
	if w3c.Dropped(w3c.TraceParent, w3c.DropConflict) == before {
		t.Error("the conflicting traceparent lines were not counted")
	}
}
