package metrics_test

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/metrics"
)

// Reading what a service records from memory, as a test would: export to
// nothing but a manual reader.
func Example() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	p, err := metrics.NewMeterProvider(ctx,
		metrics.WithExporter("none"),
		metrics.WithReader(reader),
		metrics.WithoutRuntimeMetrics(),
		metrics.WithResource(resource.NewSchemaless(semconv.ServiceName("checkout"))),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Shutdown(ctx)

	orders, _ := p.Meter().Int64Counter("checkout.orders",
		metric.WithUnit("{order}"), metric.WithDescription("Orders placed."))
	orders.Add(ctx, 2, metric.WithAttributes(attribute.String("payment.method", "card")))

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	sm := rm.ScopeMetrics[0]
	sum := sm.Metrics[0].Data.(metricdata.Sum[int64])
	fmt.Println(sm.Scope.Name, sm.Metrics[0].Name, sm.Metrics[0].Unit, sum.DataPoints[0].Value)
	// Output: checkout checkout.orders {order} 2
}

// Serving the Prometheus endpoint on the service's own mux instead of a
// separate listener.
func ExampleProvider_Handler() {
	ctx := context.Background()
	p, err := metrics.NewMeterProvider(ctx, metrics.WithExporter("prometheus"), metrics.WithoutPrometheusServer())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Shutdown(ctx)
	// mux.Handle("GET /metrics", p.Handler())
	fmt.Println(p.Exporters(), p.PrometheusAddr() == "")
	// Output: [prometheus] true
}

// An invalid environment value is an error that names the variable, the
// value and what is allowed.
func ExampleNewMeterProvider_invalidEnvironment() {
	env := map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "5s"}
	_, err := metrics.NewMeterProvider(context.Background(),
		metrics.WithEnvLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
	fmt.Println(err)
	var ce *metrics.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Var, ce.Value)
	}
	// Output:
	// otelkit: invalid OTEL_METRIC_EXPORT_INTERVAL="5s": allowed: a whole number of milliseconds >= 1 (invalid syntax)
	// OTEL_METRIC_EXPORT_INTERVAL 5s
}
