package tracing

import (
	"context"
	"sync/atomic"

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

// openSpans counts the sampled spans started and not yet ended. At
// Shutdown they are reported lost (after_shutdown): the SDK provider
// forgets its processors there, so a span that ends later (a request the
// drain gave up on, a goroutine that outlived it) reaches no processor and
// would vanish uncounted.
type openSpans struct {
	n      atomic.Int64
	closed atomic.Bool // counted: OnEnd no longer queues
	onDrop func(reason string, n int)
}

var _ sdktrace.SpanProcessor = spanProcessor{}

// newSpanProcessor builds the processor from the OTEL_BSP_* settings
// NewTracerProvider resolved.
func newSpanProcessor(exp sdktrace.SpanExporter, c batch.Config) spanProcessor {
	return spanProcessor{batch.New[sdktrace.ReadOnlySpan](spanExporter{exp}, c), &openSpans{onDrop: c.OnDrop}}
}

// OnStart counts a sampled span as open; it is queued when it ends.
func (s spanProcessor) OnStart(_ context.Context, span sdktrace.ReadWriteSpan) {
	if span.SpanContext().IsSampled() {
		s.open.n.Add(1)
	}
}

// OnEnd queues a sampled span for export without blocking.
func (s spanProcessor) OnEnd(span sdktrace.ReadOnlySpan) {
	if span.SpanContext().IsSampled() && !s.open.closed.Load() {
		s.open.n.Add(-1)
		s.Enqueue(span)
	}
}

// Shutdown shuts the batch processor down, then reports the spans still
// open as lost.
func (s spanProcessor) Shutdown(ctx context.Context) error {
	err := s.Processor.Shutdown(ctx)
	if s.open.closed.CompareAndSwap(false, true) {
		if n := s.open.n.Swap(0); n > 0 && s.open.onDrop != nil {
			s.open.onDrop(batch.AfterShutdown, int(n))
		}
	}
	return err
}

// spanExporter gives a SpanExporter the batch.Exporter method set.
type spanExporter struct{ sdktrace.SpanExporter }

func (e spanExporter) Export(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.ExportSpans(ctx, spans)
}
