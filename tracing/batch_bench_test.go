package tracing

import (
	"context"
	"sync/atomic"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/batch"
)

// discardExporter accepts every batch and keeps nothing.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// stuckExporter holds every export until release is closed: the queue
// fills and every further span is dropped.
type stuckExporter struct{ release chan struct{} }

func (e stuckExporter) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	select {
	case <-e.release:
	case <-ctx.Done():
	}
	return nil
}
func (stuckExporter) Shutdown(context.Context) error { return nil }

// openedSpanProcessor is otelkit's span processor alone, for OnEnd
// benchmarks: as if its sampler had counted in every span they end.
func openedSpanProcessor(e sdktrace.SpanExporter, c batch.Config) spanProcessor {
	sp, _ := newSpanProcessor(e, c, sdktrace.AlwaysSample())
	sp.open.n.Store(1 << 40)
	return sp
}

// BenchmarkBatchSpanProcessorFull: ending a span when the queue is full
// (the collector is stuck), the cost of a drop: the SDK's counts it in a
// private counter, otelkit's reports it (here to an atomic counter, as
// otel.Init's health state does).
func BenchmarkBatchSpanProcessorFull(b *testing.B) {
	var dropped atomic.Int64
	procs := []struct {
		name string
		new  func(sdktrace.SpanExporter) sdktrace.SpanProcessor
	}{
		{"sdk", func(e sdktrace.SpanExporter) sdktrace.SpanProcessor { return sdktrace.NewBatchSpanProcessor(e) }},
		{"otelkit", func(e sdktrace.SpanExporter) sdktrace.SpanProcessor {
			return openedSpanProcessor(e, batch.Config{OnDrop: []func(string, int){func(_ string, n int) { dropped.Add(int64(n)) }}, ReportFinalExport: true})
		}},
	}
	span := tracetest.SpanStub{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled})}.Snapshot()
	for _, p := range procs {
		b.Run("on_end/"+p.name, func(b *testing.B) {
			exp := stuckExporter{release: make(chan struct{})}
			sp := p.new(exp)
			defer func() {
				close(exp.release)
				_ = sp.Shutdown(context.Background())
			}()
			for range sdktrace.DefaultMaxQueueSize + sdktrace.DefaultMaxExportBatchSize + 1 {
				sp.OnEnd(span) // fill the queue and the batch in export
			}
			b.ReportAllocs()
			for b.Loop() {
				sp.OnEnd(span)
			}
		})
	}
}

// BenchmarkBatchSpanProcessor compares otelkit's batch span processor with
// the SDK's (the baseline a user would otherwise get), in the same run, on
// what the request path pays: ending a span (OnEnd), and a whole span
// (Start + End through a provider), serially and from all CPUs.
func BenchmarkBatchSpanProcessor(b *testing.B) {
	procs := []struct {
		name string
		new  func() sdktrace.SpanProcessor
		// provider is what a whole span goes through: the processor and
		// the sampler it needs (the SDK's default for both).
		provider func() *sdktrace.TracerProvider
	}{
		{"sdk", func() sdktrace.SpanProcessor { return sdktrace.NewBatchSpanProcessor(discardExporter{}) },
			func() *sdktrace.TracerProvider {
				return sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardExporter{}))
			}},
		{"otelkit", func() sdktrace.SpanProcessor {
			return openedSpanProcessor(discardExporter{}, batch.Config{OnDrop: []func(string, int){func(string, int) {}}, ReportFinalExport: true})
		}, func() *sdktrace.TracerProvider {
			sp, sampler := newSpanProcessor(discardExporter{}, batch.Config{OnDrop: []func(string, int){func(string, int) {}}, ReportFinalExport: true},
				sdktrace.ParentBased(sdktrace.AlwaysSample()))
			return sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp), sdktrace.WithSampler(sampler))
		}},
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
			tp := p.provider()
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
			tp := p.provider()
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
