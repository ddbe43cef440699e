package tracing

import (
	"context"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/batch"
)

// spanProcessor is the batch span processor NewTracerProvider puts in front
// of the exporter, in place of sdktrace.NewBatchSpanProcessor: the same
// settings and behaviour, but every span it drops is reported to
// WithDropHandler's handler (the SDK's keeps its count private). The batch
// processor's ForceFlush and Shutdown (bounded by ctx; what is still queued
// when ctx ends is reported as dropped) are the span processor's.
type spanProcessor struct {
	*batch.Processor[sdktrace.ReadOnlySpan]
	open *openSpans
}

var _ sdktrace.SpanProcessor = spanProcessor{}

// newSpanProcessor builds the processor from the OTEL_BSP_* settings
// NewTracerProvider resolved, and the provider's sampler: sampler with the
// spans it samples counted in, for the processor to count them out
// (aftershutdown.go). The provider must use both.
func newSpanProcessor(exp sdktrace.SpanExporter, c batch.Config, sampler sdktrace.Sampler) (spanProcessor, countingSampler) {
	proc := batch.New[sdktrace.ReadOnlySpan](spanExporter{exp}, c)
	open := &openSpans{onDrop: proc.Drop}
	return spanProcessor{proc, open}, countingSampler{sampler, open}
}

// OnStart does nothing: the sampler counted the span in.
func (s spanProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues a sampled span for export without blocking, unless it was
// counted lost at Shutdown.
func (s spanProcessor) OnEnd(span sdktrace.ReadOnlySpan) {
	if span.SpanContext().IsSampled() && s.open.end() {
		s.Enqueue(span)
	}
}

// Shutdown shuts the batch processor down, then reports the spans still
// open as lost, and every sampled span begun from then on.
func (s spanProcessor) Shutdown(ctx context.Context) error {
	err := s.Processor.Shutdown(ctx)
	s.open.close()
	return err
}

// spanExporter gives a SpanExporter the batch.Exporter method set.
type spanExporter struct{ sdktrace.SpanExporter }

func (e spanExporter) Export(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.ExportSpans(ctx, spans)
}
