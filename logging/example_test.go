package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// exampleLogger is deterministic: fixed clock, no caller, stdout.
func exampleLogger(opts ...logging.Option) *logging.Logger {
	base := []logging.Option{
		logging.WithFormat("json"),
		logging.WithOutput(os.Stdout),
		logging.WithClock(fixedClock{time.Date(2025, 1, 2, 3, 4, 5, 600000000, time.UTC)}),
		logging.WithoutCaller(),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }),
	}
	l, err := logging.New(append(base, opts...)...)
	if err != nil {
		panic(err)
	}
	return l
}

// exampleResource stands in for the resource otel.Init builds.
func exampleResource() *resource.Resource {
	return resource.NewSchemaless(
		attribute.String("service.name", "checkout"),
		attribute.String("service.version", "1.4.2"),
		attribute.String("deployment.environment.name", "prod"),
	)
}

// exampleSpan stands in for the server span the middleware starts.
func exampleSpan() context.Context {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
	}))
}

func ExampleFromContext() {
	l := exampleLogger()
	ctx := logging.NewContext(exampleSpan(), l.Zap())
	ctx = logging.With(ctx, zap.String("request_id", "req-1"))

	logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "42"))
	// Output:
	// {"time":"2025-01-02T03:04:05.600000000Z","level":"info","msg":"order_loaded","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01","request_id":"req-1","order_id":"42"}
}

func ExampleWith() {
	l := exampleLogger()
	ctx := logging.NewContext(context.Background(), l.Zap())
	ctx = logging.With(ctx, zap.String("tenant", "acme"))

	logging.FromContext(ctx).Info("cart_updated", zap.Int("items", 2))
	// Output:
	// {"time":"2025-01-02T03:04:05.600000000Z","level":"info","msg":"cart_updated","tenant":"acme","items":2}
}

func ExampleErr() {
	l := exampleLogger()
	l.Zap().Warn("payment_retry", logging.Err(errors.New("card declined")))
	// Output:
	// {"time":"2025-01-02T03:04:05.600000000Z","level":"warn","msg":"payment_retry","error":"card declined","error_type":"*errors.errorString"}
}

func ExampleWithProfile_gcp() {
	l := exampleLogger(logging.WithProfile("gcp"), logging.WithGCPProject("shop-prod"), logging.WithResource(exampleResource()))
	logging.FromContext(logging.NewContext(exampleSpan(), l.Zap())).Info("order_loaded")
	// Output:
	// {"time":"2025-01-02T03:04:05.600000000Z","severity":"INFO","message":"order_loaded","logging.googleapis.com/labels":{"service.name":"checkout","service.version":"1.4.2","deployment.environment.name":"prod"},"logging.googleapis.com/trace":"projects/shop-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736","logging.googleapis.com/spanId":"00f067aa0ba902b7","logging.googleapis.com/trace_sampled":true}
}

func ExampleWithProfile_ecs() {
	var buf bytes.Buffer
	l := exampleLogger(logging.WithProfile("ecs"), logging.WithOutput(zapcore.AddSync(&buf)), logging.WithResource(exampleResource()))
	logging.FromContext(logging.NewContext(exampleSpan(), l.Zap())).Error("order_failed", logging.Err(errors.New("out of stock")))

	// An error line carries a stack trace, which varies: print the rest.
	var m map[string]any
	_ = json.Unmarshal(buf.Bytes(), &m)
	for _, k := range []string{"@timestamp", "log.level", "message", "service.name", "service.version", "service.environment",
		"event.dataset", "trace.id", "span.id", "error.message", "error.type"} {
		fmt.Printf("%s=%v\n", k, m[k])
	}
	_, hasStack := m["error.stack_trace"]
	fmt.Println("error.stack_trace present:", hasStack)
	// Output:
	// @timestamp=2025-01-02T03:04:05.600000000Z
	// log.level=error
	// message=order_failed
	// service.name=checkout
	// service.version=1.4.2
	// service.environment=prod
	// event.dataset=checkout.log
	// trace.id=4bf92f3577b34da6a3ce929d0e0e4736
	// span.id=00f067aa0ba902b7
	// error.message=out of stock
	// error.type=*errors.errorString
	// error.stack_trace present: true
}

func ExampleWithProfile_datadog() {
	l := exampleLogger(logging.WithProfile("datadog"), logging.WithResource(exampleResource()))
	logging.FromContext(logging.NewContext(exampleSpan(), l.Zap())).Info("order_loaded")
	// Output:
	// {"timestamp":"2025-01-02T03:04:05.600000000Z","status":"info","message":"order_loaded","dd.service":"checkout","dd.env":"prod","dd.version":"1.4.2","dd.trace_id":"11803532876627986230","dd.span_id":"67667974448284343"}
}

func ExampleLogger_Slog() {
	var buf bytes.Buffer
	l := exampleLogger(logging.WithOutput(zapcore.AddSync(&buf)))
	ctx := logging.With(logging.NewContext(exampleSpan(), l.Zap()), zap.String("request_id", "req-2"))
	l.Slog().InfoContext(ctx, "slog_line", "user", "bob")

	// slog stamps its own time: print the correlated fields.
	var m map[string]any
	_ = json.Unmarshal(buf.Bytes(), &m)
	for _, k := range []string{"msg", "trace_id", "span_id", "trace_flags", "request_id", "user"} {
		fmt.Printf("%s=%v\n", k, m[k])
	}
	// Output:
	// msg=slog_line
	// trace_id=4bf92f3577b34da6a3ce929d0e0e4736
	// span_id=00f067aa0ba902b7
	// trace_flags=01
	// request_id=req-2
	// user=bob
}

func ExampleLogger_LevelHandler() {
	l := exampleLogger()
	h := l.LevelHandler()

	req := httptest.NewRequestWithContext(context.Background(), http.MethodPut, "http://localhost:9091/debug/level", strings.NewReader(`{"level":"debug"}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body.String())
	fmt.Println(l.Level())
	// Output:
	// 200 {"level":"debug"}
	// debug
}

// A field named like a key the line writes itself is renamed with "_"
// appended, so the line keeps its own level and trace ID.
func Example_reservedKeys() {
	l := exampleLogger()
	logging.FromContext(logging.NewContext(exampleSpan(), l.Zap())).Info("imported",
		zap.String("level", "gold"), zap.String("trace_id", "from-upstream"))
	// Output:
	// {"time":"2025-01-02T03:04:05.600000000Z","level":"info","msg":"imported","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01","level_":"gold","trace_id_":"from-upstream"}
}
