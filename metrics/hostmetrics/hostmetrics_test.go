package hostmetrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/metrics/hostmetrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// collect builds a provider with opts, reading into a manual reader in an
// empty environment, and returns the names of the metrics one collection
// holds.
func collect(t testing.TB, opts ...metrics.Option) map[string]bool {
	reader := sdkmetric.NewManualReader()
	all := append([]metrics.Option{
		metrics.WithEnvLookup(func(string) (string, bool) { return "", false }),
		metrics.WithExporter(metrics.ExporterNone), metrics.WithReader(reader), metrics.WithoutRuntimeMetrics(),
	}, opts...)
	p, err := metrics.NewMeterProvider(context.Background(), all...)
	if err != nil {
		t.Fatalf("NewMeterProvider: %v", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	names := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
		}
	}
	return names
}

func TestEnable(t *testing.T) {
	if got := collect(t); len(got) != 0 {
		t.Fatalf("metrics without Enable (and without runtime metrics): %v", got)
	}
	got := collect(t, hostmetrics.Enable())
	for _, name := range []string{"process.cpu.time", "system.cpu.time", "system.memory.usage", "system.memory.utilization", "system.network.io"} {
		if !got[name] {
			t.Errorf("%s missing with Enable; have %v", name, got)
		}
	}
}

// Host metrics through otel.Init come the same way: otel.Init(ctx,
// otel.WithMetricsOptions(hostmetrics.Enable())).
func ExampleEnable() {
	reader := sdkmetric.NewManualReader()
	p, err := metrics.NewMeterProvider(context.Background(), hostmetrics.Enable(),
		metrics.WithExporter("none"), metrics.WithReader(reader), metrics.WithoutRuntimeMetrics())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Shutdown(context.Background())
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "process.cpu.time" {
				fmt.Println(m.Name, m.Unit)
			}
		}
	}
	// Output: process.cpu.time s
}
