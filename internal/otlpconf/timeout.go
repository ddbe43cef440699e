package otlpconf

import (
	"context"
	"fmt"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The OTLP/HTTP exporters of SDK v1.47 apply the export timeout
// (OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT) to each HTTP request only, and
// retry until the caller's context ends (the batch processor's 30 s) or a
// minute has passed. The specification, and the SDK's gRPC exporters,
// bound the whole export, retries included. Now that a refused connection
// is retried too (see httpclient.go), otelkit bounds the HTTP exports the
// same way, so that a down collector holds a batch for the export timeout
// on both protocols.

// exportTimeoutError is the cause of an export's deadline, so that the
// error names the setting that ended it.
func exportTimeoutError(d time.Duration) error {
	return fmt.Errorf("otelkit: OTLP export timeout (%s) reached", d)
}

// withTimeout bounds ctx by d, with a cause naming the timeout.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, exportTimeoutError(d))
}

type timeoutSpanExporter struct {
	sdktrace.SpanExporter
	d time.Duration
}

func (e timeoutSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	ctx, cancel := withTimeout(ctx, e.d)
	defer cancel()
	return e.SpanExporter.ExportSpans(ctx, spans)
}

type timeoutMetricExporter struct {
	sdkmetric.Exporter
	d time.Duration
}

func (e timeoutMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	ctx, cancel := withTimeout(ctx, e.d)
	defer cancel()
	return e.Exporter.Export(ctx, rm)
}

type timeoutLogExporter struct {
	sdklog.Exporter
	d time.Duration
}

func (e timeoutLogExporter) Export(ctx context.Context, records []sdklog.Record) error {
	ctx, cancel := withTimeout(ctx, e.d)
	defer cancel()
	return e.Exporter.Export(ctx, records)
}
