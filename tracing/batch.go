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
}

var _ sdktrace.SpanProcessor = spanProcessor{}

// newSpanProcessor builds the processor from the OTEL_BSP_* settings
// NewTracerProvider resolved.
func newSpanProcessor(exp sdktrace.SpanExporter, c batch.Config) spanProcessor {
	return spanProcessor{batch.New[sdktrace.ReadOnlySpan](spanExporter{exp}, c)}
}

// OnStart does nothing: spans are queued when they end.
func (spanProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd queues a sampled span for export without blocking.
func (s spanProcessor) OnEnd(span sdktrace.ReadOnlySpan) {
	if span.SpanContext().IsSampled() {
		s.Enqueue(span)
	}
}

// spanExporter gives a SpanExporter the batch.Exporter method set.
type spanExporter struct{ sdktrace.SpanExporter }

func (e spanExporter) Export(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.ExportSpans(ctx, spans)
}
