package collector_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otlplog "go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testkit/collector"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const waitFor = 15 * time.Second

func testResource(t *testing.T, service string) *resource.Resource {
	t.Helper()
	return resource.NewSchemaless(attribute.String("service.name", service))
}

// sendSpans exports a server span with a child, an event and an error
// status through exp, and returns the two span contexts.
func sendSpans(t *testing.T, exp sdktrace.SpanExporter, service, name string) (parent, child trace.SpanContext) {
	t.Helper()
	ctx := context.Background()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(testResource(t, service)))
	tr := tp.Tracer("otelkit/testkit-collector-test", trace.WithInstrumentationVersion("1.2.3"))
	ctx, sp := tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.route", "/orders/{id}"), attribute.Int("n", 42),
			attribute.Bool("ok", true), attribute.Float64("f", 1.5), attribute.StringSlice("list", []string{"a", "b"})))
	_, ch := tr.Start(ctx, name+"-child")
	ch.End()
	sp.AddEvent("exception", trace.WithAttributes(attribute.String("exception.message", "boom")))
	sp.SetStatus(codes.Error, "it failed")
	sp.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown tracer provider: %v", err)
	}
	return sp.SpanContext(), ch.SpanContext()
}

func findSpan(spans []collector.Span, name string) (collector.Span, bool) {
	for _, s := range spans {
		if s.Name == name {
			return s, true
		}
	}
	return collector.Span{}, false
}

func TestSpansOverGRPCAndHTTP(t *testing.T) {
	col := collector.Start(t)
	if !strings.HasPrefix(col.GRPCEndpoint(), "127.0.0.1:") {
		t.Errorf("GRPCEndpoint() = %q, want 127.0.0.1:PORT", col.GRPCEndpoint())
	}
	if !strings.HasPrefix(col.HTTPEndpoint(), "http://127.0.0.1:") {
		t.Errorf("HTTPEndpoint() = %q, want http://127.0.0.1:PORT", col.HTTPEndpoint())
	}
	ctx := context.Background()

	grpcExp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(col.GRPCEndpoint()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	gParent, gChild := sendSpans(t, grpcExp, "svc-grpc", "over-grpc")

	httpExp, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpoint(strings.TrimPrefix(col.HTTPEndpoint(), "http://")), otlptracehttp.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	hParent, _ := sendSpans(t, httpExp, "svc-http", "over-http")

	spans := col.WaitSpans(t, waitFor, func(s []collector.Span) bool {
		_, a := findSpan(s, "over-grpc-child")
		_, b := findSpan(s, "over-http")
		return a && b
	})

	for _, tc := range []struct {
		name, service string
		sc            trace.SpanContext
	}{
		{"over-grpc", "svc-grpc", gParent},
		{"over-http", "svc-http", hParent},
	} {
		s, ok := findSpan(spans, tc.name)
		if !ok {
			t.Fatalf("span %q missing", tc.name)
		}
		if s.TraceID != tc.sc.TraceID().String() || s.SpanID != tc.sc.SpanID().String() {
			t.Errorf("%s: ids = %s/%s, want %s/%s", tc.name, s.TraceID, s.SpanID, tc.sc.TraceID(), tc.sc.SpanID())
		}
		if s.ParentSpanID != "" {
			t.Errorf("%s: parent = %q, want root", tc.name, s.ParentSpanID)
		}
		if s.Resource["service.name"] != tc.service {
			t.Errorf("%s: resource service.name = %v, want %s", tc.name, s.Resource["service.name"], tc.service)
		}
		if s.Scope != (collector.Scope{Name: "otelkit/testkit-collector-test", Version: "1.2.3"}) {
			t.Errorf("%s: scope = %+v", tc.name, s.Scope)
		}
		if s.Kind != "server" || s.StatusCode != "error" || s.StatusMessage != "it failed" {
			t.Errorf("%s: kind/status = %s/%s/%q, want server/error/\"it failed\"", tc.name, s.Kind, s.StatusCode, s.StatusMessage)
		}
		wantAttrs := map[string]any{"http.route": "/orders/{id}", "n": int64(42), "ok": true, "f": 1.5}
		for k, v := range wantAttrs {
			if s.Attributes[k] != v {
				t.Errorf("%s: attribute %s = %#v, want %#v", tc.name, k, s.Attributes[k], v)
			}
		}
		if l, _ := s.Attributes["list"].([]any); len(l) != 2 || l[0] != "a" || l[1] != "b" {
			t.Errorf("%s: attribute list = %#v, want [a b]", tc.name, s.Attributes["list"])
		}
		if len(s.Events) != 1 || s.Events[0].Name != "exception" || s.Events[0].Attributes["exception.message"] != "boom" || s.Events[0].Time.IsZero() {
			t.Errorf("%s: events = %+v", tc.name, s.Events)
		}
		if s.Start.IsZero() || s.End.Before(s.Start) || time.Since(s.Start) > time.Minute {
			t.Errorf("%s: start/end = %v/%v", tc.name, s.Start, s.End)
		}
	}
	child, _ := findSpan(spans, "over-grpc-child")
	if child.TraceID != gParent.TraceID().String() || child.SpanID != gChild.SpanID().String() ||
		child.ParentSpanID != gParent.SpanID().String() || child.Kind != "internal" || child.StatusCode != "unset" {
		t.Errorf("child span = %+v, want trace %s span %s parent %s kind internal status unset",
			child, gParent.TraceID(), gChild.SpanID(), gParent.SpanID())
	}
}

func TestMetricsAndLogs(t *testing.T) {
	col := collector.Start(t)
	ctx := context.Background()

	// A sampled span so that the histogram records an exemplar and the log
	// record carries trace context.
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(ctx)
	ctx, span := tp.Tracer("t").Start(ctx, "work")
	sc := span.SpanContext()

	mexp, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(col.GRPCEndpoint()), otlpmetricgrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewPeriodicReader(mexp, sdkmetric.WithInterval(time.Hour))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(testResource(t, "svc-metrics")))
	meter := mp.Meter("otelkit/test")
	hist, err := meter.Float64Histogram("http.server.request.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.1, 1))
	if err != nil {
		t.Fatal(err)
	}
	counter, err := meter.Int64Counter("jobs")
	if err != nil {
		t.Fatal(err)
	}
	route := metric.WithAttributes(attribute.String("http.route", "/orders/{id}"))
	hist.Record(ctx, 0.05, route)
	hist.Record(ctx, 0.5, route)
	counter.Add(ctx, 3)
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown meter provider: %v", err)
	}

	lexp, err := otlplog.New(ctx, otlplog.WithEndpoint(strings.TrimPrefix(col.HTTPEndpoint(), "http://")), otlplog.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(lexp)),
		sdklog.WithResource(testResource(t, "svc-logs")))
	var rec log.Record
	rec.SetSeverity(log.SeverityWarn)
	rec.SetSeverityText("WARN")
	rec.SetBody(attribute.StringValue("order_loaded"))
	rec.AddAttributes(attribute.String("order_id", "42"), attribute.Int64("n", 7))
	lp.Logger("otelkit/test").Emit(ctx, rec)
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown logger provider: %v", err)
	}
	span.End()

	metrics := col.WaitMetrics(t, waitFor, func(ms []collector.Metric) bool { return len(ms) >= 2 })
	byName := map[string]collector.Metric{}
	for _, m := range metrics {
		byName[m.Name] = m
	}
	h := byName["http.server.request.duration"]
	if h.Type != "histogram" || h.Unit != "s" || h.Temporality != "cumulative" || len(h.DataPoints) != 1 {
		t.Fatalf("histogram = %+v", h)
	}
	dp := h.DataPoints[0]
	if dp.Count != 2 || dp.Sum != 0.55 || dp.Min != 0.05 || dp.Max != 0.5 ||
		len(dp.Bounds) != 2 || len(dp.BucketCounts) != 3 || dp.BucketCounts[0] != 1 || dp.BucketCounts[1] != 1 {
		t.Errorf("histogram point = %+v", dp)
	}
	if dp.Attributes["http.route"] != "/orders/{id}" {
		t.Errorf("histogram attributes = %v", dp.Attributes)
	}
	if len(dp.Exemplars) == 0 {
		t.Errorf("histogram has no exemplars")
	}
	for _, ex := range dp.Exemplars {
		if ex.TraceID != sc.TraceID().String() || ex.SpanID != sc.SpanID().String() {
			t.Errorf("exemplar ids = %s/%s, want %s/%s", ex.TraceID, ex.SpanID, sc.TraceID(), sc.SpanID())
		}
	}
	c := byName["jobs"]
	if c.Type != "sum" || !c.Monotonic || len(c.DataPoints) != 1 || c.DataPoints[0].Value != 3 || c.Resource["service.name"] != "svc-metrics" {
		t.Errorf("counter = %+v", c)
	}

	logs := col.WaitLogs(t, waitFor, func(ls []collector.LogRecord) bool { return len(ls) > 0 })
	l := logs[0]
	if l.Body != "order_loaded" || l.SeverityText != "WARN" || l.SeverityNumber != int(log.SeverityWarn) ||
		l.TraceID != sc.TraceID().String() || l.SpanID != sc.SpanID().String() ||
		l.Attributes["order_id"] != "42" || l.Attributes["n"] != int64(7) ||
		l.Resource["service.name"] != "svc-logs" || l.Scope.Name != "otelkit/test" || l.Flags != 1 {
		t.Errorf("log record = %+v", l)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  batch:
exporters:
  debug:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [debug]
`)
	if err := collector.Validate(t, good); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"unknown-component.yaml", `
receivers:
  zipkin:
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [zipkin], exporters: [debug]}
`, "zipkin"},
		{"bad-setting.yaml", `
receivers:
  otlp:
    protocols:
      grpc:
        no_such_setting: 1
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`, "no_such_setting"},
		{"not-yaml.yaml", "receivers: [", "yaml"},
	} {
		err := collector.Validate(t, write(tc.name, tc.body))
		if err == nil {
			t.Errorf("Validate(%s) = nil, want an error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%s) = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	if err := collector.Validate(t, filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("Validate(missing file) = nil, want an error")
	}
}

func TestBinaryOverride(t *testing.T) {
	bin := collector.Binary(t)
	t.Setenv(collector.EnvBinary, bin)
	if got := collector.Binary(t); got != bin {
		t.Errorf("Binary() with %s=%s = %s", collector.EnvBinary, bin, got)
	}
}

func TestWithConfig(t *testing.T) {
	var got [2]string
	col := collector.Start(t, collector.WithConfig(func(grpcAddr, httpAddr string) string {
		got = [2]string{grpcAddr, httpAddr}
		return `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "` + grpcAddr + `"}
      http: {endpoint: "` + httpAddr + `"}
exporters:
  debug:
    verbosity: detailed
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`
	}))
	if got[0] != col.GRPCEndpoint() || "http://"+got[1] != col.HTTPEndpoint() {
		t.Errorf("render got %v, endpoints are %s and %s", got, col.GRPCEndpoint(), col.HTTPEndpoint())
	}
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(col.GRPCEndpoint()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	sendSpans(t, exp, "svc", "to-debug")
	deadline := time.Now().Add(waitFor)
	for !strings.Contains(col.Output(), "to-debug") {
		if time.Now().After(deadline) {
			t.Fatalf("debug exporter never printed the span; output:\n%s", col.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s, err := col.Spans(); err != nil || len(s) != 0 {
		t.Errorf("Spans() with a custom config = %v, %v; want none", s, err)
	}
}

// TestRestartKeepsPortsAndData: after Stop the ports refuse connections;
// Restart brings the collector back on the same ports, and what arrived
// before and after the restart is read back (the files are appended to).
func TestRestartKeepsPortsAndData(t *testing.T) {
	col := collector.Start(t)
	grpcAddr, httpAddr := col.GRPCEndpoint(), col.HTTPEndpoint()
	send := func(name string) {
		t.Helper()
		exp, err := otlptracehttp.New(context.Background(),
			otlptracehttp.WithEndpoint(strings.TrimPrefix(col.HTTPEndpoint(), "http://")), otlptracehttp.WithInsecure())
		if err != nil {
			t.Fatal(err)
		}
		sendSpans(t, exp, "svc", name)
	}
	send("before")
	col.WaitSpans(t, waitFor, func(s []collector.Span) bool { _, ok := findSpan(s, "before"); return ok })

	col.Stop(t)
	for _, addr := range []string{grpcAddr, strings.TrimPrefix(httpAddr, "http://")} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			t.Errorf("%s accepts connections after Stop", addr)
		}
	}
	col.Stop(t) // a second Stop does nothing

	col.Restart(t)
	if col.GRPCEndpoint() != grpcAddr || col.HTTPEndpoint() != httpAddr {
		t.Errorf("endpoints after Restart = %s, %s; want %s, %s", col.GRPCEndpoint(), col.HTTPEndpoint(), grpcAddr, httpAddr)
	}
	send("after")
	spans := col.WaitSpans(t, waitFor, func(s []collector.Span) bool { _, ok := findSpan(s, "after"); return ok })
	if _, ok := findSpan(spans, "before"); !ok {
		t.Errorf("the span received before the restart is gone: %d spans read", len(spans))
	}
}
