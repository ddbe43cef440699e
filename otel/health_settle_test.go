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

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/metrics"
)

// exportGate wraps the metric exporter as a program's wrapper does
// (WithExporterWrapper: inside the export-health wrapper). Once armed, it
// holds the next export until released: an export in progress at a chosen
// moment. It notes whether two exports ever ran at once, which the SDK's
// exporter contract rules out. Its Shutdown runs beforeShutdown first,
// when set.
type exportGate struct {
	armed          atomic.Bool
	entered        chan struct{}
	release        chan struct{}
	beforeShutdown func()
	running        atomic.Int32
	overlapped     atomic.Bool
}

func newExportGate() *exportGate {
	return &exportGate{entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *exportGate) wrap(exp sdkmetric.Exporter) sdkmetric.Exporter { return gatedExporter{exp, g} }

type gatedExporter struct {
	sdkmetric.Exporter
	g *exportGate
}

func (e gatedExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.g.running.Add(1) > 1 {
		e.g.overlapped.Store(true)
	}
	defer e.g.running.Add(-1)
	if e.g.armed.CompareAndSwap(true, false) {
		close(e.g.entered)
		<-e.g.release
	}
	return e.Exporter.Export(ctx, rm)
}

func (e gatedExporter) Shutdown(ctx context.Context) error {
	if e.g.beforeShutdown != nil {
		e.g.beforeShutdown()
	}
	return e.Exporter.Shutdown(ctx)
}

// heldFlush is a Telemetry exporting metrics to a collector that refuses
// the first failFirst exports (-1: every one), with one counter series per
// kind measured and a first ForceFlush failed, and a second ForceFlush
// whose export the gate holds: an export in progress at a chosen moment.
type heldFlush struct {
	tel     *Telemetry
	gate    *exportGate
	counter metric.Int64Counter
	ctx     context.Context
	flushed chan error // the held ForceFlush's result
}

func newHeldFlush(t *testing.T, failFirst int, kinds ...string) *heldFlush {
	t.Helper()
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000") // ForceFlush and Shutdown only
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: failFirst})
	h := &heldFlush{gate: newExportGate(), flushed: make(chan error, 1)}
	h.tel = initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint),
		WithOTLPProtocol("http/protobuf"), WithTracesExporter("none"), WithLogsExporter("none"),
		WithMetricsOptions(metrics.WithExporterWrapper(h.gate.wrap)))
	h.counter, _ = h.tel.MeterProvider().Meter("settle").Int64Counter("jobs.done")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	h.ctx = ctx
	for _, k := range kinds {
		h.add(k)
	}
	if err := h.tel.ForceFlush(ctx); err == nil {
		t.Fatal("ForceFlush against 400 returned no error")
	}
	h.gate.armed.Store(true)
	go func() { h.flushed <- h.tel.ForceFlush(ctx) }()
	select {
	case <-h.gate.entered:
	case <-ctx.Done():
		t.Fatal("the second ForceFlush's export never started")
	}
	return h
}

// add measures one more of kind's series.
func (h *heldFlush) add(kind string) {
	h.counter.Add(h.ctx, 1, metric.WithAttributes(attribute.String("kind", kind)))
}

// TestHealthSettleDuringExport: Shutdown whose deadline passes while a
// ForceFlush's metric export is still in progress counts the points the
// export before left unsent (settle) as export_failed; when that export
// then fails too (the exporter is shut down), its cumulative points, the
// same series sent again, are not counted a second time. They were: 3
// counter series lost, 6 counted.
func TestHealthSettleDuringExport(t *testing.T) {
	h := newHeldFlush(t, -1, "a", "b", "c")
	tel := h.tel
	if m := tel.Health().Export["metrics"]; m.Unsent != 3 || m.Failed != 0 {
		t.Fatalf("after the failed export: %+v, want 3 unsent", m)
	}
	// The export holds the reader: Shutdown's final export waits for it
	// until Shutdown's deadline, which passes.
	sctx, scancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer scancel()
	if err := tel.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want its deadline exceeded", err)
	}
	close(h.gate.release)
	if err := <-h.flushed; err == nil {
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
			h := newHeldFlush(t, -1, "a")
			tel := h.tel
			h.add("b") // after the held export's collection
			sctx, scancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer scancel()
			_ = tel.Shutdown(sctx)
			close(h.gate.release)
			<-h.flushed
			if m := tel.Health().Export["metrics"]; m.Failed != 2 || m.Dropped[DropExportFailed] != 2 || m.Unsent != 0 {
				t.Errorf("after Shutdown: %+v, want series a and b counted lost, once each", m)
			}
		})
	}
}

// TestHealthCutOffAndTheExportBefore: Shutdown whose context ends while a
// ForceFlush's export holds the reader abandons its own collection (series
// a and b; b measured after the ForceFlush's collection) to the
// export-health wrapper, which counts it once as lost, whatever the
// ForceFlush's export (series a) does after: fail or deliver before
// Shutdown counts what is unsent (settle), or fail after. No export of
// the program's exporter runs beside another. The cut-off collection was
// exported beside the one in progress, and the older export, ending last,
// set unsent to its own series: b was lost uncounted (1 counted of 2),
// and a delivered older export left none counted.
func TestHealthCutOffAndTheExportBefore(t *testing.T) {
	for _, tc := range []struct {
		name        string
		failFirst   int  // the collector's: -1 refuses every export, 1 the first
		afterSettle bool // the ForceFlush's export ends after settle, else before
		exported    int64
	}{
		{name: "fails before settle", failFirst: -1},
		{name: "delivers before settle", failFirst: 1, exported: 1},
		{name: "fails after settle", failFirst: -1, afterSettle: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHeldFlush(t, tc.failFirst, "a")
			tel, gate, ctx := h.tel, h.gate, h.ctx
			h.add("b") // after the held export's collection
			end := func() { close(gate.release); <-h.flushed }
			if !tc.afterSettle {
				gate.beforeShutdown = end // after the cut-off, before the exporter is shut down
			}
			// The meter provider's Shutdown, then Telemetry's (settle), so
			// that the ForceFlush's export ends between them or after.
			ended, endShutdown := context.WithCancel(ctx)
			endShutdown()
			if err := tel.metrics.Shutdown(ended); !errors.Is(err, context.Canceled) {
				t.Errorf("the meter provider's Shutdown = %v, want its context's end", err)
			}
			if m := tel.Health().Export["metrics"]; m.Unsent != 2 || m.Failed != 0 || m.Exported != tc.exported {
				t.Errorf("before settle: %+v, want a and b unsent, %d exported", m, tc.exported)
			}
			_ = tel.Shutdown(ctx)
			if tc.afterSettle {
				end()
			}
			if m := tel.Health().Export["metrics"]; m.Failed != 2 || m.Dropped[DropExportFailed] != 2 || m.Unsent != 0 || m.Exported != tc.exported {
				t.Errorf("after Shutdown: %+v, want a and b counted lost, once each; %d exported", m, tc.exported)
			}
			if gate.overlapped.Load() {
				t.Error("the cut-off collection was exported beside the export in progress")
			}
		})
	}
}
