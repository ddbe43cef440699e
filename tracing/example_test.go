package tracing_test

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/otelkit/otelkit/tracing"
)

func ExampleNewTracerProvider() {
	rec := tracetest.NewSpanRecorder()
	tp, err := tracing.NewTracerProvider(context.Background(),
		tracing.WithExporter("none"),                 // wins over OTEL_TRACES_EXPORTER
		tracing.WithSampler(sdktrace.AlwaysSample()), // wins over OTEL_TRACES_SAMPLER
		tracing.WithSpanProcessor(rec),               // an extra processor, here for the example
		tracing.WithEnvLookup(func(string) (string, bool) { return "", false }),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tp.Shutdown(context.Background())

	_, span := tp.TracerProvider().Tracer("example").Start(context.Background(), "load_order")
	span.End()
	fmt.Println(len(rec.Ended()), rec.Ended()[0].Name())
	cfg := tp.ExporterConfig() // what was resolved, and from where
	fmt.Println(cfg.Exporter, cfg.Sources["exporter"])
	// Output:
	// 1 load_order
	// none option
}

func ExampleNewTracerProvider_invalidEnv() {
	_, err := tracing.NewTracerProvider(context.Background(),
		tracing.WithEnvLookup(func(k string) (string, bool) {
			if k == "OTEL_BSP_MAX_QUEUE_SIZE" {
				return "-1", true
			}
			return "", false
		}))
	fmt.Println(err)
	var ce *tracing.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Var, ce.Value)
	}
	// Output:
	// otelkit: invalid OTEL_BSP_MAX_QUEUE_SIZE="-1": allowed: an integer from 1 to 1048576
	// OTEL_BSP_MAX_QUEUE_SIZE -1
}

func ExampleEnd() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(prev)

	loadOrder := func(ctx context.Context) (err error) {
		ctx, span := tracing.Start(ctx, "load_order")
		defer tracing.End(span, &err)
		_ = ctx // pass ctx on: logs and child spans belong to this span
		return errors.New("order not found")
	}
	_ = loadOrder(context.Background())

	s := rec.Ended()[0]
	fmt.Println(s.Name(), s.Status().Code, s.Status().Description)
	// Output: load_order Error order not found
}

func ExampleTraceID() {
	fmt.Printf("%q\n", tracing.TraceID(context.Background()))

	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("example").Start(context.Background(), "op")
	defer span.End()
	fmt.Println(len(tracing.TraceID(ctx)), len(tracing.SpanID(ctx)))
	// Output:
	// ""
	// 32 16
}
