package otel

import (
	"context"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/internal/testutil/hang"
	"github.com/otelkit/otelkit/metrics"
)

// withLogExporterWrapper is the log provider's WithExporterWrapper, which
// Init offers no option for (its log exporter is only chosen by name).
func withLogExporterWrapper(wrap func(sdklog.Exporter) sdklog.Exporter) Option {
	return optionFunc(func(c config) config {
		c.logsExtra = append(c.logsExtra, logprovider.WithExporterWrapper(wrap))
		return c
	})
}

// TestShutdownBoundedDespiteHungExports: exporters of the three signals
// that ignore their context (a hung write, a custom exporter's bug) and
// hold a scheduled export do not hold Shutdown past its context: it
// returns soon after with an error naming the exports still in progress,
// and the health document and the last telemetry_dropped line, written
// before it returns, count what they carry as export_failed (of metrics:
// the collection Shutdown cut off, which holds the same cumulative series
// and one measured since). The meter provider's Shutdown waited for the
// hung export, and the spans and log records of theirs were counted
// nowhere. When the exports return, nothing is left running and the
// counts do not change: nothing is counted twice.
func TestShutdownBoundedDespiteHungExports(t *testing.T) {
	before := goleak.IgnoreCurrent()
	spans, points, records := hang.New(), hang.New(), hang.New()
	defer func() { spans.Release(); points.Release(); records.Release() }() // also when the test fails early
	vars := map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "10", "OTEL_BLRP_SCHEDULE_DELAY": "10", "OTEL_METRIC_EXPORT_INTERVAL": "10"}
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithEnvLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }),
		WithSpanExporter(spans.Spans(tracetest.NewInMemoryExporter())),
		WithMetricsExporter("console"), WithLogsExporter("console"), WithConsoleWriter(io.Discard),
		WithMetricsOptions(metrics.WithExporterWrapper(points.Metrics)), withLogExporterWrapper(records.Logs))

	counter, _ := tel.MeterProvider().Meter("hung").Int64Counter("jobs.done")
	counter.Add(context.Background(), 1, metric.WithAttributes(attribute.String("kind", "a")))
	spans.Arm()
	points.Arm()
	records.Arm()
	const nSpans = 5
	for range nSpans {
		_, span := tel.TracerProvider().Tracer("hung").Start(context.Background(), "op")
		span.End()
	}
	for range 3 {
		tel.Logger().Info("line")
	}
	heldSpans := spans.Entered(t, 10*time.Second)
	heldPoints := points.Entered(t, 10*time.Second) // cumulative: series a, and any other instrument's
	heldRecords := records.Entered(t, 10*time.Second)
	counter.Add(context.Background(), 1, metric.WithAttributes(attribute.String("kind", "b"))) // after the held collection

	err := hang.Shutdown(t, tel.Shutdown, func() { spans.Release(); points.Release(); records.Release() })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, batch.ErrExportInProgress) {
		t.Errorf("Shutdown = %v, want its deadline and the exports still in progress", err)
	}
	h, _ := getHealth(t, tel)
	if s := h.Export["traces"]; s.Dropped[DropExportFailed] != int64(heldSpans) || s.Failed != nSpans || s.Exported != 0 {
		t.Errorf("traces %+v, want the %d spans of the hung export export_failed, all %d failed", s, heldSpans, nSpans)
	}
	if s := h.Export["metrics"]; s.Dropped[DropExportFailed] != int64(heldPoints+1) || s.Unsent != 0 {
		t.Errorf("metrics %+v, want %d data points export_failed (the hung collection's series and b), none unsent", s, heldPoints+1)
	}
	if s := h.Export["logs"]; s.Dropped[DropExportFailed] != int64(heldRecords) {
		t.Errorf("logs %+v, want the %d records of the hung export export_failed", s, heldRecords)
	}
	var failed int64
	for _, s := range h.Export {
		failed += s.Failed
	}
	if total := lastDroppedTotal(t, out); total != failed {
		t.Errorf("the last telemetry_dropped line says %d lost, the health document %d", total, failed)
	}

	spans.Release()
	points.Release()
	records.Release()
	goleak.VerifyNone(t, before) // the hung exports returned and every goroutine ended
	after, _ := getHealth(t, tel)
	for _, sig := range []string{"traces", "metrics", "logs"} {
		if b, a := h.Export[sig], after.Export[sig]; !reflect.DeepEqual(b, a) {
			t.Errorf("%s changed once the hung export returned:\n%+v\nthen\n%+v", sig, b, a)
		}
	}
	for name, g := range map[string]*hang.Gate{"span": spans, "metric": points, "log": records} {
		if g.Overlapped() {
			t.Errorf("the %s exporter got two exports at once", name)
		}
	}
}

// lastDroppedTotal returns dropped_total of the last telemetry_dropped
// line out holds, 0 for none.
func lastDroppedTotal(t *testing.T, out *lineBuffer) int64 {
	t.Helper()
	var total int64
	for _, l := range out.lines(t) {
		if l["msg"] == "telemetry_dropped" {
			v, _ := l["dropped_total"].(float64)
			total = int64(v)
		}
	}
	return total
}
