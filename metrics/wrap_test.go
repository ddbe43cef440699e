package metrics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// seenExporter records the metric names of every export that reaches it.
type seenExporter struct {
	sdkmetric.Exporter
	mu    *sync.Mutex
	names *[]string
}

func (e seenExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	e.mu.Lock()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			*e.names = append(*e.names, m.Name)
		}
	}
	e.mu.Unlock()
	return e.Exporter.Export(ctx, rm)
}

// TestExporterWrapper: the wrapper gets each push exporter, sees every
// export, and the wrapped exporter still writes; the Prometheus exporter is
// not wrapped.
func TestExporterWrapper(t *testing.T) {
	var (
		mu      sync.Mutex
		names   []string
		wrapped int
		buf     syncBuffer
	)
	wrap := func(exp sdkmetric.Exporter) sdkmetric.Exporter {
		mu.Lock()
		wrapped++
		mu.Unlock()
		return seenExporter{Exporter: exp, mu: &mu, names: &names}
	}
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console", "prometheus"), WithoutPrometheusServer(), WithConsoleWriter(&buf), WithExporterWrapper(wrap))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Meter("test").Int64Counter("jobs.done")
	c.Add(context.Background(), 1)
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if wrapped != 1 {
		t.Errorf("wrapped %d exporters, want 1 (console)", wrapped)
	}
	if !strings.Contains(strings.Join(names, ","), "jobs.done") {
		t.Errorf("the wrapper saw %v, want jobs.done", names)
	}
	if !strings.Contains(buf.String(), `"jobs.done"`) {
		t.Errorf("the wrapped console exporter wrote nothing:\n%.1000s", buf.String())
	}
}

// TestExporterWrapperNil: a nil wrapper is no wrapper; one that returns
// nil makes New fail with a clear error, not panic later.
func TestExporterWrapperNil(t *testing.T) {
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console"), WithConsoleWriter(&syncBuffer{}), WithExporterWrapper(nil))
	if err != nil {
		t.Fatalf("nil wrapper: %v", err)
	}
	_ = p.Shutdown(context.Background())

	p, err = NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console"), WithConsoleWriter(&syncBuffer{}),
		WithExporterWrapper(func(sdkmetric.Exporter) sdkmetric.Exporter { return nil }))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Option != "WithExporterWrapper" {
		t.Errorf("err = %v, want a ConfigError naming WithExporterWrapper", err)
	}
	if p != nil {
		t.Error("a provider was returned with the error")
		_ = p.Shutdown(context.Background())
	}
}

// TestRepeatedWrappersAndWarningHandlersAddUp: WithExporterWrapper and
// WithWarningHandler given twice (as otel.Init does after a program's own
// through otel.WithMetricsOptions) keep both: the wrappers nest, the first
// given innermost, and both handlers are called.
func TestRepeatedWrappersAndWarningHandlersAddUp(t *testing.T) {
	var (
		mu          sync.Mutex
		inner, outr []string
		warned      [2]int
	)
	p, err := NewMeterProvider(context.Background(), WithoutRuntimeMetrics(),
		WithEnvLookup(func(k string) (string, bool) { return "100", k == envCardinalityLimit }), // deprecated: a warning
		WithExporter("console"), WithConsoleWriter(&syncBuffer{}),
		WithExporterWrapper(func(e sdkmetric.Exporter) sdkmetric.Exporter { return seenExporter{e, &mu, &inner} }),
		WithExporterWrapper(func(e sdkmetric.Exporter) sdkmetric.Exporter {
			if _, ok := e.(seenExporter); !ok {
				t.Errorf("the second wrapper got %T, want the first's", e)
			}
			return seenExporter{e, &mu, &outr}
		}),
		WithWarningHandler(func(error) { warned[0]++ }), WithWarningHandler(func(error) { warned[1]++ }))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Meter("test").Int64Counter("jobs.done")
	c.Add(context.Background(), 1)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(inner, "jobs.done") || !slices.Contains(outr, "jobs.done") {
		t.Errorf("the inner wrapper saw %v, the outer %v; want jobs.done in each", inner, outr)
	}
	if warned != [2]int{1, 1} {
		t.Errorf("warning handlers called %v times, want [1 1]", warned)
	}
}
