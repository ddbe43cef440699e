package tracing

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestInjectExtractRoundTrip(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })

	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	})
	headers := map[string]string{}
	Inject(trace.ContextWithSpanContext(context.Background(), sc), headers)
	if !strings.HasPrefix(headers["traceparent"], "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01") {
		t.Fatalf("traceparent = %q", headers["traceparent"])
	}
	got := trace.SpanContextFromContext(Extract(context.Background(), headers))
	if got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() || !got.IsRemote() {
		t.Errorf("extracted %v, want %v (remote)", got, sc)
	}

	Inject(context.Background(), nil) // must not panic
	for _, bad := range []map[string]string{nil, {}, {"traceparent": "00-zz-yy-01"}, {"traceparent": strings.Repeat("0", 10000)}} {
		if sc := trace.SpanContextFromContext(Extract(nil, bad)); sc.IsValid() { //nolint:staticcheck // nil ctx is tolerated on purpose
			t.Errorf("Extract(%v) gave a valid span context", bad)
		}
	}
}
