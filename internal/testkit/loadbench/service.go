package loadbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/requestid"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// Variant names.
const (
	Bare        = "bare"
	HandWritten = "handwritten"
	Otelkit     = "otelkit"
	OtelkitEq   = "otelkit-eq"
)

// Variants lists every variant, bare first.
var Variants = []string{Bare, HandWritten, Otelkit, OtelkitEq}

func validVariant(v string) bool {
	for _, x := range Variants {
		if v == x {
			return true
		}
	}
	return false
}

// service is a built variant: its handler and how to stop it.
type service struct {
	handler  http.Handler
	shutdown func(context.Context) error
}

type order struct {
	ID    string   `json:"id"`
	Items []string `json:"items"`
}

// orders is the service's one route: it logs one line through log(r) and
// writes the order as JSON.
func orders(log func(*http.Request) *zap.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		o := order{ID: id, Items: []string{"book", "pen"}}
		log(r).Info("order_loaded", zap.String("order_id", id), zap.Int("items", len(o.Items)))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(o)
	})
	return mux
}

func plainZap() *zap.Logger {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "time"
	cfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	cfg.EncodeDuration = zapcore.StringDurationEncoder
	c := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.Lock(zapcore.AddSync(io.Discard)), zapcore.InfoLevel)
	return zap.New(c, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
}

// newService builds variant v. The OTLP endpoint and protocol come from the
// standard environment, which the parent sets for the child.
func newService(ctx context.Context, v string) (*service, error) {
	switch v {
	case Bare:
		l := plainZap()
		return &service{
			handler:  orders(func(*http.Request) *zap.Logger { return l }),
			shutdown: func(context.Context) error { return nil },
		}, nil
	case HandWritten:
		return newHandWritten(ctx)
	case Otelkit, OtelkitEq:
		opts := []otel.Option{
			otel.WithServiceName("perf"),
			otel.WithLogOutput(zapcore.AddSync(io.Discard)),
			otel.WithLogFormat("json"),
		}
		if v == OtelkitEq {
			opts = append(opts, otel.WithLogsExporter("none"), otel.WithoutRuntimeMetrics())
		}
		tel, err := otel.Init(ctx, opts...)
		if err != nil {
			return nil, err
		}
		return &service{
			handler:  httpmw.Handler(orders(func(r *http.Request) *zap.Logger { return logging.FromContext(r.Context()) })),
			shutdown: tel.Shutdown,
		}, nil
	}
	return nil, fmt.Errorf("perf: unknown variant %q (allowed: %v)", v, Variants)
}

// ---- the hand-written stack (the same idea as httpmw/bench_test.go) ----

type hwRIDKey struct{}
type hwLoggerKey struct{}

func newHandWritten(ctx context.Context) (*service, error) {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName("perf")))
	if err != nil {
		return nil, err
	}
	te, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	me, err := otlpmetrichttp.New(ctx)
	if err != nil {
		return nil, errors.Join(err, te.Shutdown(ctx))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(te), sdktrace.WithResource(res))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me)), sdkmetric.WithResource(res))
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	logger := plainZap()
	mux := orders(func(r *http.Request) *zap.Logger {
		if l, ok := r.Context().Value(hwLoggerKey{}).(*zap.Logger); ok {
			return l
		}
		return logger
	})
	h := hwRequestID(otelhttp.NewHandler(hwLogging(logger, mux), "server",
		otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp), otelhttp.WithPropagators(prop)))
	return &service{
		handler: h,
		shutdown: func(ctx context.Context) error {
			return errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx))
		},
	}, nil
}

func hwRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !requestid.Valid(id) {
			id = requestid.New()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), hwRIDKey{}, id)))
	})
}

type hwStatusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *hwStatusRecorder) WriteHeader(c int) { s.status = c; s.ResponseWriter.WriteHeader(c) }
func (s *hwStatusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func hwLogging(logger *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sc := trace.SpanContextFromContext(r.Context())
		id, _ := r.Context().Value(hwRIDKey{}).(string)
		l := logger.With(
			zap.String("trace_id", sc.TraceID().String()),
			zap.String("span_id", sc.SpanID().String()),
			zap.String("trace_flags", sc.TraceFlags().String()),
			zap.String("request_id", id),
			zap.String("method", r.Method),
			zap.String("path", r.URL.Path),
		)
		rec := &hwStatusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), hwLoggerKey{}, l)))
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
