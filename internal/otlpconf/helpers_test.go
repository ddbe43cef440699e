package otlpconf

import (
	"context"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/env"
)

// spanExporter, metricExporter and logExporter resolve and build in one
// step, as the signal packages do.
func spanExporter(ctx context.Context, src env.Source, o Overrides) (sdktrace.SpanExporter, Resolved, error) {
	r, err := Resolve(src, Traces, o)
	if err != nil {
		return nil, r, err
	}
	exp, err := SpanExporter(ctx, r)
	return exp, r, err
}

// metricExporter builds the first push exporter r lists, nil when there
// is none.
func metricExporter(ctx context.Context, src env.Source, o Overrides) (sdkmetric.Exporter, Resolved, error) {
	r, err := Resolve(src, Metrics, o)
	if err != nil {
		return nil, r, err
	}
	for _, name := range r.Exporters {
		if name == ExporterOTLP || name == ExporterConsole {
			exp, err := MetricExporter(ctx, r, name)
			return exp, r, err
		}
	}
	return nil, r, nil
}

func logExporter(ctx context.Context, src env.Source, o Overrides) (sdklog.Exporter, Resolved, error) {
	r, err := Resolve(src, Logs, o)
	if err != nil {
		return nil, r, err
	}
	exp, err := LogExporter(ctx, r)
	return exp, r, err
}
