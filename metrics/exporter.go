package metrics

import (
	"context"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/sanitize"
)

// pushExporter builds the OTLP or console exporter through otlpconf, which
// validates every OTEL_EXPORTER_OTLP_* variable (including
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE) and passes the exporter
// only what was set explicitly. It never blocks on connecting. The exporter
// receives valid UTF-8 only (sanitize.MetricExporter), so one attribute
// value with invalid bytes cannot fail a whole export.
//
// OTEL_METRICS_EXPORTER is resolved here (it may name several exporters), so
// otlpconf is given the one exporter to build and does not see the variable.
func pushExporter(ctx context.Context, c config, name string) (sdkmetric.Exporter, error) {
	lookup := c.lookup
	src := env.FromFunc(func(k string) (string, bool) {
		if k == envExporter {
			return "", false
		}
		if lookup == nil {
			return env.FromOS().String(k)
		}
		return lookup(k)
	})
	exp, _, err := otlpconf.MetricExporter(ctx, src, c.overrides(name), nil)
	if err != nil || exp == nil {
		return exp, err
	}
	// Valid UTF-8 only, innermost: one invalid byte would fail the export.
	exp = sanitize.MetricExporter(exp)
	if c.wrap == nil {
		return exp, nil
	}
	w := c.wrap(name, exp)
	if w == nil {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("otelkit/metrics: WithExporterWrapper: the wrapper returned nil for the %q exporter", name)
	}
	return w, nil
}

// overrides maps this package's options onto otlpconf's.
func (c config) overrides(exporter string) otlpconf.Overrides {
	return otlpconf.Overrides{
		Exporter:    exporter,
		Protocol:    c.protocol,
		Endpoint:    c.endpoint,
		Headers:     c.headers,
		Insecure:    c.insecure,
		Timeout:     c.timeout,
		Compression: c.compression,
		Console:     c.console,
	}
}
