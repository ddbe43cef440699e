package otel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/scrub"
)

// TestSDKDiagnosticsLogged: with Init's globals, the SDK's own warnings
// (here: span attributes dropped at the count limit) become
// otel_sdk_warning lines and its errors (a metric reader registered twice)
// otel_sdk_error lines, counted in sdk_errors_total; after Shutdown the
// errors go to stderr as OpenTelemetry's default logger writes them, and
// the warnings nowhere, as there.
func TestSDKDiagnosticsLogged(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1")
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out)...)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "s")
	span.SetAttributes(attribute.Int("a", 1), attribute.Int("b", 2))
	span.End()
	reader := sdkmetric.NewManualReader()
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)) // the SDK logs an error
	// The lines are written on goroutines of their own (handleAsync).
	var warned, errored bool
	for deadline := time.Now().Add(5 * time.Second); !(warned && errored) && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		for _, l := range out.lines(t) {
			switch l["msg"] {
			case "otel_sdk_warning":
				warned = warned || strings.Contains(l["warning"].(string), "dropping trace Span attributes")
			case "otel_sdk_error":
				errored = errored || strings.Contains(l["error"].(string), "duplicate reader registration")
			}
		}
	}
	if h := tel.Health(); !warned || !errored || h.SDKErrors != 1 || h.SDKWarnings != 1 {
		t.Errorf("warning line %v, error line %v, sdk_errors_total %d, sdk_warnings_total %d; log:\n%s", warned, errored, h.SDKErrors, h.SDKWarnings, out.String())
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	log.SetOutput(&stderr)
	defer log.SetOutput(os.Stderr)
	before := len(out.String())
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	sdkLogger.V(1).Info("a warning after Shutdown")
	if !strings.Contains(stderr.String(), "duplicate reader registration") || strings.Contains(stderr.String(), "after Shutdown") || len(out.String()) != before {
		t.Errorf("after Shutdown: stderr %q, %d more bytes of log", stderr.String(), len(out.String())-before)
	}
}

// TestSDKLogSink: the sink writes the SDK's errors and warnings (V(1)),
// with the logger's name and key/value pairs, scrubbed of the configured
// header values, and leaves out its info (V(4)) and debug (V(8)).
func TestSDKLogSink(t *testing.T) {
	out := &lineBuffer{}
	w := newSDKWarnings(newTestLogger(out), 0)
	w.scrub = scrub.New([]string{"sk-SECRETKEY123"})
	e := newRateLimitedHandler(newTestLogger(out), 0)
	undo := installErrorHandler(e, w)
	defer undo()
	l := sdkLogger.WithName("metric").WithValues("reader", "r1")
	l.V(1).Info("limit reached", "key", "sk-SECRETKEY123", "odd")
	l.V(4).Info("TracerProvider created")
	l.V(8).Info("debug detail")
	l.Error(errors.New("boom"), "export", "n", 3)
	var lines []map[string]any // written on goroutines of their own, in either order
	for deadline := time.Now().Add(5 * time.Second); len(lines) < 2 && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		lines = out.lines(t)
	}
	time.Sleep(20 * time.Millisecond) // no third line follows
	byMsg := map[any]map[string]any{}
	for _, l := range out.lines(t) {
		byMsg[l["msg"]] = l
	}
	if len(out.lines(t)) != 2 || len(byMsg) != 2 {
		t.Fatalf("want a warning and an error:\n%s", out.String())
	}
	if w := byMsg["otel_sdk_warning"]; w == nil || w["warning"] != "metric: limit reached (reader=r1, key=REDACTED, odd)" {
		t.Errorf("warning line %v", w)
	}
	if e := byMsg["otel_sdk_error"]; e == nil || e["error"] != "metric: export: boom (reader=r1, n=3)" {
		t.Errorf("error line %v", e)
	}
}

// TestSDKWarningsDuringInitHeld: the SDK's warnings while Init builds the
// providers are held with its errors and replayed as otel_sdk_warning
// lines once the logger exists (or dropped when Init fails before it, as
// OpenTelemetry's default logger drops them).
func TestSDKWarningsDuringInitHeld(t *testing.T) {
	out := &lineBuffer{}
	r := beginInitReports()
	sdkLogger.V(1).Info("Invalid Meter name.", "name", "")
	sdkLogger.Error(errors.New("boom"), "export")
	if out.String() != "" {
		t.Fatalf("written before the replay: %s", out.String())
	}
	r.replay(newRateLimitedHandler(newTestLogger(out), 0), newSDKWarnings(newTestLogger(out), 0), false)
	lines := out.lines(t)
	if len(lines) != 2 || lines[0]["msg"] != "otel_sdk_warning" || lines[0]["warning"] != "Invalid Meter name. (name=)" ||
		lines[1]["msg"] != "otel_sdk_error" || lines[1]["error"] != "export: boom" {
		t.Errorf("replayed %v", lines)
	}

	var stderr bytes.Buffer
	log.SetOutput(&stderr)
	defer log.SetOutput(os.Stderr)
	r = beginInitReports()
	sdkLogger.V(1).Info("a warning")
	sdkLogger.Error(errors.New("boom"), "export")
	r.replay(nil, nil, false)
	if s := stderr.String(); !strings.Contains(s, "export: boom") || strings.Contains(s, "a warning") {
		t.Errorf("without a logger, stderr got %q; want the error only", s)
	}
}

// TestSDKWarningInsideBridgeWrite: a log line over the log record
// attribute limit makes the log SDK warn from inside a process-wide
// sync.Once while the OTLP bridge writes it; the otel_sdk_warning line,
// over the same limit, must not be written there, or the logging call
// waits on that Once for ever. In a process of its own: the Once is
// spent once it has run.
func TestSDKWarningInsideBridgeWrite(t *testing.T) {
	if os.Getenv("OTELKIT_SDKLOG_CHILD") == "1" {
		sdkLogChild()
		return
	}
	cmd := childTest(t, "TestSDKWarningInsideBridgeWrite", "OTELKIT_SDKLOG_CHILD=1", "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT=1")
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "logged and shut down") || !strings.Contains(string(out), "otel_sdk_warning") {
		t.Fatalf("child: %v (a deadline here means the logging call hung):\n%s", err, out)
	}
}

func sdkLogChild() {
	tel, err := Init(context.Background(), WithServiceName("child"), WithTracesExporter("none"), WithMetricsExporter("none"),
		WithLogsExporter("console"), WithoutRuntimeMetrics(), WithLogFormat("json"), WithLogOutput(os.Stdout))
	if err != nil {
		fmt.Println(err)
		os.Exit(3)
	}
	tel.Logger().Info("over_the_limit", zap.String("a", "1"), zap.String("b", "2"))
	tel.Logger().Info("again", zap.String("a", "1"), zap.String("b", "2"))
	time.Sleep(100 * time.Millisecond) // the warning's own goroutine
	_ = tel.Shutdown(context.Background())
	fmt.Println("logged and shut down")
	os.Exit(0)
}

// TestInitReportsPastTheCapCountedApart: past what an Init holds, the
// SDK's warnings and errors are counted apart, each in a line of its own
// kind (warnings were counted as errors).
func TestInitReportsPastTheCapCountedApart(t *testing.T) {
	out := &lineBuffer{}
	r := beginInitReports()
	for range maxInitReports + 3 {
		sdkLogger.V(1).Info("a warning")
	}
	sdkLogger.Error(errors.New("boom"), "export")
	sdkLogger.Error(errors.New("boom"), "export")
	r.replay(newRateLimitedHandler(newTestLogger(out), 0), newSDKWarnings(newTestLogger(out), 0), false)
	var warned, errored bool
	for _, l := range out.lines(t) {
		warned = warned || l["warning"] == "otelkit: further SDK warnings during Init were not kept: 3"
		errored = errored || l["error"] == "otelkit: further SDK errors during Init were not kept: 2"
	}
	if !warned || !errored {
		t.Errorf("want the 3 warnings and 2 errors not kept counted apart:\n%s", out.String())
	}
}
