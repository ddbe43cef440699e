package metrics

import (
	"context"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/panictext"
	"github.com/otelkit/otelkit/internal/sanitize"
)

// pushExporter builds the OTLP or console exporter (name) from the
// settings resolved once for the signal (otlpconf.Resolve validated every
// OTEL_EXPORTER_OTLP_* variable, OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
// included), passing the exporter only what was set explicitly. It never
// blocks on connecting. The exporter receives valid UTF-8 only
// (sanitize.MetricExporter), so one attribute value with invalid bytes
// cannot fail a whole export; WithExporterWrapper's wrapper comes around
// that, and around it all the OTLP exporter's size bound (exportsize.go).
func pushExporter(ctx context.Context, c config, r otlpconf.Resolved, name string, watch *overflowWatch) (sdkmetric.Exporter, error) {
	exp, err := otlpconf.MetricExporter(ctx, r, name)
	if err != nil {
		return nil, err
	}
	// Valid UTF-8 only, innermost: one invalid byte would fail the export;
	// a panic costs the export, not the process.
	exp = exportwrap.Metrics(sanitize.MetricExporter(exp), exportwrap.Recovered)
	if watch != nil {
		exp = exportwrap.Metrics(exp, watch.around)
	}
	if exp, err = exportwrap.Apply(ctx, exp, c.wraps...); err != nil {
		return nil, err
	}
	r.Exporter = name // the bound is the OTLP exporter's, not the console's
	if limit := exportsize.Limit(r); limit > 0 {
		// Outermost, so that the export-health wrapper counts each part.
		exp = sizeBounded(exp, limit, c.drop)
	}
	return exp, nil
}

// drop calls each WithDropHandler handler.
func (c config) drop(reason string, n int) {
	for _, h := range c.onDrop {
		callDrop(h, reason, n)
	}
}

// callDrop calls h, a handler of the program's, turning a panic into an
// error for otel.Handle: it runs on the periodic reader's goroutine,
// where a panic would end the process.
func callDrop(h func(reason string, n int), reason string, n int) {
	defer panictext.Handle("the WithDropHandler handler")
	h(reason, n)
}
