package faults

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// lineBuffer is a goroutine-safe log sink.
type lineBuffer struct{ logbuf.Buffer }

// lines returns the lines containing s.
func (b *lineBuffer) lines(s string) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// discard is a log sink that keeps nothing.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Sync() error                 { return nil }

const (
	protoHTTP = "http/protobuf"
	protoGRPC = "grpc"
)

// faultEnv points the OTLP exporters of all three signals at endpoint with
// short timeouts and batch delays.
func faultEnv(t *testing.T, endpoint, protocol string, timeout time.Duration) {
	t.Helper()
	t.Setenv("OTEL_SERVICE_NAME", "faults")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", strconv.FormatInt(timeout.Milliseconds(), 10))
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "50")
	// The batch processors bound a whole export, retries included, by these
	// (default 30 s); an export still running when Shutdown's deadline
	// passes goes on in the background until then.
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "500")
	t.Setenv("OTEL_BLRP_EXPORT_TIMEOUT", "500")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "100")
	t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", strconv.FormatInt(timeout.Milliseconds(), 10))
	t.Setenv("OTELKIT_LOG_LEVEL", "info")
}

// initTel calls otel.Init with the globals (so that httpmw picks the
// providers up) and JSON lines into out; the returned telemetry is shut
// down at the end of the test if the test did not.
func initTel(t *testing.T, out zapcore.WriteSyncer, opts ...otel.Option) *otel.Telemetry {
	t.Helper()
	all := append([]otel.Option{
		otel.WithoutDetectors(), otel.WithoutRuntimeMetrics(),
		otel.WithLogOutput(out), otel.WithLogFormat("json"),
	}, opts...)
	tel, err := otel.Init(context.Background(), all...)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = tel.Shutdown(ctx)
	})
	return tel
}

// initWith calls otel.Init without globals, configured by options only (so
// that tests can run in parallel), exporting to endpoint.
func initWith(t *testing.T, endpoint, protocol string, timeout time.Duration, opts ...otel.Option) *otel.Telemetry {
	t.Helper()
	return initTel(t, discard{}, append([]otel.Option{
		otel.WithoutGlobals(), otel.WithServiceName("faults"),
		otel.WithOTLPEndpoint(endpoint), otel.WithOTLPProtocol(protocol), otel.WithOTLPTimeout(timeout),
	}, opts...)...)
}

// app is a small service behind httpmw.Handler: each request writes a log
// line, starts a child span and adds to a counter.
func app(tel *otel.Telemetry) http.Handler {
	tracer := tel.TracerProvider().Tracer("faults")
	counter, _ := tel.MeterProvider().Meter("faults").Int64Counter("orders.loaded")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "load_order")
		logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		counter.Add(ctx, 1, metric.WithAttributes())
		span.End()
		w.WriteHeader(http.StatusOK)
	})
	return httpmw.Handler(mux)
}

// latencies runs the request loop for at least minDur and at least minN
// requests (at most maxN) and returns the sorted durations.
func latencies(t *testing.T, h http.Handler, minN, maxN int, minDur time.Duration) []time.Duration {
	t.Helper()
	ds := make([]time.Duration, 0, minN)
	start := time.Now()
	for i := 0; i < maxN && (i < minN || time.Since(start) < minDur); i++ {
		req := httptest.NewRequest(http.MethodGet, "/orders/"+strconv.Itoa(i%100), nil)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		ds = append(ds, time.Since(t0))
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

// waitFor polls cond every 10 ms until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}
