package stack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/testkit/collector"
)

// otlpSink stands in for Prometheus's and Loki's OTLP endpoints: it records
// the paths it was sent to.
type otlpSink struct {
	mu    sync.Mutex
	paths []string
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func (s *otlpSink) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// startStackCollector runs the stack's collector config with its back ends
// moved to loopback: Jaeger's OTLP/gRPC to jaegerGRPC, Prometheus's and
// Loki's OTLP/HTTP endpoints to the given sinks.
func startStackCollector(t *testing.T, jaegerGRPC string, prom, loki *otlpSink) *collector.Collector {
	t.Helper()
	data, err := os.ReadFile(stackFile(t, collectorConfig))
	if err != nil {
		t.Fatal(err)
	}
	promSrv, lokiSrv := httptest.NewServer(prom), httptest.NewServer(loki)
	t.Cleanup(promSrv.Close)
	t.Cleanup(lokiSrv.Close)
	return collector.Start(t, collector.WithConfig(func(grpcAddr, httpAddr string) string {
		cfg := string(data)
		for _, r := range [][2]string{
			{"endpoint: 0.0.0.0:4317", "endpoint: " + grpcAddr},
			{"endpoint: 0.0.0.0:4318", "endpoint: " + httpAddr},
			{"endpoint: jaeger:4317", "endpoint: " + jaegerGRPC},
			{"http://prometheus:9090/", promSrv.URL + "/"},
			{"http://loki:3100/", lokiSrv.URL + "/"},
		} {
			if n := strings.Count(cfg, r[0]); n != 1 {
				t.Errorf("%s: %q occurs %d times, want once (update this test with the config)", collectorConfig, r[0], n)
			}
			cfg = strings.ReplaceAll(cfg, r[0], r[1])
		}
		// The stack's collector serves its own metrics on :8888 inside its
		// container; here that port may be taken.
		return cfg + "  telemetry:\n    metrics:\n      level: none\n"
	}))
}

// TestCollectorConfigRoutes runs the stack's collector config with its
// back ends swapped for test doubles on loopback (a second collector for
// Jaeger, HTTP sinks for Prometheus and Loki), sends one span, metric and
// log over OTLP/HTTP, and checks that each signal reaches its back end on the
// path that back end serves, and that the collector warns about no
// deprecated component name.
func TestCollectorConfigRoutes(t *testing.T) {
	jaegerStandIn := collector.Start(t)
	prom, loki := &otlpSink{}, &otlpSink{}
	col := startStackCollector(t, jaegerStandIn.GRPCEndpoint(), prom, loki)

	ctx := context.Background()
	host := strings.TrimPrefix(col.HTTPEndpoint(), "http://")
	texp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(host), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(texp))
	_, span := tp.Tracer("stack-test").Start(ctx, "routed-span")
	span.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	mexp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpoint(host), otlpmetrichttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(mexp)))
	counter, err := mp.Meter("stack-test").Int64Counter("routed")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(ctx, 1)
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	lexp, err := otlploghttp.New(ctx, otlploghttp.WithEndpoint(host), otlploghttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(lexp)))
	var rec log.Record
	rec.SetBody(attribute.StringValue("routed_log"))
	lp.Logger("stack-test").Emit(ctx, rec)
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	jaegerStandIn.WaitSpans(t, 15*time.Second, func(s []collector.Span) bool {
		return len(s) == 1 && s[0].Name == "routed-span"
	})
	for _, tc := range []struct {
		name string
		sink *otlpSink
		want string
	}{
		{"prometheus", prom, "POST /api/v1/otlp/v1/metrics application/x-protobuf"},
		{"loki", loki, "POST /otlp/v1/logs application/x-protobuf"},
	} {
		deadline := time.Now().Add(15 * time.Second)
		for {
			seen := tc.sink.seen()
			if len(seen) > 0 {
				for _, p := range seen {
					if p != tc.want {
						t.Errorf("%s got %q, want %q", tc.name, p, tc.want)
					}
				}
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s received nothing; collector output:\n%s", tc.name, col.Output())
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Collector 0.144 renamed otlp -> otlp_grpc and otlphttp -> otlp_http
	// and warns "<name> alias is deprecated" for the old names.
	if out := col.Output(); strings.Contains(out, "deprecated") {
		t.Errorf("the collector warns about a deprecated name in %s:\n%s", collectorConfig, out)
	}
}
