package otel

import (
	"context"
	"os"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap/zapcore"
)

// A typed nil given to an option (a nil *os.File as the io.Writer it
// takes) means what nil means, the option's default: before, Init or
// the first export panicked, the latter on the batch processor's goroutine,
// which ends the process.
func TestTypedNilOptionsMeanUnset(t *testing.T) {
	clearEnv(t)
	cases := map[string][]Option{
		"WithConsoleWriter": {WithTracesExporter("console"), WithConsoleWriter((*os.File)(nil))},
		"WithSpanExporter":  {WithSpanExporter((*tracetest.InMemoryExporter)(nil))},
		"WithSpanProcessor": {WithSpanProcessor((*tracetest.SpanRecorder)(nil))},
		"WithMetricReader":  {WithMetricReader((*sdkmetric.ManualReader)(nil))},
		"WithLogProcessor":  {WithLogsExporter("none"), WithLogProcessor((*sdklog.SimpleProcessor)(nil))},
		"WithPropagators":   {WithPropagators((*propagation.TraceContext)(nil))},
		"WithLogOutput":     {WithLogOutput((*zapcore.BufferedWriteSyncer)(nil))},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			var out lineBuffer
			ctx := context.Background()
			tel, err := Init(ctx, append(quiet(&out), opts...)...)
			if err != nil {
				t.Fatalf("Init: %v", err)
			}
			ctx, span := tel.TracerProvider().Tracer("test").Start(ctx, "op")
			carrier := propagation.MapCarrier{}
			otel.GetTextMapPropagator().Inject(ctx, carrier)
			tel.Logger().Info("typed_nil_option")
			span.End()
			if err := tel.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		})
	}
}
