//go:build unix

package httpmw

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/redact"
	"github.com/otelkit/otelkit/internal/sanitize"
	"github.com/otelkit/otelkit/logging"
)

// BenchmarkServerUTF8GuardOTLP is BenchmarkServerUTF8Guard as a service
// runs: batch processors and the real OTLP/HTTP exporters, sending to an
// in-process receiver that discards the body. The guard then runs on the
// batch goroutines, so it reports cpu-ns/op, the process's CPU time (all
// goroutines: request, export, GC, receiver) per request, with everything
// flushed before it is read. Compare bare and guarded over several rounds.
func BenchmarkServerUTF8GuardOTLP(b *testing.B) {
	for _, tc := range []struct {
		name           string
		guard, hostile bool
	}{
		{"bare", false, false},
		{"guarded", true, false},
		// Without the guard a hostile request fails the export: there is
		// no bare-hostile to compare with.
		{"guarded-hostile", true, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, flush := otlpServer(b, tc.guard)
			r := guardRequest(tc.hostile)
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for i := 0; i < b.N; i++ {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
			flush()
			b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// otlpServer is exportingServer with batch processors and OTLP/HTTP
// exporters; flush exports everything queued. The queues hold every item
// of a run (spans block rather than drop), so all are exported.
func otlpServer(b *testing.B, guard bool) (http.Handler, func()) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	ctx := context.Background()
	spanExp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(recv.URL+"/v1/traces"))
	if err != nil {
		b.Fatal(err)
	}
	logExp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(recv.URL+"/v1/logs"))
	if err != nil {
		b.Fatal(err)
	}
	var se sdktrace.SpanExporter = spanExp
	var le sdklog.Exporter = logExp
	if guard {
		se, le = sanitize.SpanExporter(se, redact.Keys()), sanitize.LogExporter(le, redact.Keys())
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(
		sdktrace.NewBatchSpanProcessor(se, sdktrace.WithMaxQueueSize(1<<16), sdktrace.WithBlocking(), sdktrace.WithBatchTimeout(time.Second))))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(
		sdklog.NewBatchProcessor(le, sdklog.WithMaxQueueSize(1<<18), sdklog.WithExportInterval(time.Second))))
	b.Cleanup(func() {
		_ = tp.Shutdown(ctx)
		_ = mp.Shutdown(ctx)
		_ = lp.Shutdown(ctx)
		recv.Close()
	})
	logger, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(io.Discard)),
		logging.WithLoggerProvider(lp), logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("path", r.URL.Path))
		_, _ = io.WriteString(w, "ok")
	})
	flush := func() {
		if err := tp.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
		if err := lp.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	return withHTTPMW(benchProviders{tp: tp, mp: mp}, logger.Zap(), mux), flush
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
