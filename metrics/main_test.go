package metrics

import (
	"context"
	"log"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The first otel.SetErrorHandler of a process also becomes the
	// delegate of the default handler for good, which a test's cleanup
	// putting back "the previous handler" (that default) does not undo:
	// every later otel.Handle, from any test's reader goroutines, would
	// reach that test's handler, whose unguarded append then races. So
	// the first one is this, safe for concurrent use, printing as the
	// default does, and each test's cleanup truly puts it back.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Print(err) }))
	goleak.VerifyTestMain(m)
}

// noEnv is an environment in which nothing is set.
func noEnv(string) (string, bool) { return "", false }

// envMap returns a lookup that reads only m.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// newTest builds a provider that exports nothing but to a manual reader, in
// an empty environment unless opts say otherwise; it is shut down when the
// test ends.
func newTest(t *testing.T, opts ...Option) (*Provider, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	all := append([]Option{WithEnvLookup(noEnv), WithExporter(ExporterNone), WithReader(reader)}, opts...)
	p, err := NewMeterProvider(context.Background(), all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return p, reader
}

// collect reads every metric the reader holds, by name.
func collect(t *testing.T, r sdkmetric.Reader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// OTLP variables that otlpconf reads on this package's behalf.
const (
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
	envTemporality     = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
)
