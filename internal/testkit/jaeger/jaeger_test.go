package jaeger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/testkit/jaeger"
)

// export sends one span of service through Jaeger's OTLP/gRPC receiver, as a
// child of parent when parent is valid, and returns its span context.
func export(t *testing.T, j *jaeger.Jaeger, service string, parent trace.SpanContext, kind trace.SpanKind) trace.SpanContext {
	t.Helper()
	ctx := context.Background()
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPGRPCEndpoint()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
	if parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	_, span := tp.Tracer("testkit-jaeger").Start(ctx, service+"-op", trace.WithSpanKind(kind),
		trace.WithAttributes(attribute.Int("n", 7)))
	span.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	return span.SpanContext()
}

func TestStartAndReadATraceOfTwoServices(t *testing.T) {
	j := jaeger.Start(t)
	front := export(t, j, "front", trace.SpanContext{}, trace.SpanKindClient)
	back := export(t, j, "back", front, trace.SpanKindServer)

	id := front.TraceID().String()
	tr := j.WaitTrace(t, 30*time.Second, id, func(tr jaeger.Trace) bool { return len(tr.Spans) == 2 })
	if got := strings.Join(tr.Services(), ","); got != "back,front" {
		t.Errorf("services = %s, want back,front", got)
	}
	b, ok := tr.Span(back.SpanID().String())
	if !ok || b.ParentSpanID != front.SpanID().String() || b.Kind != "server" || b.Name != "back-op" {
		t.Errorf("back span = %+v, want a server span named back-op under %s", b, front.SpanID())
	}
	if b.Attributes["n"] != int64(7) || b.TraceID != id {
		t.Errorf("back span attributes %v, trace %s", b.Attributes, b.TraceID)
	}
}

func TestTraceNotFoundAndBadIDs(t *testing.T) {
	j := jaeger.Start(t)
	ctx := context.Background()
	_, err := j.Trace(ctx, "0af7651916cd43dd8448eb211c80319c")
	if !errors.Is(err, jaeger.ErrTraceNotFound) {
		t.Errorf("Trace(unknown) = %v, want ErrTraceNotFound", err)
	}
	for _, id := range []string{"", "xyz", "00000000000000000000000000000000"} {
		if _, err := j.Trace(ctx, id); err == nil || errors.Is(err, jaeger.ErrTraceNotFound) {
			t.Errorf("Trace(%q) = %v, want an error about the ID", id, err)
		}
	}
}

// fatalTB records Fatalf instead of stopping the goroutine.
type fatalTB struct {
	testing.TB
	fatal string
}

func (f *fatalTB) Helper()                        {}
func (f *fatalTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }

func TestStartFailureCarriesJaegerOutput(t *testing.T) {
	tb := &fatalTB{TB: t}
	j := jaeger.Start(tb, jaeger.WithStartTimeout(20*time.Second), jaeger.WithConfig(func(a jaeger.Addrs) string {
		return "extensions:\n  jaeger_query:\n    no_such_setting: 1\n"
	}))
	if j != nil || !strings.Contains(tb.fatal, "exited before accepting connections") || !strings.Contains(tb.fatal, "no_such_setting") {
		t.Errorf("Start = %v, fatal %q; want an exit report with Jaeger's complaint", j, tb.fatal)
	}
}

// TestWithConfigGetsTheAddresses runs a configuration that leaves
// jaeger_query's enable_tracing on (the default), with the test's
// environment pointing OTLP exporters at a port where nothing listens: Start
// keeps Jaeger from exporting its own spans, so it stops at once.
func TestWithConfigGetsTheAddresses(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
	t.Setenv("OTEL_TRACES_SAMPLER", "always_on")
	var got jaeger.Addrs
	j := jaeger.Start(t, jaeger.WithConfig(func(a jaeger.Addrs) string {
		got = a
		return fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces: {receivers: [otlp], exporters: [jaeger_storage_exporter]}
  telemetry: {metrics: {level: none}}
extensions:
  jaeger_storage: {backends: {s: {memory: {max_traces: 10}}}}
  jaeger_query: {storage: {traces: s}, http: {endpoint: %q}, grpc: {endpoint: %q}}
receivers:
  otlp: {protocols: {grpc: {endpoint: %q}}}
exporters:
  jaeger_storage_exporter: {trace_storage: s}
`, a.QueryHTTP, a.QueryGRPC, a.OTLPGRPC)
	}))
	if got != j.Addrs() || j.QueryURL() != "http://"+got.QueryHTTP || j.OTLPGRPCEndpoint() != got.OTLPGRPC {
		t.Errorf("render got %+v; Jaeger reports %+v, %s, %s", got, j.Addrs(), j.QueryURL(), j.OTLPGRPCEndpoint())
	}
	for _, a := range []string{got.OTLPGRPC, got.OTLPHTTP, got.QueryHTTP, got.QueryGRPC, got.HealthCheck} {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("address %q is not on loopback", a)
		}
	}
	sc := export(t, j, "solo", trace.SpanContext{}, trace.SpanKindInternal)
	j.WaitTrace(t, 30*time.Second, sc.TraceID().String(), func(tr jaeger.Trace) bool { return len(tr.Spans) == 1 })
	if _, err := j.Trace(context.Background(), sc.TraceID().String()); err != nil { // a traced query
		t.Fatal(err)
	}
}
