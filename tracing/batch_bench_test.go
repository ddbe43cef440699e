package tracing

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// discardExporter accepts every batch and keeps nothing.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkBatchSpanProcessor compares otelkit's batch span processor with
// the SDK's (the baseline a user would otherwise get), in the same run, on
// what the request path pays: ending a span (OnEnd), and a whole span
// (Start + End through a provider), serially and from all CPUs.
func BenchmarkBatchSpanProcessor(b *testing.B) {
	procs := []struct {
		name string
		new  func() sdktrace.SpanProcessor
	}{
		{"sdk", func() sdktrace.SpanProcessor { return sdktrace.NewBatchSpanProcessor(discardExporter{}) }},
		{"otelkit", func() sdktrace.SpanProcessor { return newSpanProcessor(discardExporter{}, nil, func(string, int) {}) }},
	}
	span := tracetest.SpanStub{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled})}.Snapshot()
	for _, p := range procs {
		b.Run("on_end/"+p.name, func(b *testing.B) {
			sp := p.new()
			defer func() { _ = sp.Shutdown(context.Background()) }()
			b.ReportAllocs()
			for b.Loop() {
				sp.OnEnd(span)
			}
		})
		b.Run("span/"+p.name, func(b *testing.B) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p.new()))
			defer func() { _ = tp.Shutdown(context.Background()) }()
			tr := tp.Tracer("bench")
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, s := tr.Start(ctx, "work")
				s.End()
			}
		})
		b.Run("span_parallel/"+p.name, func(b *testing.B) {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p.new()))
			defer func() { _ = tp.Shutdown(context.Background()) }()
			tr := tp.Tracer("bench")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					_, s := tr.Start(ctx, "work")
					s.End()
				}
			})
		})
	}
}
