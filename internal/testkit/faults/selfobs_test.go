package faults

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	otelkit "github.com/otelkit/otelkit/otel"
)

// TestSelfObservabilityCountsDrops: with OTEL_GO_X_OBSERVABILITY=true the
// SDK v1.47 OTLP exporters record otel.sdk.exporter.* metrics (the batch
// processors are otelkit's, which count their drops in HealthHandler
// without the setting, so there are no otel.sdk.processor.* ones); against a down
// collector they count the failed spans and log records, with error.type.
// The SDK takes its meter from the global MeterProvider when an exporter
// is built, so this test installs a reader-backed global first.
func TestSelfObservabilityCountsDrops(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(mp)
	t.Cleanup(func() {
		otel.SetMeterProvider(prev)
		_ = mp.Shutdown(context.Background())
	})

	ep, _ := fakeotlp.DownEndpoint(t)
	const n = 50
	tel := initWith(t, ep, protoHTTP, time.Second, otelkit.WithMetricsExporter("none"))
	emit(tel, n)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tel.ForceFlush(ctx)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	sums := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, "otel.sdk.") {
				continue
			}
			if s, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range s.DataPoints {
					key := m.Name
					if v, ok := dp.Attributes.Value("error.type"); ok {
						key += "{error.type=" + v.AsString() + "}"
					}
					sums[key] += dp.Value
				}
			}
		}
	}
	var names []string
	for k, v := range sums {
		names = append(names, k)
		_ = v
	}
	sort.Strings(names)
	for _, k := range names {
		record(t, "Self-observability", "%s = %d", k, sums[k])
	}
	failed := func(prefix string) int64 {
		var total int64
		for k, v := range sums {
			if strings.HasPrefix(k, prefix+"{error.type=") {
				total += v
			}
		}
		return total
	}
	if got := failed("otel.sdk.exporter.span.exported"); got != n {
		t.Errorf("otel.sdk.exporter.span.exported with error.type = %d, want %d", got, n)
	}
	if got := failed("otel.sdk.exporter.log.exported"); got != n {
		t.Errorf("otel.sdk.exporter.log.exported with error.type = %d, want %d", got, n)
	}
}
