// Package exportwrap wraps the SDK's span, metric and log record exporters
// in one shape: a function that runs around each export. A wrapper forwards
// every other method (Shutdown, ForceFlush, Temporality, Aggregation) to
// the exporter it wraps.
//
// otelkit wraps exporters for three things, the same way for all three
// signals: internal/otlpconf scrubs the configured header values from each
// OTLP export's error and bounds each OTLP/HTTP export by the export
// timeout, the providers turn a panic in an export into its error
// (Recovered), and otel counts what each export delivered and lost for its
// HealthHandler. The three wrapper types differ only in the exporter
// interface they implement, and in one more method of the metric wrapper:
// Abandon, through which the periodic reader's Shutdown hands on a
// collection it will not export (collection.go). Apply runs the wrapper a
// user gives to WithExporterWrapper, with the same rules for every signal.
package exportwrap

import (
	"context"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/panictext"
)

// Around runs around one export of batch: it calls export (once, or once
// per part for exportsize.Bound, which cuts a batch too large for one
// export) and returns the error to report.
type Around[B any] func(ctx context.Context, batch B, export func(context.Context, B) error) error

// Spans returns exp with around run around each ExportSpans; a nil exp
// (exporter "none") stays nil.
func Spans(exp sdktrace.SpanExporter, around Around[[]sdktrace.ReadOnlySpan]) sdktrace.SpanExporter {
	if exp == nil {
		return nil
	}
	return spanExporter{exp, around}
}

// Metrics returns exp with around run around each Export; a nil exp stays
// nil.
func Metrics(exp sdkmetric.Exporter, around Around[*metricdata.ResourceMetrics]) sdkmetric.Exporter {
	if exp == nil {
		return nil
	}
	return metricExporter{exp, around}
}

// Logs returns exp with around run around each Export; a nil exp stays nil.
func Logs(exp sdklog.Exporter, around Around[[]sdklog.Record]) sdklog.Exporter {
	if exp == nil {
		return nil
	}
	return logExporter{exp, around}
}

// Recovered is an Around that turns a panic in export into its error. An
// export runs on the batch processor's or the periodic reader's
// goroutine, where a panic ends the program: an exporter's bug, or a
// value it cannot encode, costs that batch instead, which the caller counts
// as failed and reports as an SDK error.
func Recovered[B any](ctx context.Context, batch B, export func(context.Context, B) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panictext.Error("the exporter", v)
		}
	}()
	return export(ctx, batch)
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

// Apply passes exp through wraps, a signal package's WithExporterWrapper
// (repeatable: the first given is the innermost; nil ones skipped), the
// same way for the three signals: a nil exp (exporter "none") is not
// wrapped, and a wrapper that returns nil is an error naming the option,
// after what it was given is shut down.
func Apply[E interface{ Shutdown(context.Context) error }](ctx context.Context, exp E, wraps ...func(E) E) (E, error) {
	if any(exp) == nil {
		return exp, nil
	}
	for _, wrap := range wraps {
		if wrap == nil {
			continue
		}
		w := wrap(exp)
		if any(w) == nil {
			_ = exp.Shutdown(ctx)
			return w, &env.Error{Option: "WithExporterWrapper", Withheld: true, Allowed: "a function that returns an exporter, not nil"}
		}
		exp = w
	}
	return exp, nil
}
