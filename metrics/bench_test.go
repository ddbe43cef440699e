package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// The baseline is what a user would write without otelkit: an SDK meter
// provider with the same reader. Recording must cost the same: otelkit's
// defaults (exemplar filter, cardinality limit, guard view) act at
// instrument creation and collection, not per measurement.
func benchProviders(b *testing.B) map[string]metric.MeterProvider {
	base := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("none"), WithReader(sdkmetric.NewManualReader()))
	if err != nil {
		b.Fatal(err)
	}
	ng, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("none"), WithReader(sdkmetric.NewManualReader()), WithoutHostGuard())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = base.Shutdown(context.Background())
		_ = p.Shutdown(context.Background())
		_ = ng.Shutdown(context.Background())
	})
	return map[string]metric.MeterProvider{"sdk": base, "otelkit": p.MeterProvider(), "otelkit_noguard": ng.MeterProvider()}
}

// BenchmarkHistogramRecordInSampledSpan records inside a sampled span, so
// every measurement is offered to the exemplar reservoir. "guarded" records
// on an http.server.* instrument, where the default guard view's attribute
// filter (dropping server.address/server.port) is the one per-measurement
// cost otelkit adds over the SDK; "noguard" is the same with
// WithoutHostGuard.
func BenchmarkHistogramRecordInSampledSpan(b *testing.B) {
	ctx, span := tracer(&testing.T{}, true).Start(context.Background(), "bench")
	defer span.End()
	attrs := metric.WithAttributeSet(attribute.NewSet(attribute.String("http.route", "/orders/{id}"), attribute.Int("http.response.status_code", 200),
		attribute.String("server.address", "shop"), attribute.Int("server.port", 8080)))
	for _, tc := range []struct{ name, provider, instrument string }{
		{"sdk", "sdk", "work.duration"},
		{"otelkit", "otelkit", "work.duration"},
		{"sdk_http", "sdk", "http.server.request.duration"},
		{"otelkit_http_guarded", "otelkit", "http.server.request.duration"},
		{"otelkit_http_noguard", "otelkit_noguard", "http.server.request.duration"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, _ := benchProviders(b)[tc.provider].Meter("bench").Float64Histogram(tc.instrument, metric.WithUnit("s"))
			b.ReportAllocs()
			for b.Loop() {
				h.Record(ctx, 0.042, attrs)
			}
		})
	}
}

func BenchmarkCounterAdd(b *testing.B) {
	ctx := context.Background()
	attrs := metric.WithAttributeSet(attribute.NewSet(attribute.String("payment.method", "card")))
	for _, name := range []string{"sdk", "otelkit"} {
		b.Run(name, func(b *testing.B) {
			c, _ := benchProviders(b)[name].Meter("bench").Int64Counter("checkout.orders")
			b.ReportAllocs()
			for b.Loop() {
				c.Add(ctx, 1, attrs)
			}
		})
	}
}

// BenchmarkPrometheusScrape serves one scrape of 200 series: "sdk" is the
// exporter a user would register on the provider directly, "otelkit" the
// endpoint NewMeterProvider builds, which collects through a manual reader
// and checks every text for invalid UTF-8 before the exporter sees it (the
// guard's cost: one more collection copy per scrape, none per measurement).
func BenchmarkPrometheusScrape(b *testing.B) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		b.Fatal(err)
	}
	base := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("prometheus"),
		WithoutPrometheusServer(), WithoutRuntimeMetrics())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = base.Shutdown(context.Background())
		_ = p.Shutdown(context.Background())
	})
	handlers := map[string]http.Handler{
		"sdk":     promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		"otelkit": p.Handler(),
	}
	for name, mp := range map[string]metric.MeterProvider{"sdk": base, "otelkit": p.MeterProvider()} {
		c, _ := mp.Meter("bench").Int64Counter("jobs")
		for i := range 200 {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("shard", i)))
		}
		h := handlers[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
