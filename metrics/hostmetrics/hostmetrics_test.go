package hostmetrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
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
	names := map[string]bool{}
	for _, sm := range collectAll(t, opts...).ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
		}
	}
	return names
}

// collectAll is collect returning what the collection holds.
func collectAll(t testing.TB, opts ...metrics.Option) metricdata.ResourceMetrics {
	t.Helper()
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
	return rm
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

var hostMetricNames = []string{"process.cpu.time", "system.cpu.time", "system.memory.usage", "system.memory.utilization", "system.network.io"}

// Enable given twice (a shared options list and the program, say)
// registers the host metrics once on the provider: each metric is one
// metric of one scope, with the points one Enable gives, and no value is
// counted twice. A second registration summed every counter's points
// twice (system.cpu.time, system.memory.usage, ...; the gauge
// system.memory.utilization keeps the last value). The comparison is
// with a provider read right after, so counters can only have grown
// (memory usage barely moves in between), and doubled values stand out.
// That second provider, with its own Enable, has host metrics of its own.
func TestEnableTwiceRegistersOnce(t *testing.T) {
	twice := collectAll(t, hostmetrics.Enable(), hostmetrics.Enable())
	got := hostPoints(t, twice)
	once := hostPoints(t, collectAll(t, hostmetrics.Enable()))
	for _, name := range hostMetricNames {
		if n := countMetric(twice, name); n != 1 {
			t.Errorf("%s appears %d times, want once", name, n)
		}
		if len(once[name]) == 0 {
			t.Errorf("the second provider has no %s", name)
		}
		if len(got[name]) != len(once[name]) {
			t.Errorf("%s: %d points with Enable twice, %d with Enable once", name, len(got[name]), len(once[name]))
		}
		for set, v := range once[name] {
			if got[name][set] > 1.5*v && v >= 1 {
				t.Errorf("%s %v: %v with Enable twice, %v with Enable once read after it: counted twice",
					name, set, got[name][set], v)
			}
		}
	}
}

// hostPoints returns, per host metric of rm, the value of each of its
// points by encoded attribute set, failing on an attribute set seen twice.
func hostPoints(t *testing.T, rm metricdata.ResourceMetrics) map[string]map[string]float64 {
	t.Helper()
	out := map[string]map[string]float64{}
	add := func(name string, set attribute.Set, v float64) {
		key := set.Encoded(attribute.DefaultEncoder())
		if out[name] == nil {
			out[name] = map[string]float64{}
		}
		if _, dup := out[name][key]; dup {
			t.Errorf("%s: two points for %s", name, key)
		}
		out[name][key] = v
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[float64]:
				for _, dp := range d.DataPoints {
					add(m.Name, dp.Attributes, dp.Value)
				}
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					add(m.Name, dp.Attributes, float64(dp.Value))
				}
			case metricdata.Gauge[float64]:
				for _, dp := range d.DataPoints {
					add(m.Name, dp.Attributes, dp.Value)
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					add(m.Name, dp.Attributes, float64(dp.Value))
				}
			default:
				t.Errorf("%s: data %T", m.Name, m.Data)
			}
		}
	}
	return out
}

// countMetric counts the metrics named name in rm, over all scopes.
func countMetric(rm metricdata.ResourceMetrics, name string) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				n++
			}
		}
	}
	return n
}

// The points carry the attributes the package documentation lists.
func TestEnableAttributesAsDocumented(t *testing.T) {
	got := hostPoints(t, collectAll(t, hostmetrics.Enable()))
	for name, sets := range map[string][]string{
		"process.cpu.time":          {"cpu.mode=user", "cpu.mode=system"},
		"system.cpu.time":           {"cpu.mode=user", "cpu.mode=system", "cpu.mode=other", "cpu.mode=idle"},
		"system.memory.usage":       {"system.memory.state=used", "system.memory.state=free"},
		"system.memory.utilization": {"system.memory.state=used", "system.memory.state=free"},
		"system.network.io":         {"network.io.direction=transmit", "network.io.direction=receive"},
	} {
		if len(got[name]) != len(sets) {
			t.Errorf("%s: points %v, want %v", name, got[name], sets)
		}
		for _, set := range sets {
			if _, ok := got[name][set]; !ok {
				t.Errorf("%s: no point for %s; have %v", name, set, got[name])
			}
		}
	}
}
