package httpmw

import (
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/redact"
	"github.com/otelkit/otelkit/internal/sanitize"
	"github.com/otelkit/otelkit/logging"
)

type discardSpanExporter struct{}

func (discardSpanExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpanExporter) Shutdown(context.Context) error                             { return nil }

type discardLogExporter struct{}

func (discardLogExporter) Export(context.Context, []sdklog.Record) error { return nil }
func (discardLogExporter) Shutdown(context.Context) error                { return nil }
func (discardLogExporter) ForceFlush(context.Context) error              { return nil }

// BenchmarkServerUTF8Guard measures what the exporters' UTF-8 guard
// (internal/sanitize) adds to a request: httpmw.Handler with a handler that
// writes one line, its span and both log records (the line and the access
// line, through the OTLP log bridge) exported to exporters that discard
// them, bare and guarded. Simple processors run the export inside the
// measured request, so the guard's whole cost is charged to it (in
// production it runs on the batch processor's goroutine). -hostile sends
// /orders/%ff with a 0xff byte in User-Agent and X-Forwarded-For: every
// span and record is then cleaned.
func BenchmarkServerUTF8Guard(b *testing.B) {
	for _, tc := range []struct {
		name           string
		guard, hostile bool
	}{
		{"bare", false, false},
		{"guarded", true, false},
		{"bare-hostile", false, true},
		{"guarded-hostile", true, true},
	} {
		b.Run(tc.name, func(b *testing.B) { runServer(b, exportingServer(b, tc.guard), guardRequest(tc.hostile)) })
	}
	for _, hostile := range []bool{false, true} {
		name := "paired"
		if hostile {
			name = "paired-hostile"
		}
		b.Run(name, func(b *testing.B) {
			runPaired(b, exportingServer(b, false), exportingServer(b, true), guardRequest(hostile))
		})
	}
}

// guardRequest is BenchmarkServer's request with an X-Request-ID; hostile
// asks for /orders/%ff with 0xff bytes in User-Agent and X-Forwarded-For.
func guardRequest(hostile bool) *http.Request {
	path, ua, xff := "/orders/42", "bench/1.0", "10.0.0.7"
	if hostile {
		path, ua, xff = "/orders/%ff", "bench\xff/1.0", "10.0.0.\xff"
	}
	r, _ := http.NewRequest("GET", "http://svc.local"+path, nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("User-Agent", ua)
	r.Header.Set("X-Forwarded-For", xff)
	r.Header.Set("traceparent", validParent)
	r.Header.Set("X-Request-ID", "req-0123456789")
	return r
}

// runPaired serves r through bare and guarded in turn (alternating which
// goes first) and times every request. It reports the median time of each
// and their ratio: on a shared machine a request that loses its CPU
// lands in the tail, not in the median, and both handlers see the same
// load. ns/op is the time of the pair.
func runPaired(b *testing.B, bare, guarded http.Handler, r *http.Request) {
	w := &discardWriter{h: make(http.Header)}
	tb, tg := make([]time.Duration, b.N), make([]time.Duration, b.N)
	serve := func(h http.Handler) time.Duration {
		clear(w.h)
		start := time.Now()
		h.ServeHTTP(w, r)
		return time.Since(start)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			tb[i], tg[i] = serve(bare), serve(guarded)
		} else {
			tg[i], tb[i] = serve(guarded), serve(bare)
		}
	}
	b.StopTimer()
	mb, mg := median(tb), median(tg)
	b.ReportMetric(float64(mb), "bare-ns/req")
	b.ReportMetric(float64(mg), "guarded-ns/req")
	b.ReportMetric(float64(mg)/float64(mb), "guarded/bare")
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// exportingServer is httpmw.Handler over a handler that logs one line, with
// providers that export every span and record synchronously.
func exportingServer(b *testing.B, guard bool) http.Handler {
	var spanExp sdktrace.SpanExporter = discardSpanExporter{}
	var logExp sdklog.Exporter = discardLogExporter{}
	if guard {
		spanExp, logExp = sanitize.SpanExporter(spanExp, redact.Keys()), sanitize.LogExporter(logExp, redact.Keys())
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spanExp)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(logExp)))
	b.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
		_ = lp.Shutdown(context.Background())
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
	return withHTTPMW(benchProviders{tp: tp, mp: mp}, logger.Zap(), mux)
}
