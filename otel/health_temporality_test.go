package otel

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

// TestHealthFailedMetricExportByTemporality: a metric export the collector
// refuses (400, not retried) loses its delta data points, but not its
// cumulative ones (nor the up-down counter's, cumulative under delta too),
// which the next export sends again: those are unsent, not failed, until
// an export succeeds, and counted as export_failed only when Shutdown's
// own final export fails too.
func TestHealthFailedMetricExportByTemporality(t *testing.T) {
	for _, tc := range []struct {
		preference   string
		lost, unsent int64 // of 3 counter series, 1 up-down counter, 1 gauge
		unsentLater  int64 // after one more counter series: what Shutdown loses
	}{
		{"cumulative", 0, 5, 6},
		{"delta", 4, 1, 1}, // otelkit's delta: gauges delta too; the up-down counter stays cumulative
	} {
		t.Run(tc.preference, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", tc.preference)
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000") // ForceFlush and Shutdown only
			failing := fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1}
			c := fakeotlp.NewHTTP(t, failing)
			tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint),
				WithOTLPProtocol("http/protobuf"), WithTracesExporter("none"), WithLogsExporter("none"))
			meter := tel.MeterProvider().Meter("temporality")
			counter, _ := meter.Int64Counter("jobs.done")
			upDown, _ := meter.Int64UpDownCounter("jobs.running")
			gauge, _ := meter.Float64Gauge("queue.fill")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, k := range []string{"a", "b", "c"} {
				counter.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", k)))
			}
			upDown.Add(ctx, 2)
			gauge.Record(ctx, 0.5)

			if err := tel.ForceFlush(ctx); err == nil {
				t.Fatal("ForceFlush against 400 returned no error")
			}
			m := tel.Health().Export["metrics"]
			if m.Failed != tc.lost || m.Dropped[DropExportFailed] != tc.lost || m.Unsent != tc.unsent ||
				m.FailedBatches != 1 || m.LastError == "" {
				t.Errorf("after the failed export: %+v, want %d failed, %d unsent, 1 failed batch with its error", m, tc.lost, tc.unsent)
			}

			c.Set(fakeotlp.Behaviour{})
			if err := tel.ForceFlush(ctx); err != nil {
				t.Fatalf("ForceFlush against a healthy collector: %v", err)
			}
			_, points := c.Count(fakeotlp.Metrics)
			m = tel.Health().Export["metrics"]
			if m.Unsent != 0 || m.Failed != tc.lost || m.Exported != int64(points) || points < int(tc.unsent) {
				t.Errorf("after recovery: %+v, collector took %d points; want %d failed, none unsent", m, points, tc.lost)
			}

			// Failing again up to and through Shutdown: what the last
			// export held is lost then, and counted before Shutdown
			// returns.
			c.Set(failing)
			counter.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", "d")))
			if err := tel.ForceFlush(ctx); err == nil {
				t.Fatal("second ForceFlush against 400 returned no error")
			}
			before := tel.Health().Export["metrics"]
			_ = tel.Shutdown(ctx)
			after := tel.Health().Export["metrics"]
			if before.Unsent != tc.unsentLater || after.Batches != before.Batches+1 || after.Unsent != 0 ||
				after.Failed != before.Failed+tc.unsentLater || after.Dropped[DropExportFailed] != after.Failed {
				t.Errorf("Shutdown with a failing collector: before %+v, after %+v; want the %d unsent points counted as export_failed",
					before, after, tc.unsentLater)
			}
		})
	}
}

// TestHealthUnsentPerExporter: with two metric exporters (otlp,console),
// the console's successful export does not make the points the collector
// refused delivered: they stay unsent, and Shutdown counts them as
// export_failed when its own export to the collector fails too. One
// unsent count shared by the exporters was cleared by the console's
// success, and the points were lost uncounted.
func TestHealthUnsentPerExporter(t *testing.T) {
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000") // ForceFlush and Shutdown only
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint),
		WithOTLPProtocol("http/protobuf"), WithMetricsExporter("otlp,console"), WithConsoleWriter(io.Discard),
		WithTracesExporter("none"), WithLogsExporter("none"))
	counter, _ := tel.MeterProvider().Meter("temporality").Int64Counter("jobs.done")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	counter.Add(ctx, 1)

	if err := tel.ForceFlush(ctx); err == nil {
		t.Fatal("ForceFlush against 400 returned no error")
	}
	if m := tel.Health().Export["metrics"]; m.Unsent != 1 || m.Exported != 1 || m.Failed != 0 {
		t.Errorf("after the collector refused the point the console took: %+v, want 1 unsent, 1 exported", m)
	}
	_ = tel.Shutdown(ctx)
	if m := tel.Health().Export["metrics"]; m.Unsent != 0 || m.Failed != 1 || m.Dropped[DropExportFailed] != 1 {
		t.Errorf("after Shutdown with the collector still refusing: %+v, want the point counted as export_failed", m)
	}
}

// TestHealthMetricExportInParts: a collection too large for one export
// goes in parts, each counted as an export; when the first part fails and
// the others succeed, its cumulative data points are unsent (its delta
// ones lost) and the others exported: exactly what each part carried.
// Counted per part as single exports, the parts that succeeded after it
// cleared what it left unsent: points neither exported, lost nor unsent.
func TestHealthMetricExportInParts(t *testing.T) {
	for _, preference := range []string{"cumulative", "delta"} {
		t.Run(preference, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", preference)
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000") // ForceFlush and Shutdown only
			c := fakeotlp.NewGRPC(t, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: 1})
			tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint),
				WithOTLPProtocol("grpc"), WithTracesExporter("none"), WithLogsExporter("none"))
			meter := tel.MeterProvider().Meter("parts")
			// 6000 points of 300-byte attributes: under -race on a loaded
			// two-core machine the collection and its encoding took more
			// than 10 s (CI, load average 18), and ForceFlush gave up
			// before the first part was sent. A bound, not a timing.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			pad := strings.Repeat("p", 300)
			for _, name := range []string{"a", "b", "c"} {
				h, _ := meter.Float64Histogram("parts." + name)
				for i := range 2000 {
					h.Record(ctx, 0.1, metric.WithAttributes(attribute.Int("i", i), attribute.String("pad", pad)))
				}
			}

			if err := tel.ForceFlush(ctx); err == nil {
				t.Fatal("ForceFlush with a refused part returned no error")
			}
			reqs := c.Requests()
			if len(reqs) < 2 || !reqs[0].Failed {
				t.Fatalf("%d requests, the first failed: %v; want the collection in parts, the first refused", len(reqs), len(reqs) > 0 && reqs[0].Failed)
			}
			refused, delivered := int64(reqs[0].Items), int64(0)
			for _, r := range reqs[1:] {
				delivered += int64(r.Items)
			}
			wantFailed, wantUnsent := int64(0), refused
			if preference == "delta" {
				wantFailed, wantUnsent = refused, 0
			}
			m := tel.Health().Export["metrics"]
			if m.Exported != delivered || m.Failed != wantFailed || m.Unsent != wantUnsent ||
				m.Batches != int64(len(reqs)) || m.FailedBatches != 1 || delivered+refused != 6000 {
				t.Errorf("after %d parts, the first (%d points) refused: %+v; want %d exported, %d failed, %d unsent",
					len(reqs), refused, m, delivered, wantFailed, wantUnsent)
			}
		})
	}
}

// TestHealthObservableGaugeUnsent: an observable gauge's data point of a
// failed export is unsent under delta temporality too, as under
// cumulative: the SDK observes it again at every collection, whatever the
// temporality, and the next export delivers it. A synchronous gauge under
// delta is forgotten once collected: its point is lost. Both gauges were
// counted lost under delta.
func TestHealthObservableGaugeUnsent(t *testing.T) {
	for _, tc := range []struct {
		preference   string
		lost, unsent int64 // of 1 observable and 1 synchronous gauge
	}{
		{"cumulative", 0, 2},
		{"delta", 1, 1},
	} {
		t.Run(tc.preference, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", tc.preference)
			t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000") // ForceFlush and Shutdown only
			c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})
			tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint),
				WithOTLPProtocol("http/protobuf"), WithTracesExporter("none"), WithLogsExporter("none"))
			meter := tel.MeterProvider().Meter("gauges")
			if _, err := meter.Float64ObservableGauge("pool.fill", metric.WithFloat64Callback(
				func(_ context.Context, o metric.Float64Observer) error { o.Observe(0.5); return nil })); err != nil {
				t.Fatal(err)
			}
			gauge, _ := meter.Float64Gauge("queue.fill")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			gauge.Record(ctx, 0.25)

			if err := tel.ForceFlush(ctx); err == nil {
				t.Fatal("ForceFlush against 400 returned no error")
			}
			if m := tel.Health().Export["metrics"]; m.Failed != tc.lost || m.Unsent != tc.unsent {
				t.Errorf("after the failed export: %+v, want %d failed, %d unsent", m, tc.lost, tc.unsent)
			}
			c.Set(fakeotlp.Behaviour{})
			if err := tel.ForceFlush(ctx); err != nil {
				t.Fatalf("ForceFlush against a healthy collector: %v", err)
			}
			_, points := c.Count(fakeotlp.Metrics)
			if m := tel.Health().Export["metrics"]; m.Unsent != 0 || m.Failed != tc.lost || int64(points) != tc.unsent {
				t.Errorf("after recovery: %+v, collector took %d points; want the %d unsent delivered, %d failed", m, points, tc.unsent, tc.lost)
			}
		})
	}
}
