package grpcmw

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

// Skipped methods are traced and measured but get no access line; the
// handler's own lines stay.
func TestWithSkipMethods(t *testing.T) {
	e := newTestEnv(t)
	c := e.serveTest(t, &testService{}, WithSkipMethods("grpc.testing.TestService/EmptyCall", " ", "/made.Up/X"))
	if _, err := c.EmptyCall(context.Background(), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UnaryCall(context.Background(), &testpb.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	if l := e.accessLines(t, 1)[0]; l["rpc_method"] != unaryName {
		t.Errorf("access line %v", l)
	}
	e.ended(t, 2)
	e.oneLine(t, "empty_called")
	if n := len(e.durationSeries(t, serverMetric, 2)); n != 2 {
		t.Errorf("%d series, want both methods measured", n)
	}
}

// Sampling keeps 1 in n OK lines and every other one.
func TestWithAccessLogSampling(t *testing.T) {
	e := newTestEnv(t)
	c := e.serveTest(t, &testService{}, WithAccessLogSampling(3))
	for range 6 {
		if _, err := c.UnaryCall(context.Background(), &testpb.SimpleRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		_, _ = c.UnaryCall(context.Background(), &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.NotFound)}})
	}
	e.ended(t, 8)
	var ok, notFound int
	for _, l := range e.linesWithMsg(t, "grpc_request") {
		switch l["code"] {
		case "OK":
			ok++
		case "NOT_FOUND":
			notFound++
		}
	}
	if ok != 2 || notFound != 2 {
		t.Errorf("%d OK and %d NOT_FOUND lines, want 2 and 2", ok, notFound)
	}
	if WithAccessLogSampling(-5).apply(config{}).SampleEvery != 1 {
		t.Error("a negative sampling rate is not all lines")
	}
}

func TestWithoutAccessLog(t *testing.T) {
	e := newTestEnv(t)
	c := e.serveTest(t, &testService{}, WithoutAccessLog())
	_, _ = c.UnaryCall(context.Background(), &testpb.SimpleRequest{FillUsername: true})
	e.ended(t, 1)
	if l := e.linesWithMsg(t, "grpc_request"); len(l) != 0 {
		t.Errorf("access lines %v", l)
	}
	e.oneLine(t, "panic_recovered")
}

// A public endpoint starts a new trace linked to the caller's.
func TestWithPublicEndpointFunc(t *testing.T) {
	e := newTestEnv(t)
	var asked []string
	c := e.serveTest(t, &testService{}, WithPublicEndpointFunc(func(_ context.Context, m string) bool {
		asked = append(asked, m)
		return m == "/"+unaryName
	}))
	if _, err := c.UnaryCall(withMD("traceparent", validParent), &testpb.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EmptyCall(withMD("traceparent", validParent), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	pub, inner := e.spanNamed(t, unaryName), e.spanNamed(t, "grpc.testing.TestService/EmptyCall")
	if pub.SpanContext().TraceID().String() == traceHex || len(pub.Links()) != 1 || pub.Links()[0].SpanContext.TraceID().String() != traceHex {
		t.Errorf("public span %v links %v: want a new trace linked to the caller's", pub.SpanContext(), pub.Links())
	}
	if inner.SpanContext().TraceID().String() != traceHex {
		t.Errorf("the other method did not continue the trace")
	}
	if len(asked) != 2 || asked[0] != "/"+unaryName {
		t.Errorf("fn asked with %q", asked)
	}
	e2 := newTestEnv(t)
	c2 := e2.serveTest(t, &testService{}, WithPublicEndpoint())
	if _, err := c2.EmptyCall(withMD("traceparent", validParent), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if s := e2.ended(t, 1)[0]; s.SpanContext().TraceID().String() == traceHex {
		t.Error("WithPublicEndpoint continued the trace")
	}
}

// Without WithLogger, lines go to zap.L() as it is at the RPC; without
// providers, to the globals.
func TestDefaultLoggerIsLookedUpPerRPC(t *testing.T) {
	e := newTestEnv(t)
	c := e.serveTest(t, &testService{}, WithLogger(nil), WithTracerProvider(noop.NewTracerProvider()))
	var out logbuf.Buffer
	undo := zap.ReplaceGlobals(zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), &out, zapcore.InfoLevel)))
	defer undo()
	if _, err := c.UnaryCall(withMD(RequestIDMetadataKey, "req-global"), &testpb.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return logbuf.Find(out.JSONLines(t), "grpc_request") != nil })
	if l := logbuf.Find(out.JSONLines(t), "grpc_request"); l["request_id"] != "req-global" {
		t.Errorf("access line on zap.L(): %v", l)
	}
	if l := logbuf.Find(out.JSONLines(t), "unary_called"); l == nil || l["request_id"] != "req-global" {
		t.Errorf("handler line on zap.L(): %v", l)
	}
}

func TestOptionsIgnoreNil(t *testing.T) {
	c := newConfig([]Option{nil, WithMethods("a.B/C", "/d.E/F", ""), WithMethods("g.H/I")})
	for _, m := range []string{"/a.B/C", "/d.E/F", "/g.H/I"} {
		if _, ok := c.methods[m]; !ok {
			t.Errorf("%s missing from %v", m, c.methods)
		}
	}
	if len(c.methods) != 3 || c.NoAccessLog {
		t.Errorf("config %+v", c)
	}
}

// A typed nil provider or propagator means the default, the global one, as
// nil does, on the server and the client (before, ServerOptions and
// DialOptions panicked inside otelgrpc).
func TestTypedNilProvidersMeanDefault(t *testing.T) {
	e := newTestEnv(t)
	typedNil := []Option{
		WithTracerProvider((*sdktrace.TracerProvider)(nil)), WithMeterProvider((*sdkmetric.MeterProvider)(nil)),
		WithPropagators((*propagation.TraceContext)(nil)),
	}
	s := serve(t, ServerOptions(e.opts(typedNil...)...), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) },
		DialOptions(typedNil...)...)
	if _, err := testpb.NewTestServiceClient(s.conn).UnaryCall(context.Background(), &testpb.SimpleRequest{}); err != nil {
		t.Fatalf("call: %v", err)
	}
	waitFor(t, func() bool { return logbuf.Find(e.out.JSONLines(t), "grpc_request") != nil })
}
