package handwritten

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/requestid"
)

type ridKey struct{}
type loggerKey struct{}

// Handler wraps next in the hand-written stack: the request-ID middleware
// outside, otelhttp.NewHandler (operation "server") with tp, mp and prop
// inside it, and innermost the middleware that binds logger with
// trace_id, span_id, trace_flags, request_id, method and path, puts it in
// the request context (see Logger) and writes one "http_request" access
// line per request, at info, warn for 4xx and error for 5xx.
func Handler(next http.Handler, logger *zap.Logger, tp trace.TracerProvider, mp metric.MeterProvider, prop propagation.TextMapPropagator) http.Handler {
	return requestID(otelhttp.NewHandler(accessLog(logger, next, false), "server",
		otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp), otelhttp.WithPropagators(prop)))
}

// HandlerWithContext is Handler for a logger teed with an OpenTelemetry
// zap bridge (otelzap): it also binds the request's context in a field
// of type Skip, which zap's encoders skip and otelzap emits the records
// with, so the records carry the span's trace context.
func HandlerWithContext(next http.Handler, logger *zap.Logger, tp trace.TracerProvider, mp metric.MeterProvider, prop propagation.TextMapPropagator) http.Handler {
	return requestID(otelhttp.NewHandler(accessLog(logger, next, true), "server",
		otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp), otelhttp.WithPropagators(prop)))
}

// Logger returns the logger Handler bound for the request of ctx, or a
// no-op logger outside Handler.
func Logger(ctx context.Context) *zap.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*zap.Logger); ok {
		return l
	}
	return zap.NewNop()
}

// requestID takes the caller's X-Request-ID if it is valid, makes one
// otherwise, answers with it and puts it in the request context.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !requestid.Valid(id) {
			id = requestid.New()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ridKey{}, id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(c int) { s.status = c; s.ResponseWriter.WriteHeader(c) }
func (s *statusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func accessLog(logger *zap.Logger, next http.Handler, withCtx bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sc := trace.SpanContextFromContext(r.Context())
		id, _ := r.Context().Value(ridKey{}).(string)
		var l *zap.Logger
		if withCtx {
			l = logger.With(
				zap.String("trace_id", sc.TraceID().String()),
				zap.String("span_id", sc.SpanID().String()),
				zap.String("trace_flags", sc.TraceFlags().String()),
				zap.String("request_id", id),
				zap.String("method", r.Method),
				zap.String("path", r.URL.Path),
				zap.Field{Key: "ctx", Type: zapcore.SkipType, Interface: r.Context()},
			)
		} else {
			l = logger.With(
				zap.String("trace_id", sc.TraceID().String()),
				zap.String("span_id", sc.SpanID().String()),
				zap.String("trace_flags", sc.TraceFlags().String()),
				zap.String("request_id", id),
				zap.String("method", r.Method),
				zap.String("path", r.URL.Path),
			)
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), loggerKey{}, l)))
		lvl := zapcore.InfoLevel
		if rec.status >= 500 {
			lvl = zapcore.ErrorLevel
		} else if rec.status >= 400 {
			lvl = zapcore.WarnLevel
		}
		l.Log(lvl, "http_request",
			zap.Int("status", rec.status),
			zap.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			zap.Int64("bytes", rec.bytes),
		)
	})
}
