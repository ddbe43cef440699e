package tracing

import (
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/exportwrap"
)

// sizeBounded returns exp with each export cut into parts under limit
// bytes (exportsize.Bound), so that a batch of large spans (stack traces
// in exception events, long database statements) is not refused whole; a
// span over limit on its own is not exported but reported to drop as
// exportsize.TooLarge, and its neighbours go. NewTracerProvider puts it
// outermost, so that the export-health wrapper inside counts each part.
func sizeBounded(exp sdktrace.SpanExporter, limit int, drop func(reason string, n int)) sdktrace.SpanExporter {
	return exportwrap.Spans(exp, exportsize.Bound[sdktrace.ReadOnlySpan]{Limit: limit, Size: spanSize, Drop: drop}.Around)
}

// Bounds of the protobuf bytes of a span, an event and a link besides
// their text and attributes (IDs, flags, kind, times, dropped counts,
// status code, framing), with room to spare.
const (
	spanFraming  = 128
	eventFraming = 32
	linkFraming  = 64
)

// spanSize estimates from above the bytes s adds to an OTLP export: its
// name, attributes, events and links with theirs, status, trace states
// and scope. The scope is counted with every span, although an export
// carries it once per scope.
func spanSize(s *sdktrace.ReadOnlySpan) int {
	span := *s
	if span == nil {
		return 0
	}
	n := spanFraming + exportsize.Text(span.Name()) + traceStateSize(span.SpanContext().TraceState()) +
		exportsize.Text(span.Status().Description) + exportsize.KeyValues(span.Attributes()) +
		exportsize.Scope(span.InstrumentationScope())
	for _, e := range span.Events() {
		n += eventFraming + exportsize.Text(e.Name) + exportsize.KeyValues(e.Attributes)
	}
	for _, l := range span.Links() {
		n += linkFraming + traceStateSize(l.SpanContext.TraceState()) + exportsize.KeyValues(l.Attributes)
	}
	return n
}

// traceStateSize returns the bytes ts takes as text ("k=v,k=v"), without
// building it.
func traceStateSize(ts trace.TraceState) int {
	n := exportsize.Framing
	ts.Walk(func(k, v string) bool {
		n += len(k) + len(v) + 2
		return true
	})
	return n
}
