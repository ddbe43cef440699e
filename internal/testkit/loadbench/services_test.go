package loadbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testutil/handwritten"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

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

// newService builds variant v (a NewService).
func newService(ctx context.Context, v string) (*Service, error) {
	switch v {
	case Bare:
		l := handwritten.ZapLogger(io.Discard)
		return &Service{
			Handler:  orders(func(*http.Request) *zap.Logger { return l }),
			Shutdown: func(context.Context) error { return nil },
		}, nil
	case HandWritten, HandWrittenOTLP:
		return newHandWritten(ctx, v == HandWrittenOTLP)
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
		return &Service{
			Handler:  httpmw.Handler(orders(func(r *http.Request) *zap.Logger { return logging.FromContext(r.Context()) })),
			Shutdown: tel.Shutdown,
		}, nil
	}
	return nil, fmt.Errorf("loadbench: unknown variant %q (allowed: %v)", v, Variants)
}

// newHandWritten is what a user writes without otelkit: SDK tracer and
// meter providers exporting OTLP/HTTP (batch span processor, periodic
// reader), W3C propagators, and the hand-written middleware stack (package
// handwritten) around the service. With otlp, also what otelkit's defaults
// do besides: an SDK logger provider exporting OTLP/HTTP (batch
// processor), the JSON logger teed with the contrib otelzap bridge (the
// request's context bound so records carry the span), and Go runtime
// metrics.
func newHandWritten(ctx context.Context, otlp bool) (*Service, error) {
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
	mux := orders(func(r *http.Request) *zap.Logger { return handwritten.Logger(r.Context()) })
	shutdown := func(ctx context.Context) error { return errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx)) }
	if !otlp {
		return &Service{Handler: handwritten.Handler(mux, handwritten.ZapLogger(io.Discard), tp, mp, prop), Shutdown: shutdown}, nil
	}
	le, err := otlploghttp.New(ctx)
	if err != nil {
		return nil, errors.Join(err, shutdown(ctx))
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(le)), sdklog.WithResource(res))
	if err := runtime.Start(runtime.WithMeterProvider(mp)); err != nil {
		return nil, errors.Join(err, shutdown(ctx), lp.Shutdown(ctx))
	}
	zl := handwritten.ZapLogger(io.Discard)
	zl = zl.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewTee(c, otelzap.NewCore("perf", otelzap.WithLoggerProvider(lp)))
	}))
	return &Service{
		Handler:  handwritten.HandlerWithContext(mux, zl, tp, mp, prop),
		Shutdown: func(ctx context.Context) error { return errors.Join(shutdown(ctx), lp.Shutdown(ctx)) },
	}, nil
}
