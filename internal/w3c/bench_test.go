package w3c

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// BenchmarkExtract compares, in one run, the SDK's W3C propagators alone
// (what otelhttp uses without otelkit) with the same propagators behind
// Propagator, on the headers of one request.
func BenchmarkExtract(b *testing.B) {
	cases := []struct {
		name string
		h    http.Header
	}{
		{"traceparent", http.Header{"Traceparent": {parent}}},
		{"all-three", http.Header{"Traceparent": {parent}, "Tracestate": {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}, "Baggage": {"userId=alice,isProduction=false"}}},
		{"tracestate-lines", http.Header{"Traceparent": {parent}, "Tracestate": {"rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"}}},
		{"tracestate-1MiB", http.Header{"Traceparent": {parent}, "Tracestate": {"a=" + strings.Repeat("x", 1<<20)}}},
		{"baggage-1MiB", http.Header{"Traceparent": {parent}, "Baggage": {"k=" + strings.Repeat("v", 1<<20)}}},
	}
	ctx := context.Background()
	wrapped := Propagator(sdkW3C)
	for _, tc := range cases {
		c := propagation.HeaderCarrier(tc.h)
		b.Run(tc.name+"/sdk", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sdkW3C.Extract(ctx, c)
			}
		})
		b.Run(tc.name+"/w3c", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				wrapped.Extract(ctx, c)
			}
		})
	}
}

// BenchmarkInject compares the SDK's W3C propagators alone with the same
// propagators behind Propagator, which bounds what they wrote.
func BenchmarkInject(b *testing.B) {
	ts, _ := trace.ParseTraceState("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	bag, _ := baggage.Parse("userId=alice,isProduction=false")
	ctx := baggage.ContextWithBaggage(spanContextWith(ts), bag)
	wrapped := Propagator(sdkW3C)
	h := http.Header{}
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			clear(h)
			sdkW3C.Inject(ctx, propagation.HeaderCarrier(h))
		}
	})
	b.Run("w3c", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			clear(h)
			wrapped.Inject(ctx, propagation.HeaderCarrier(h))
		}
	})
}
