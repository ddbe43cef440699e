package otel

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/internal/w3c"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// lineBuffer collects log lines; lines decodes them.
type lineBuffer struct{ logbuf.Buffer }

func (l *lineBuffer) lines(t *testing.T) []map[string]any { return l.JSONLines(t) }

// clearEnv blanks every variable Init reads, so the machine's environment
// cannot leak into a test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{
		"OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_PROPAGATORS",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
		"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT",
		"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BLRP_MAX_QUEUE_SIZE", "OTEL_METRIC_EXPORT_INTERVAL",
		"OTELKIT_LOG_FORMAT", "OTELKIT_LOG_LEVEL", "OTELKIT_LOG_PROFILE", "OTELKIT_ENVIRONMENT",
		"OTEL_CONFIG_FILE", "OTEL_EXPERIMENTAL_CONFIG_FILE",
	} {
		t.Setenv(k, "")
	}
}

// quiet are the options that keep a test's Init local.
func quiet(out *lineBuffer, extra ...Option) []Option {
	return append([]Option{WithTracesExporter("none")}, quietSpans(out, extra...)...)
}

// quietSpans is quiet with the traces exporter left to the options and
// variables: for tests whose WithSpanExporter must export.
func quietSpans(out *lineBuffer, extra ...Option) []Option {
	return append([]Option{
		WithMetricsExporter("none"), WithLogsExporter("none"),
		WithoutRuntimeMetrics(), WithLogFormat("json"), WithLogOutput(out),
	}, extra...)
}

func TestInitInstallsAndRestoresGlobals(t *testing.T) {
	clearEnv(t)
	prevTP, prevLogger := otel.GetTracerProvider(), zap.L()
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out, WithServiceName("checkout"))...)
	if err != nil {
		t.Fatal(err)
	}
	if !globalTracesTo(tel) {
		t.Error("global tracer provider is not the Telemetry's")
	}
	if zap.L() != tel.Logger() {
		t.Error("zap global logger is not the Telemetry's")
	}
	if got, _ := tel.Resource().Set().Value("service.name"); got.AsString() != "checkout" {
		t.Errorf("service.name = %q", got.AsString())
	}
	if _, err := Init(context.Background(), quiet(&lineBuffer{})...); !errors.Is(err, ErrAlreadyInitialized) {
		t.Errorf("second Init: err = %v, want ErrAlreadyInitialized", err)
	}
	other, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), WithServiceName("other"))...)
	if err != nil {
		t.Fatalf("Init WithoutGlobals beside a live one: %v", err)
	}
	if !globalTracesTo(tel) {
		t.Error("WithoutGlobals replaced the global tracer provider")
	}
	if err := other.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The previous one, or the Telemetry's own in place of OpenTelemetry's
	// default (TestShutdownLeavesGlobalTracerProvider).
	if otel.GetTracerProvider() != prevTP && !globalTracesTo(tel) {
		t.Error("Shutdown did not restore the tracer provider")
	}
	if zap.L() != prevLogger {
		t.Error("Shutdown did not restore zap's global logger")
	}
	// After Shutdown: idempotent, methods are no-ops, a new Init may own the globals.
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Errorf("ForceFlush after Shutdown: %v", err)
	}
	again, err := Init(context.Background(), quiet(&lineBuffer{})...)
	if err != nil {
		t.Fatalf("Init after Shutdown: %v", err)
	}
	_ = again.Shutdown(context.Background())
}

// globalTracesTo reports whether the global tracer provider is tel's: the
// tracing.Provider around tel.TracerProvider().
func globalTracesTo(tel *Telemetry) bool {
	p, ok := otel.GetTracerProvider().(*tracing.Provider)
	return ok && p == tel.TracerProvider()
}

func TestInvalidEnvironmentIsAnError(t *testing.T) {
	cases := []struct{ name, value string }{
		{"OTEL_SDK_DISABLED", "maybe"},
		{"OTEL_PROPAGATORS", "tracecontext,carrier-pigeon"},
		{"OTEL_TRACES_EXPORTER", "zipkin-classic"},
		{"OTEL_METRICS_EXPORTER", "statsd"},
		{"OTEL_LOGS_EXPORTER", "syslog"},
		{"OTEL_TRACES_SAMPLER", "sometimes"},
		{"OTEL_BSP_MAX_QUEUE_SIZE", "-1"},
		{"OTEL_BLRP_MAX_QUEUE_SIZE", "lots"},
		{"OTEL_METRIC_EXPORT_INTERVAL", "-5"},
		{"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", "99999999999999999999"},
		{"OTELKIT_LOG_LEVEL", "loud"},
		{"OTELKIT_LOG_FORMAT", "xml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(tc.name, tc.value)
			prev := otel.GetTracerProvider()
			// Exporters are left to the environment here: only the variable under test is set.
			tel, err := Init(context.Background(), WithoutRuntimeMetrics(), WithLogOutput(&lineBuffer{}),
				WithMetricsExporter(pick(tc.name == "OTEL_METRICS_EXPORTER" || tc.name == "OTEL_METRIC_EXPORT_INTERVAL", "", "none")),
				WithTracesExporter(pick(tc.name == "OTEL_TRACES_EXPORTER", "", "none")),
				WithLogsExporter(pick(tc.name == "OTEL_LOGS_EXPORTER" || strings.HasPrefix(tc.name, "OTEL_BLRP"), "", "none")))
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatalf("%s=%q: Init succeeded", tc.name, tc.value)
			}
			if !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.value) {
				t.Errorf("error %q does not name %s and %q", err, tc.name, tc.value)
			}
			if otel.GetTracerProvider() != prev || live.Load() != nil {
				t.Error("a failed Init changed the globals")
			}
		})
	}
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func TestSDKDisabled(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_SDK_DISABLED", "true")
	out := &lineBuffer{}
	tel, err := Init(context.Background(), WithLogFormat("json"), WithLogOutput(out), WithServiceName("svc"))
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "s")
	if span.IsRecording() || span.SpanContext().IsValid() {
		t.Error("span records although the SDK is disabled")
	}
	tel.Logger().Info("still_logging")
	found := false
	for _, l := range out.lines(t) {
		if l["msg"] == "still_logging" {
			found = true
		}
	}
	if !found {
		t.Error("the logger does not write when the SDK is disabled")
	}
}

func TestServiceNamePrecedence(t *testing.T) {
	cases := []struct {
		opt, env, attrs, want string
		warn                  bool
	}{
		{opt: "from-option", env: "from-env", attrs: "service.name=from-attrs", want: "from-option"},
		{env: "from-env", attrs: "service.name=from-attrs", want: "from-env"},
		{attrs: "service.name=from-attrs,team=payments", want: "from-attrs"},
		{want: "unknown_service:", warn: true},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTEL_SERVICE_NAME", tc.env)
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", tc.attrs)
			out := &lineBuffer{}
			opts := quiet(out, WithoutGlobals())
			if tc.opt != "" {
				opts = append(opts, WithServiceName(tc.opt))
			}
			tel, err := Init(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer tel.Shutdown(context.Background())
			got, _ := tel.Resource().Set().Value("service.name")
			if !strings.HasPrefix(got.AsString(), tc.want) {
				t.Errorf("service.name = %q, want %q", got.AsString(), tc.want)
			}
			warned := false
			for _, l := range out.lines(t) {
				if l["msg"] == "otelkit_config_warning" && strings.Contains(l["detail"].(string), "service.name") {
					warned = true
				}
			}
			if warned != tc.warn {
				t.Errorf("unknown_service warning = %v, want %v", warned, tc.warn)
			}
		})
	}
}

// TestServiceNameFromBuildInfo: without a name set, service.name is the
// last element of the main package's path (the program's name, as the
// docs say), none for go run of files (whose build info, as go1.26 writes
// it, has no main module) and none for a test binary.
func TestServiceNameFromBuildInfo(t *testing.T) {
	for _, tc := range []struct{ pkg, module, want string }{
		{"example.com/shop/cmd/checkout", "example.com/shop", "checkout"},
		{"example.com/checkout", "example.com/checkout", "checkout"},
		{"command-line-arguments", "example.com/shop", "shop"},
		{"command-line-arguments", "", ""}, // go run main.go
		{"", "example.com/shop", "shop"},
		{"example.com/shop/cmd/checkout.test", "example.com/shop", ""},
	} {
		bi := &debug.BuildInfo{Path: tc.pkg, Main: debug.Module{Path: tc.module}}
		if got := serviceNameFromBuildInfo(bi); got != tc.want {
			t.Errorf("package %q, module %q: %q, want %q", tc.pkg, tc.module, got, tc.want)
		}
	}
}

func TestResourceOptionsAndMalformedAttributes(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "team=payments,broken")
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out, WithoutGlobals(), WithServiceName("svc"),
		WithServiceVersion("1.2.3"), WithEnvironment("staging"))...)
	if err != nil {
		t.Fatalf("a malformed OTEL_RESOURCE_ATTRIBUTES must warn, not fail: %v", err)
	}
	defer tel.Shutdown(context.Background())
	set := tel.Resource().Set()
	for k, want := range map[string]string{"service.version": "1.2.3", "deployment.environment.name": "staging", "host.name": ""} {
		v, ok := set.Value(attribute.Key(k))
		if !ok || (want != "" && v.AsString() != want) {
			t.Errorf("%s = %q (present %v), want %q", k, v.AsString(), ok, want)
		}
	}
	warned := false
	for _, l := range out.lines(t) {
		if l["msg"] == "otelkit_config_warning" && strings.Contains(l["detail"].(string), "OTEL_RESOURCE_ATTRIBUTES") {
			warned = true
		}
	}
	if !warned {
		t.Error("no warning about the malformed OTEL_RESOURCE_ATTRIBUTES")
	}
}

// TestResourceAttributeOptionWithEmptyKeyIsAnError: an attribute given to
// WithResourceAttributes with an empty key, which the SDK drops, is a
// ConfigError naming the option and the attribute, never the value; before,
// it was silently lost. An EMPTY value is valid and kept.
func TestResourceAttributeOptionWithEmptyKeyIsAnError(t *testing.T) {
	clearEnv(t)
	const secret = "VALUE-NEVER-SHOWN"
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(),
		WithResourceAttributes(attribute.String("ok", "v"), attribute.String("", secret)))...)
	if err == nil {
		_ = tel.Shutdown(context.Background())
		t.Fatal("Init accepted an attribute with an empty key")
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Option != "WithResourceAttributes" ||
		!strings.Contains(err.Error(), "attribute 2 has an empty key") || strings.Contains(err.Error(), secret) {
		t.Errorf("error %q, want a ConfigError of WithResourceAttributes naming attribute 2 without its value", err)
	}
	tel, err = Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(),
		WithResourceAttributes(attribute.KeyValue{Key: "empty"}))...)
	if err != nil {
		t.Fatalf("an EMPTY value was refused: %v", err)
	}
	defer tel.Shutdown(context.Background())
	if _, ok := tel.Resource().Set().Value("empty"); !ok {
		t.Error("the EMPTY value is not in the resource")
	}
}

// TestDeprecatedCardinalityVariableWarns: OTEL_GO_X_CARDINALITY_LIMIT,
// deprecated by the SDK, still works and Init says so in an
// otelkit_config_warning line that names it and its replacement.
func TestDeprecatedCardinalityVariableWarns(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_GO_X_CARDINALITY_LIMIT", "100")
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out, WithoutGlobals(), WithServiceName("svc"))...)
	if err != nil {
		t.Fatalf("a deprecated variable must warn, not fail: %v", err)
	}
	defer tel.Shutdown(context.Background())
	warned := 0
	for _, l := range out.lines(t) {
		d, _ := l["detail"].(string)
		if l["msg"] == "otelkit_config_warning" && strings.Contains(d, "OTEL_GO_X_CARDINALITY_LIMIT") &&
			strings.Contains(d, "deprecated") && strings.Contains(d, "metrics.WithCardinalityLimit") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("%d warnings about OTEL_GO_X_CARDINALITY_LIMIT, want 1:\n%s", warned, out.String())
	}
}

// blockingExporter never finishes an export until released.
type blockingExporter struct {
	release  chan struct{}
	exported chan int
}

func (b *blockingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	select {
	case <-b.release:
		b.exported <- len(spans)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *blockingExporter) Shutdown(ctx context.Context) error { return nil }

func TestShutdownKeepsToItsDeadline(t *testing.T) {
	clearEnv(t)
	exp := &blockingExporter{release: make(chan struct{}), exported: make(chan int, 10)}
	tel, err := Init(context.Background(), quietSpans(&lineBuffer{}, WithSpanExporter(exp))...)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "queued")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = tel.Shutdown(ctx)
	elapsed := time.Since(start)
	close(exp.release)
	if err == nil {
		t.Error("Shutdown against a hung exporter returned no error")
	}
	if elapsed > 2*time.Second {
		t.Errorf("Shutdown took %v with a 200ms deadline", elapsed)
	}
	t.Logf("Shutdown against a hung exporter returned after %v: %v", elapsed, err)
}

// countingExporter counts exported spans; unlike tracetest's in-memory
// exporter it keeps the count after Shutdown.
type countingExporter struct{ n atomic.Int64 }

func (c *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	c.n.Add(int64(len(spans)))
	return nil
}

func (c *countingExporter) Shutdown(context.Context) error { return nil }

// TestShutdownTimeoutNonPositiveKeepsDefault: WithShutdownTimeout(0) or a
// negative value keeps DefaultShutdownTimeout, as its doc says.
func TestShutdownTimeoutNonPositiveKeepsDefault(t *testing.T) {
	clearEnv(t)
	for _, d := range []time.Duration{0, -time.Second} {
		tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), WithShutdownTimeout(d))...)
		if err != nil {
			t.Fatal(err)
		}
		if tel.shutdownTimeout != DefaultShutdownTimeout {
			t.Errorf("WithShutdownTimeout(%v): bound %v, want %v", d, tel.shutdownTimeout, DefaultShutdownTimeout)
		}
		_ = tel.Shutdown(context.Background())
	}
}

func TestShutdownWithCancelledContextStillFlushes(t *testing.T) {
	clearEnv(t)
	exp := &countingExporter{}
	tel, err := Init(context.Background(), quietSpans(&lineBuffer{}, WithSpanExporter(exp))...)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "queued")
	span.End()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = tel.Shutdown(ctx)
	if n := exp.n.Load(); n != 1 {
		t.Errorf("exported %d spans after Shutdown(cancelled ctx), want 1", n)
	}
}

func TestForceFlushAndConcurrentShutdown(t *testing.T) {
	clearEnv(t)
	exp := tracetest.NewInMemoryExporter()
	tel, err := Init(context.Background(), quietSpans(&lineBuffer{}, WithSpanExporter(exp))...)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "s")
	span.End()
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(exp.GetSpans()) != 1 {
		t.Fatalf("ForceFlush exported %d spans, want 1", len(exp.GetSpans()))
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = tel.Shutdown(context.Background())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Shutdown #%d: %v", i, err)
		}
	}
	if live.Load() != nil {
		t.Error("globals still owned after Shutdown")
	}
}

func TestSDKErrorsAreRateLimitedWarnings(t *testing.T) {
	clearEnv(t)
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out)...)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		otel.Handle(errors.New(`traces export: Post "http://user:s3cret@collector:4318/v1/traces": connection refused`))
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	otel.Handle(errors.New("after shutdown"))
	var n int
	for _, l := range out.lines(t) {
		msg, _ := l["error"].(string)
		if l["msg"] == "otel_sdk_error" {
			n++
			if strings.Contains(msg, "s3cret") {
				t.Errorf("credential leaked: %v", msg)
			}
		}
		if strings.Contains(msg, "after shutdown") {
			t.Error("an error after Shutdown reached the shut-down logger")
		}
	}
	if n != 1 {
		t.Errorf("%d otel_sdk_error lines for 100 errors in a burst, want 1", n)
	}
}

func TestRateLimitedHandlerCountsSuppressed(t *testing.T) {
	out := &lineBuffer{}
	l := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), out, zap.DebugLevel))
	h := newRateLimitedHandler(l, time.Minute)
	now := time.Unix(1000, 0)
	h.now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		h.Handle(errors.New("x"))
	}
	now = now.Add(2 * time.Minute)
	h.Handle(errors.New("y"))
	h.Handle(nil)
	lines := out.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %v", len(lines), lines)
	}
	if lines[1]["suppressed_since_last"] != float64(4) {
		t.Errorf("suppressed_since_last = %v, want 4", lines[1]["suppressed_since_last"])
	}
	if h.total.Load() != 6 {
		t.Errorf("total = %d, want 6", h.total.Load())
	}
}

func TestBoundedContext(t *testing.T) {
	ctx, cancel := boundedContext(context.Background(), time.Hour)
	defer cancel()
	if d, ok := ctx.Deadline(); !ok || time.Until(d) < 59*time.Minute {
		t.Errorf("no default bound: %v %v", d, ok)
	}
	done, c := context.WithCancel(context.Background())
	c()
	ctx2, cancel2 := boundedContext(done, time.Hour)
	defer cancel2()
	if ctx2.Err() != nil {
		t.Error("a cancelled context was not replaced by a fresh one")
	}
	if d, ok := ctx2.Deadline(); !ok || time.Until(d) > 2*time.Second {
		t.Errorf("fresh context bound = %v", d)
	}
}

// TestNoBridgeWithoutLogExport: with OTEL_LOGS_EXPORTER=none and no log
// processor there is no SDK logger provider and so no bridge (it would cost
// every line for nothing); with a processor, lines reach it.
func TestNoBridgeWithoutLogExport(t *testing.T) {
	clearEnv(t)
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), WithServiceName("a"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	if _, isSDK := tel.LoggerProvider().(*sdklog.LoggerProvider); isSDK || tel.logs != nil {
		t.Error("an SDK logger provider (and bridge) exists although nothing exports logs")
	}
	rec := &recordCounter{body: "bridged"}
	tel2, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), WithServiceName("b"), WithLogProcessor(rec))...)
	if err != nil {
		t.Fatal(err)
	}
	defer tel2.Shutdown(context.Background())
	tel2.Logger().Info("bridged")
	if n := rec.n.Load(); n != 1 {
		t.Errorf("processor saw %d records, want 1", n)
	}
}

// TestInitInstallsGlobalLoggerProvider: Init installs its logger provider
// where the OpenTelemetry API keeps it (otel.GetLoggerProvider, which
// instrumentation and log bridges use), so a record emitted through the
// global logger reaches Init's processors; Shutdown puts the previous one
// back.
func TestInitInstallsGlobalLoggerProvider(t *testing.T) {
	clearEnv(t)
	prev := otel.GetLoggerProvider()
	rec := &recordCounter{body: "from_the_global_logger"}
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithServiceName("a"), WithLogProcessor(rec))...)
	if err != nil {
		t.Fatal(err)
	}
	if otel.GetLoggerProvider() != tel.LoggerProvider() {
		t.Error("the global logger provider is not the Telemetry's")
	}
	var r log.Record
	r.SetBody(attribute.StringValue("from_the_global_logger"))
	otel.Logger("some/instrumentation").Emit(context.Background(), r)
	if n := rec.n.Load(); n != 1 {
		t.Errorf("processor saw %d records from the global logger, want 1", n)
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if otel.GetLoggerProvider() != prev {
		t.Error("Shutdown did not restore the global logger provider")
	}
}

// recordCounter counts the records whose body is its body. Only those: an
// SDK error that a previous test's exporter reports while Init holds the
// reports would reach the processor too, as an otel_sdk_error line.
type recordCounter struct {
	body string
	n    atomic.Int64
}

func (r *recordCounter) OnEmit(_ context.Context, rec *sdklog.Record) error {
	if rec.Body().String() == r.body {
		r.n.Add(1)
	}
	return nil
}
func (r *recordCounter) Enabled(context.Context, sdklog.EnabledParameters) bool {
	return true
}
func (r *recordCounter) Shutdown(context.Context) error   { return nil }
func (r *recordCounter) ForceFlush(context.Context) error { return nil }

// TestPassThroughOptions: tracing and metrics options reach their
// constructors, and Init's own options win over them.
func TestPassThroughOptions(t *testing.T) {
	clearEnv(t)
	rec := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), WithServiceName("svc"),
		WithTracingOptions(tracing.WithSpanLimits(sdktrace.SpanLimits{AttributeValueLengthLimit: 5, AttributeCountLimit: 10,
			EventCountLimit: 10, LinkCountLimit: 10, AttributePerEventCountLimit: 10, AttributePerLinkCountLimit: 10}),
			tracing.WithSampler(sdktrace.NeverSample())),
		WithSampler(sdktrace.AlwaysSample()),
		WithSpanProcessor(rec),
		WithMetricsOptions(metrics.WithCardinalityLimit(3)),
		WithMetricReader(reader))...)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "s")
	span.SetAttributes(attribute.String("long", "0123456789"))
	span.End()
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans: Init's sampler did not win over the pass-through one", len(spans))
	}
	if v := spans[0].Attributes()[0].Value.AsString(); v != "01234" {
		t.Errorf("attribute = %q, want it cut to 5 by the pass-through span limits", v)
	}
	c, _ := tel.MeterProvider().Meter("m").Int64Counter("c")
	for i := 0; i < 10; i++ {
		c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("i", i)))
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "c" {
				found = true
				if n := len(m.Data.(metricdata.Sum[int64]).DataPoints); n != 3 {
					t.Errorf("%d series, want 3 (cardinality limit passed through)", n)
				}
			}
		}
	}
	if !found {
		t.Error("counter c not collected")
	}
}

// childTest returns the command that runs the test named test again in a
// process of its own (for what a process does once, or ends it), with env
// added to this process's environment; it is killed after 60 s.
func childTest(t *testing.T, test string, env ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// TestBlankServiceOptionsAreNotGiven: WithServiceName, WithServiceVersion
// and WithEnvironment trim their value, and a blank one is as if not
// given, as the variables are read: a blank name won over
// OTEL_SERVICE_NAME, and a padded one went into every signal's resource.
func TestBlankServiceOptionsAreNotGiven(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_SERVICE_NAME", "from-env")
	t.Setenv("OTELKIT_ENVIRONMENT", "staging")
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(),
		WithServiceName("   "), WithEnvironment("\t"), WithServiceVersion(" 1.2.3 "))...)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	set := tel.Resource().Set()
	for key, want := range map[attribute.Key]string{"service.name": "from-env", "deployment.environment.name": "staging", "service.version": "1.2.3"} {
		if v, _ := set.Value(key); v.AsString() != want {
			t.Errorf("%s = %q, want %q", key, v.AsString(), want)
		}
	}
}

// TestBlankServiceOptionAfterOneGiven: a blank option after a given one is
// as if not given, so the earlier one stands (it cleared it, and the
// variable won).
func TestBlankServiceOptionAfterOneGiven(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_SERVICE_NAME", "from-env")
	t.Setenv("OTELKIT_ENVIRONMENT", "staging")
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(),
		WithServiceName("checkout"), WithServiceName(" "), WithEnvironment("prod"), WithEnvironment(""),
		WithServiceVersion("1.2.3"), WithServiceVersion("\t"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	set := tel.Resource().Set()
	for key, want := range map[attribute.Key]string{"service.name": "checkout", "deployment.environment.name": "prod", "service.version": "1.2.3"} {
		if v, _ := set.Value(key); v.AsString() != want {
			t.Errorf("%s = %q, want %q", key, v.AsString(), want)
		}
	}
}

// TestBlankExporterOptionsAreNotGiven: WithTracesExporter,
// WithMetricsExporter and WithLogsExporter trim their name, and a blank
// one is as if not given: an empty name after "none" cleared it (the
// variable's console won), and one of spaces was an error although an
// empty one was not.
func TestBlankExporterOptionsAreNotGiven(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want string // every signal's exporter
	}{
		{"blank after none", []Option{WithTracesExporter("none"), WithMetricsExporter("none"),
			WithLogsExporter("none"), WithTracesExporter(""), WithMetricsExporter(" "), WithLogsExporter("\t")}, "none"},
		{"spaces alone", []Option{WithTracesExporter("  "), WithMetricsExporter("  "), WithLogsExporter("  ")}, "console"},
		{"padded", []Option{WithTracesExporter(" none "), WithMetricsExporter(" none "), WithLogsExporter(" none ")}, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for _, v := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
				t.Setenv(v, "console")
			}
			tel, err := Init(context.Background(), append(tc.opts, WithoutGlobals(), WithoutRuntimeMetrics(),
				WithLogOutput(&lineBuffer{}), WithServiceName("svc"), WithOTLPEndpoint("http://127.0.0.1:1"))...)
			if err != nil {
				t.Fatal(err)
			}
			defer tel.Shutdown(context.Background())
			cfg := tel.Health().Config
			if len(cfg) != 3 {
				t.Fatalf("Health().Config has %d signals, want 3", len(cfg))
			}
			for signal, sc := range cfg {
				if sc.Exporter != tc.want {
					t.Errorf("%s exporter %q, want %q", signal, sc.Exporter, tc.want)
				}
			}
		})
	}
}

// TestBlankOTLPOptionsAreNotGiven: WithOTLPEndpoint, WithOTLPProtocol,
// WithOTLPCompression, WithPrometheusAddr and WithLogFormat trim their
// value, and a blank one is as if not given, as for the exporter options
// (TestBlankExporterOptionsAreNotGiven): an empty value after another
// cleared it (the variable's won), and one of spaces was an error
// although an empty one was not.
func TestBlankOTLPOptionsAreNotGiven(t *testing.T) {
	type want struct{ protocol, endpoint, compression, format string }
	given := want{"grpc", "http://127.0.0.1:1", "gzip", "console"}
	fromEnv := want{"http/protobuf", "http://127.0.0.1:2/v1/traces", "none", "json"}
	for _, tc := range []struct {
		name string
		opts []Option
		want want
	}{
		{"blank after a value", []Option{WithOTLPProtocol("grpc"), WithOTLPEndpoint("http://127.0.0.1:1"),
			WithOTLPCompression("gzip"), WithPrometheusAddr("127.0.0.1:0"), WithLogFormat("console"),
			WithOTLPProtocol(""), WithOTLPEndpoint(" "), WithOTLPCompression("\t"), WithPrometheusAddr(""), WithLogFormat("")}, given},
		{"spaces alone", []Option{WithOTLPProtocol("  "), WithOTLPEndpoint("  "), WithOTLPCompression("  "),
			WithPrometheusAddr("  "), WithLogFormat("  ")}, fromEnv},
		{"padded", []Option{WithOTLPProtocol(" grpc "), WithOTLPEndpoint(" http://127.0.0.1:1 "),
			WithOTLPCompression(" gzip "), WithPrometheusAddr(" 127.0.0.1:0 "), WithLogFormat(" console ")}, given},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for v, val := range map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
				"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:2", "OTEL_EXPORTER_OTLP_COMPRESSION": "none",
				"OTELKIT_LOG_FORMAT": "json"} {
				t.Setenv(v, val)
			}
			out := &lineBuffer{}
			tel, err := Init(context.Background(), append(tc.opts, WithoutGlobals(), WithoutRuntimeMetrics(),
				WithLogOutput(out), WithServiceName("svc"), WithMetricsExporter("none"), WithLogsExporter("none"))...)
			if err != nil {
				t.Fatal(err)
			}
			defer tel.Shutdown(context.Background())
			sc := tel.Health().Config["traces"]
			tel.Logger().Info("format_probe")
			format := "console"
			if strings.HasPrefix(out.String(), "{") {
				format = "json"
			}
			if got := (want{sc.Protocol, sc.Endpoint, sc.Compression, format}); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestResourceServiceNameMustBeAName: a service.name given to
// WithResourceAttributes that is not a non-blank string is a ConfigError
// naming its position, never its value; before, it won over
// OTEL_SERVICE_NAME and the service was named unknown_service, with a
// warning that no name was set.
func TestResourceServiceNameMustBeAName(t *testing.T) {
	for name, kv := range map[string]attribute.KeyValue{
		"int":   semconv.ServiceNameKey.Int(5),
		"empty": semconv.ServiceNameKey.String(""),
		"blank": semconv.ServiceNameKey.String("  \t"),
		"bool":  semconv.ServiceNameKey.Bool(true),
		"EMPTY": {Key: semconv.ServiceNameKey},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTEL_SERVICE_NAME", "from-env")
			tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(),
				WithResourceAttributes(attribute.String("ok", "v"), kv))...)
			if err == nil {
				defer tel.Shutdown(context.Background())
				got, _ := tel.Resource().Set().Value(semconv.ServiceNameKey)
				t.Fatalf("Init accepted service.name %v; the service is named %q", kv.Value.String(), got.String())
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Option != "WithResourceAttributes" ||
				!strings.Contains(err.Error(), "attribute 2 (service.name)") {
				t.Errorf("error %q, want a ConfigError of WithResourceAttributes naming attribute 2", err)
			}
		})
	}
	clearEnv(t)
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(),
		WithResourceAttributes(semconv.ServiceNameKey.String("named")))...)
	if err != nil {
		t.Fatalf("a string service.name was refused: %v", err)
	}
	defer tel.Shutdown(context.Background())
	if got, _ := tel.Resource().Set().Value(semconv.ServiceNameKey); got.AsString() != "named" {
		t.Errorf("service.name %q, want named", got.String())
	}
}

// TestShutdownLeavesGlobalsReplacedSince: a global installed after Init
// (the routers the first oteltest.New installs for the rest of the test
// binary, a program's own) stays at Shutdown; putting back what was there
// before Init dropped every later oteltest test's spans and lines.
func TestShutdownLeavesGlobalsReplacedSince(t *testing.T) {
	clearEnv(t)
	prevTP, prevMP, prevLP := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetLoggerProvider()
	prevProp, prevLogger, prevEH := otel.GetTextMapPropagator(), zap.L(), otel.GetErrorHandler()
	t.Cleanup(func() {
		otel.SetErrorHandler(prevEH)
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
		otel.SetLoggerProvider(prevLP)
		otel.SetTextMapPropagator(prevProp)
		zap.ReplaceGlobals(prevLogger)
	})
	tel, err := Init(context.Background(), quiet(&lineBuffer{})...)
	if err != nil {
		t.Fatal(err)
	}
	tp, mp, lp := sdktrace.NewTracerProvider(), sdkmetric.NewMeterProvider(), sdklog.NewLoggerProvider()
	prop, logger := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}), zap.NewNop()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetLoggerProvider(lp)
	otel.SetTextMapPropagator(w3c.Propagator(prop)) // as oteltest's: Init's is one too
	zap.ReplaceGlobals(logger)
	eh := &programErrorHandler{name: "program"}
	otel.SetErrorHandler(eh)
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if otel.GetTracerProvider() != tp || otel.GetMeterProvider() != mp || otel.GetLoggerProvider() != lp || zap.L() != logger {
		t.Error("Shutdown put back a global installed after Init")
	}
	if got := otel.GetErrorHandler(); got != eh {
		t.Errorf("Shutdown put back the error handler: %T, want the program's", got)
	}
	// A composite is a slice (no ==), and its Fields come in map order.
	got, want := otel.GetTextMapPropagator().Fields(), prop.Fields()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Shutdown put back the propagator: fields %v, want %v", got, want)
	}
}

// programErrorHandler is an error handler of the program's own; a pointer
// to a non-empty struct, so that == tells it from any other.
type programErrorHandler struct{ name string }

func (*programErrorHandler) Handle(error) {}
