package httpmw

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/handwritten"
	"github.com/otelkit/otelkit/logging"
)

// The benchmarks compare, in one run: the bare handler; the stack a user
// writes by hand today (request-ID middleware + otelhttp + a middleware that
// binds a zap logger with the trace fields via logger.With, records the
// status and writes the access line); and httpmw.Handler around the same
// handler. See BENCHMARKS.md for the numbers.

// discardWriter is a reusable ResponseWriter, so the benchmarks measure the
// middleware and not httptest.ResponseRecorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(c int)           { d.code = c }

func benchLogger() *zap.Logger {
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel))
}

func benchMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	return mux
}

type benchProviders struct {
	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
}

func newBenchProviders(b *testing.B, sampler sdktrace.Sampler) benchProviders {
	p := benchProviders{
		tp: sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler)),
		mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
	}
	b.Cleanup(func() {
		_ = p.tp.Shutdown(context.Background())
		_ = p.mp.Shutdown(context.Background())
	})
	return p
}

var benchPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// handWritten is the stack a user writes by hand (package handwritten),
// with the same providers and propagator as httpmw gets.
func handWritten(p benchProviders, logger *zap.Logger, next http.Handler) http.Handler {
	return handwritten.Handler(next, logger, p.tp, p.mp, benchPropagator)
}

func withHTTPMW(p benchProviders, logger *zap.Logger, next http.Handler, extra ...Option) http.Handler {
	return Handler(next, append([]Option{
		WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(benchPropagator),
		WithLogger(logger), WithServerName("bench"),
	}, extra...)...)
}

func runServer(b *testing.B, h http.Handler, r *http.Request) {
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkServer(b *testing.B) {
	logger := benchLogger()
	plain := func() *http.Request {
		r, _ := http.NewRequest("GET", "http://svc.local/orders/42", nil)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("User-Agent", "bench/1.0")
		r.Header.Set("traceparent", validParent)
		return r
	}
	withID := func() *http.Request {
		r := plain()
		r.Header.Set("X-Request-ID", "req-0123456789")
		return r
	}
	hostile := func() *http.Request {
		r := plain()
		r.Header.Set("X-Request-ID", "abc\r\n{\"msg\":\"forged\"}\x1b[31m"+strings.Repeat("x", 200))
		r.Header.Set("traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01")
		return r
	}
	sampled := newBenchProviders(b, sdktrace.AlwaysSample())
	unsampled := newBenchProviders(b, sdktrace.NeverSample())

	b.Run("bare", func(b *testing.B) { runServer(b, benchMux(), withID()) })
	b.Run("handwritten", func(b *testing.B) { runServer(b, handWritten(sampled, logger, benchMux()), withID()) })
	b.Run("httpmw", func(b *testing.B) { runServer(b, withHTTPMW(sampled, logger, benchMux()), withID()) })
	b.Run("handwritten-newid", func(b *testing.B) { runServer(b, handWritten(sampled, logger, benchMux()), plain()) })
	b.Run("httpmw-newid", func(b *testing.B) { runServer(b, withHTTPMW(sampled, logger, benchMux()), plain()) })
	b.Run("handwritten-unsampled", func(b *testing.B) { runServer(b, handWritten(unsampled, logger, benchMux()), withID()) })
	b.Run("httpmw-unsampled", func(b *testing.B) { runServer(b, withHTTPMW(unsampled, logger, benchMux()), withID()) })
	b.Run("httpmw-unsampled-logsampled", func(b *testing.B) {
		runServer(b, withHTTPMW(unsampled, logger, benchMux(), WithAccessLogSampling(1<<20)), withID())
	})
	// The same handler writing one line through the request's logger: the
	// hand-written stack's pre-bound logger from its context key, httpmw's
	// through logging.FromContext.
	hwLogLine := http.NewServeMux()
	hwLogLine.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		handwritten.Logger(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		_, _ = io.WriteString(w, "ok")
	})
	mwLogLine := http.NewServeMux()
	mwLogLine.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		_, _ = io.WriteString(w, "ok")
	})
	b.Run("handwritten-logline", func(b *testing.B) { runServer(b, handWritten(sampled, logger, hwLogLine), withID()) })
	b.Run("httpmw-logline", func(b *testing.B) { runServer(b, withHTTPMW(sampled, logger, mwLogLine), withID()) })
	// The same pair with the logger otel.Init builds (logging.New, JSON to
	// io.Discard) instead of a plain zap logger, on both sides.
	ok, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(io.Discard)),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("handwritten-logline-otelkit", func(b *testing.B) { runServer(b, handWritten(sampled, ok.Zap(), hwLogLine), withID()) })
	b.Run("httpmw-logline-otelkit", func(b *testing.B) { runServer(b, withHTTPMW(sampled, ok.Zap(), mwLogLine), withID()) })
	b.Run("handwritten-hostile", func(b *testing.B) { runServer(b, handWritten(sampled, logger, benchMux()), hostile()) })
	b.Run("httpmw-hostile", func(b *testing.B) { runServer(b, withHTTPMW(sampled, logger, benchMux()), hostile()) })
}

// ---- client side ----

type cannedTransport struct{}

func (cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// hwRIDTransport is what a user writes to forward the request ID.
type hwRIDTransport struct{ base http.RoundTripper }

func (t hwRIDTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if id := RequestID(r.Context()); id != "" && r.Header.Get("X-Request-ID") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("X-Request-ID", id)
	}
	return t.base.RoundTrip(r)
}

func runClient(b *testing.B, rt http.RoundTripper, r *http.Request) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := rt.RoundTrip(r)
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
	}
}

func BenchmarkClient(b *testing.B) {
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	tracer := p.tp.Tracer("bench")
	ctx, span := tracer.Start(ContextWithRequestID(context.Background(), "req-0123456789"), "parent")
	defer span.End()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://svc.local/stock/1", nil)
	oo := []otelhttp.Option{otelhttp.WithTracerProvider(p.tp), otelhttp.WithMeterProvider(p.mp), otelhttp.WithPropagators(benchPropagator)}

	b.Run("otelhttp", func(b *testing.B) { runClient(b, otelhttp.NewTransport(cannedTransport{}, oo...), req) })
	b.Run("handwritten", func(b *testing.B) {
		runClient(b, otelhttp.NewTransport(hwRIDTransport{cannedTransport{}}, oo...), req)
	})
	b.Run("httpmw", func(b *testing.B) {
		runClient(b, Transport(cannedTransport{}, WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(benchPropagator)), req)
	})
	// A gateway that copies its client's X-Request-ID to the call: a valid
	// one is kept (one validation), an invalid one replaced by the context's.
	for _, c := range []struct{ name, id string }{{"httpmw-explicit-valid", "edge-42"}, {"httpmw-explicit-invalid", "edge 42"}} {
		explicit := req.Clone(ctx)
		explicit.Header.Set("X-Request-ID", c.id)
		b.Run(c.name, func(b *testing.B) {
			runClient(b, Transport(cannedTransport{}, WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(benchPropagator)), explicit)
		})
	}
}
