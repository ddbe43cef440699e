package handwritten

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/otelkit/otelkit/internal/testutil/logrec"
	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestHandlerWithContextGivesRecordsTheSpan: with an otelzap core teed in,
// HandlerWithContext's records (the handler's line and the access line)
// carry the server span's trace context; Handler's do not.
func TestHandlerWithContextGivesRecordsTheSpan(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	mp := sdkmetric.NewMeterProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) { Logger(r.Context()).Info("in_handler") })
	for name, build := range map[string]func(http.Handler, *zap.Logger) http.Handler{
		"Handler": func(h http.Handler, l *zap.Logger) http.Handler {
			return Handler(h, l, tp, mp, propagation.TraceContext{})
		},
		"HandlerWithContext": func(h http.Handler, l *zap.Logger) http.Handler {
			return HandlerWithContext(h, l, tp, mp, propagation.TraceContext{})
		},
	} {
		keep := &logrec.Processor{}
		lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(keep))
		l := zap.New(zapcore.NewTee(ZapLogger(httptest.NewRecorder().Body).Core(), otelzap.NewCore("t", otelzap.WithLoggerProvider(lp))))
		r := httptest.NewRequest("GET", "/x", nil)
		r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		build(mux, l).ServeHTTP(httptest.NewRecorder(), r)
		_ = lp.Shutdown(context.Background())
		if len(keep.Records()) != 2 {
			t.Fatalf("%s: %d records, want 2", name, len(keep.Records()))
		}
		for _, rec := range keep.Records() {
			got := rec.TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" && rec.SpanID().IsValid()
			if got != (name == "HandlerWithContext") {
				t.Errorf("%s: record %q has trace %s span %s", name, rec.Body().AsString(), rec.TraceID(), rec.SpanID())
			}
		}
	}
}
