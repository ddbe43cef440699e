package otel

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
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

// panickingWriter panics on every write, as a console writer with a bug
// would.
type panickingWriter struct{}

func (panickingWriter) Write([]byte) (int, error) { panic("writer: closed pipe") }

// An exporter that panics costs each signal its batch, counted as failed
// with the panic as the error, and not the process (the exports run on the
// batch processors' and the metric reader's goroutines).
func TestExporterPanicCountedAsFailedExport(t *testing.T) {
	clearEnv(t)
	var out lineBuffer
	ctx := context.Background()
	tel, err := Init(ctx, append(quiet(&out, WithoutGlobals()), WithTracesExporter("console"), WithMetricsExporter("console"),
		WithLogsExporter("console"), WithConsoleWriter(panickingWriter{}))...)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer("test").Start(ctx, "op")
	span.End()
	c, _ := tel.MeterProvider().Meter("test").Int64Counter("panics")
	c.Add(ctx, 1)
	tel.Logger().Info("exported_to_a_panicking_writer")
	_ = tel.ForceFlush(ctx)
	for _, signal := range []string{"traces", "metrics", "logs"} {
		st := tel.Health().Export[signal]
		if st.FailedBatches == 0 || !strings.Contains(st.LastError, "the exporter panicked: writer: closed pipe") {
			t.Errorf("%s: %+v", signal, st)
		}
	}
	_ = tel.Shutdown(ctx)
}

// shutdownPanicking is a span processor whose Shutdown panics.
type shutdownPanicking struct{ sdktrace.SpanProcessor }

func (shutdownPanicking) Shutdown(context.Context) error { panic("processor: double close") }

// A panic in a provider's Shutdown (a processor's or an exporter's) is
// Shutdown's error; the other providers still flush. Before, it ended the
// process on the goroutine Shutdown runs each provider on.
func TestProviderShutdownPanicIsAnError(t *testing.T) {
	clearEnv(t)
	var out lineBuffer
	ctx := context.Background()
	logs := &recordingLogProcessor{}
	tel, err := Init(ctx, append(quiet(&out, WithoutGlobals()),
		WithSpanProcessor(shutdownPanicking{sdktrace.NewSimpleSpanProcessor(tracetest.NewInMemoryExporter())}), WithLogProcessor(logs))...)
	if err != nil {
		t.Fatal(err)
	}
	tel.Logger().Info("before_shutdown")
	err = tel.Shutdown(ctx)
	if err == nil || !strings.Contains(err.Error(), "otelkit: the *tracing.Provider panicked: processor: double close") {
		t.Fatalf("Shutdown: %v", err)
	}
	if !logs.shutDown.Load() {
		t.Error("the logger provider was not shut down")
	}
}

type recordingLogProcessor struct {
	sdklog.Processor
	shutDown atomic.Bool
}

func (p *recordingLogProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (p *recordingLogProcessor) OnEmit(context.Context, *sdklog.Record) error           { return nil }
func (p *recordingLogProcessor) ForceFlush(context.Context) error                       { return nil }
func (p *recordingLogProcessor) Shutdown(context.Context) error {
	p.shutDown.Store(true)
	return nil
}

// TestOTLPHeadersNilKeepsVariables: WithOTLPHeaders(nil) is as if it were
// not given (the package's rule for nil, and tracing.WithHeaders'), so the
// API key of OTEL_EXPORTER_OTLP_HEADERS is still sent; an empty map is
// set, and sends none. Before, nil dropped the variable's headers.
func TestOTLPHeadersNilKeepsVariables(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=from-env")
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    []string
		source  string
	}{
		{"nil", nil, []string{"api-key"}, "env:OTEL_EXPORTER_OTLP_HEADERS"},
		{"empty", map[string]string{}, nil, "option"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out lineBuffer
			tel, err := Init(context.Background(), append(quiet(&out), WithoutGlobals(), WithTracesExporter("otlp"),
				WithOTLPHeaders(tc.headers))...)
			if err != nil {
				t.Fatalf("Init: %v", err)
			}
			defer tel.Shutdown(context.Background())
			got := tel.Health().Config["traces"]
			if !slices.Equal(got.HeaderNames, tc.want) || got.Sources["headers"] != tc.source {
				t.Errorf("header names %q from %q, want %q from %q", got.HeaderNames, got.Sources["headers"], tc.want, tc.source)
			}
		})
	}
}
