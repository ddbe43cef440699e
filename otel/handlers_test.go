package otel

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

type countedSpans struct {
	sdktrace.SpanExporter
	n *atomic.Int64
}

func (c countedSpans) ExportSpans(ctx context.Context, s []sdktrace.ReadOnlySpan) error {
	c.n.Add(int64(len(s)))
	return c.SpanExporter.ExportSpans(ctx, s)
}

type countedMetrics struct {
	sdkmetric.Exporter
	n *atomic.Int64
}

func (c countedMetrics) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	c.n.Add(1)
	return c.Exporter.Export(ctx, rm)
}

// TestProgramsHandlersCalledBesideInits: an exporter wrapper, a drop
// handler and a warning handler given through WithTracingOptions and
// WithMetricsOptions are called as well as Init's own (which still count
// for the health document and write the warning); Init's used to replace
// them without a word.
func TestProgramsHandlersCalledBesideInits(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", "4")
	t.Setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "8") // cut to the queue's: a warning
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000")
	var spans, exports, drops, warnings atomic.Int64
	out := &lineBuffer{}
	tel := initHealth(t, out, WithSpanExporter(tracetest.NewInMemoryExporter()), WithLogsExporter("none"),
		WithMetricsExporter("console"), WithConsoleWriter(io.Discard),
		WithTracingOptions(
			tracing.WithExporterWrapper(func(e sdktrace.SpanExporter) sdktrace.SpanExporter { return countedSpans{e, &spans} }),
			tracing.WithDropHandler(func(_ string, n int) { drops.Add(int64(n)) }),
			tracing.WithWarningHandler(func(error) { warnings.Add(1) })),
		WithMetricsOptions(metrics.WithExporterWrapper(func(e sdkmetric.Exporter) sdkmetric.Exporter { return countedMetrics{e, &exports} })))
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "s")
	span.End()
	jobs, _ := tel.MeterProvider().Meter("t").Int64Counter("jobs")
	jobs.Add(context.Background(), 1)
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	h, _ := getHealth(t, tel)
	if spans.Load() != 1 || h.Export["traces"].Exported != 1 {
		t.Errorf("the program's wrapper counted %d spans, health %d; want 1 each", spans.Load(), h.Export["traces"].Exported)
	}
	if exports.Load() == 0 || h.Export["metrics"].Exported == 0 {
		t.Errorf("the program's metric wrapper saw %d exports, health %d data points; want some each", exports.Load(), h.Export["metrics"].Exported)
	}
	if warnings.Load() != 1 || !strings.Contains(out.String(), "OTEL_BSP_MAX_EXPORT_BATCH_SIZE") {
		t.Errorf("the program's warning handler called %d times; want 1, and Init's line:\n%s", warnings.Load(), out.String())
	}
	if err := tel.Shutdown(context.Background()); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	_, late := tel.TracerProvider().Tracer("t").Start(context.Background(), "late")
	late.End()
	h, _ = getHealth(t, tel)
	if drops.Load() != 1 || h.Export["traces"].Dropped[DropAfterShutdown] != 1 {
		t.Errorf("the program's drop handler counted %d, health %d; want 1 each", drops.Load(), h.Export["traces"].Dropped[DropAfterShutdown])
	}
}
