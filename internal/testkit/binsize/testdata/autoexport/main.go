// Command autoexport is the second program that package binsize measures
// otelkit against: the hand-wired program (../handwired) with its
// exporters chosen from the environment by contrib's autoexport
// (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_PROTOCOL, …), as otelkit
// chooses them. It serves one request to itself on loopback, then shuts
// down.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "autoexport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) (err error) {
	res, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(attribute.String("service.name", "minimal")))
	if err != nil {
		return err
	}
	spans, err := autoexport.NewSpanExporter(ctx)
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(spans), sdktrace.WithResource(res))
	reader, err := autoexport.NewMetricReader(ctx)
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
	records, err := autoexport.NewLogExporter(ctx)
	if err != nil {
		return err
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(records)), sdklog.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetLoggerProvider(lp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	defer func() {
		err = errors.Join(err, tp.Shutdown(context.Background()), mp.Shutdown(context.Background()), lp.Shutdown(context.Background()))
	}()

	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	logger := zap.New(zapcore.NewTee(
		zapcore.NewCore(enc, zapcore.Lock(os.Stdout), zapcore.InfoLevel),
		otelzap.NewCore("minimal", otelzap.WithLoggerProvider(lp)),
	))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		sc := trace.SpanContextFromContext(r.Context())
		logger.Info("order_loaded", zap.Stringer("trace_id", sc.TraceID()), zap.Stringer("span_id", sc.SpanID()),
			zap.String("order_id", r.PathValue("id")))
	})
	return serveOnce(otelhttp.NewHandler(mux, "server"))
}

// serveOnce serves h on a loopback port for one GET.
func serveOnce(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/orders/42")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
