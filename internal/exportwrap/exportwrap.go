// Package exportwrap wraps the SDK's span, metric and log record exporters
// in one shape: a function that runs around each export. A wrapper forwards
// every other method (Shutdown, ForceFlush, Temporality, Aggregation) to
// the exporter it wraps.
//
// otelkit wraps exporters for two things, the same way for all three
// signals: internal/otlpconf scrubs the configured header values from each
// OTLP export's error and bounds each OTLP/HTTP export by the export
// timeout, and otel counts what each export delivered and lost for its
// HealthHandler. The three wrapper types differ only in the exporter
// interface they implement. Apply runs the wrapper a user gives to
// WithExporterWrapper, with the same rules for every signal.
package exportwrap

import (
	"context"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/env"
)

// Around runs around one export of batch: it calls export (once) and
// returns the error to report.
type Around[B any] func(ctx context.Context, batch B, export func(context.Context, B) error) error

// Spans returns exp with around run around each ExportSpans.
func Spans(exp sdktrace.SpanExporter, around Around[[]sdktrace.ReadOnlySpan]) sdktrace.SpanExporter {
	return spanExporter{exp, around}
}

// Metrics returns exp with around run around each Export.
func Metrics(exp sdkmetric.Exporter, around Around[*metricdata.ResourceMetrics]) sdkmetric.Exporter {
	return metricExporter{exp, around}
}

// Logs returns exp with around run around each Export.
func Logs(exp sdklog.Exporter, around Around[[]sdklog.Record]) sdklog.Exporter {
	return logExporter{exp, around}
}

type spanExporter struct {
	sdktrace.SpanExporter
	around Around[[]sdktrace.ReadOnlySpan]
}

func (e spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.around(ctx, spans, e.SpanExporter.ExportSpans)
}

type metricExporter struct {
	sdkmetric.Exporter
	around Around[*metricdata.ResourceMetrics]
}

func (e metricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return e.around(ctx, rm, e.Exporter.Export)
}

type logExporter struct {
	sdklog.Exporter
	around Around[[]sdklog.Record]
}

func (e logExporter) Export(ctx context.Context, records []sdklog.Record) error {
	return e.around(ctx, records, e.Exporter.Export)
}

// Apply passes exp through wrap, a signal package's WithExporterWrapper
// (nil: none), the same way for the three signals: a nil exp (exporter
// "none") is not wrapped, and a wrapper that returns nil is an error naming
// the option, after exp is shut down.
func Apply[E interface{ Shutdown(context.Context) error }](ctx context.Context, exp E, wrap func(E) E) (E, error) {
	if wrap == nil || any(exp) == nil {
		return exp, nil
	}
	w := wrap(exp)
	if any(w) == nil {
		_ = exp.Shutdown(ctx)
		return w, &env.Error{Option: "WithExporterWrapper", Withheld: true, Allowed: "a function that returns an exporter, not nil"}
	}
	return w, nil
}
