package otel

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/metrics"
)

// exportGate holds the next export of the exporter it wraps, once armed,
// until released: an export in progress at a chosen moment.
type exportGate struct {
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func newExportGate() *exportGate {
	return &exportGate{entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *exportGate) wrap(exp sdkmetric.Exporter) sdkmetric.Exporter {
	return exportwrap.Metrics(exp, func(ctx context.Context, rm *metricdata.ResourceMetrics, export func(context.Context, *metricdata.ResourceMetrics) error) error {
		if g.armed.CompareAndSwap(true, false) {
			close(g.entered)
			<-g.release
		}
		return export(ctx, rm)
	})
}

// TestHealthSettleDuringExport: Shutdown whose deadline passes while a
// ForceFlush's metric export is still in progress counts the points the
// export before left unsent (settle) as export_failed; when that export
// then fails too (the exporter is shut down), its cumulative points, the
// same series sent again, are not counted a second time. They were: 3
// counter series lost, 6 counted.
func TestHealthSettleDuringExport(t *testing.T) {
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000") // ForceFlush and Shutdown only
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})
	gate := newExportGate()
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint),
		WithOTLPProtocol("http/protobuf"), WithTracesExporter("none"), WithLogsExporter("none"),
		WithMetricsOptions(metrics.WithExporterWrapper(gate.wrap)))
	counter, _ := tel.MeterProvider().Meter("settle").Int64Counter("jobs.done")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, k := range []string{"a", "b", "c"} {
		counter.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", k)))
	}
	if err := tel.ForceFlush(ctx); err == nil {
		t.Fatal("ForceFlush against 400 returned no error")
	}
	if m := tel.Health().Export["metrics"]; m.Unsent != 3 || m.Failed != 0 {
		t.Fatalf("after the failed export: %+v, want 3 unsent", m)
	}

	gate.armed.Store(true)
	flushed := make(chan error, 1)
	go func() { flushed <- tel.ForceFlush(ctx) }()
	select {
	case <-gate.entered:
	case <-ctx.Done():
		t.Fatal("the second ForceFlush's export never started")
	}
	// The export holds the reader: Shutdown's final export waits for it
	// until Shutdown's deadline, which passes.
	sctx, scancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer scancel()
	if err := tel.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want its deadline exceeded", err)
	}
	close(gate.release)
	if err := <-flushed; err == nil {
		t.Error("ForceFlush to an exporter shut down returned no error")
	}
	if m := tel.Health().Export["metrics"]; m.Failed != 3 || m.Dropped[DropExportFailed] != 3 || m.Unsent != 0 {
		t.Errorf("after Shutdown and the export it cut off: %+v, want the 3 series counted lost once", m)
	}
}

// TestHealthShutdownDeadlineBeforeFinalCollection: measurements made
// after the last collection, when Shutdown's deadline passes before its
// final export could collect them (a ForceFlush's export holds the
// reader), are counted lost (export_failed), once, with the series the
// export before left unsent. They were neither collected nor counted.
func TestHealthShutdownDeadlineBeforeFinalCollection(t *testing.T) {
	for _, preference := range []string{"cumulative", "delta"} {
		t.Run(preference, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", preference)
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000") // ForceFlush and Shutdown only
			c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})
			gate := newExportGate()
			tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint),
				WithOTLPProtocol("http/protobuf"), WithTracesExporter("none"), WithLogsExporter("none"),
				WithMetricsOptions(metrics.WithExporterWrapper(gate.wrap)))
			counter, _ := tel.MeterProvider().Meter("settle").Int64Counter("jobs.done")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			counter.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", "a")))
			if err := tel.ForceFlush(ctx); err == nil {
				t.Fatal("ForceFlush against 400 returned no error")
			}

			gate.armed.Store(true)
			flushed := make(chan error, 1)
			go func() { flushed <- tel.ForceFlush(ctx) }()
			select {
			case <-gate.entered:
			case <-ctx.Done():
				t.Fatal("the second ForceFlush's export never started")
			}
			counter.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", "b"))) // after its collection
			sctx, scancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer scancel()
			_ = tel.Shutdown(sctx)
			close(gate.release)
			<-flushed
			if m := tel.Health().Export["metrics"]; m.Failed != 2 || m.Dropped[DropExportFailed] != 2 || m.Unsent != 0 {
				t.Errorf("after Shutdown: %+v, want series a and b counted lost, once each", m)
			}
		})
	}
}
