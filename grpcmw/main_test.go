package grpcmw

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/test/bufconn"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testEnv holds in-memory trace, metric and log sinks.
type testEnv struct {
	sr     *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	out    *logbuf.Buffer
	log    *zap.Logger
}

func jsonEncoderConfig() zapcore.EncoderConfig {
	return zapcore.EncoderConfig{
		TimeKey: "time", LevelKey: "level", MessageKey: "msg", CallerKey: "caller",
		StacktraceKey:  "stacktrace",
		EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
		EncodeLevel:    zapcore.LowercaseLevelEncoder,
		EncodeCaller:   zapcore.ShortCallerEncoder,
		EncodeDuration: zapcore.StringDurationEncoder,
	}
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	e := &testEnv{sr: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader(), out: &logbuf.Buffer{}}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.sr))
	e.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	e.log = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), e.out, zapcore.DebugLevel), zap.AddCaller())
	t.Cleanup(func() {
		_ = e.tp.Shutdown(context.Background())
		_ = e.mp.Shutdown(context.Background())
	})
	return e
}

var testPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

func (e *testEnv) opts(extra ...Option) []Option {
	return append([]Option{
		WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(e.log), WithPropagators(testPropagator),
	}, extra...)
}

func (e *testEnv) lines(t testing.TB) []map[string]any { return e.out.JSONLines(t) }

func (e *testEnv) linesWithMsg(t testing.TB, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range e.lines(t) {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

func (e *testEnv) oneLine(t testing.TB, msg string) map[string]any {
	t.Helper()
	ls := e.linesWithMsg(t, msg)
	if len(ls) != 1 {
		t.Fatalf("want one %q line, got %d:\n%s", msg, len(ls), e.out.String())
	}
	return ls[0]
}

// ended waits until n spans have ended (a server span ends when grpc reports
// the RPC's end, which may come just after the client has its answer) and
// returns them.
func (e *testEnv) ended(t testing.TB, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		spans := e.sr.Ended()
		if len(spans) >= n || time.Now().After(deadline) {
			if len(spans) != n {
				t.Fatalf("want %d ended spans, got %d: %v", n, len(spans), spanNames(spans))
			}
			return spans
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// endedOfKind waits for n ended spans (ended) and returns the one of kind.
func (e *testEnv) endedOfKind(t testing.TB, n int, kind trace.SpanKind) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, sp := range e.ended(t, n) {
		if sp.SpanKind() == kind {
			return sp
		}
	}
	t.Fatalf("no %s span among the %d ended", kind, n)
	return nil
}

// accessLines waits until n grpc_request lines are written and returns them.
func (e *testEnv) accessLines(t testing.TB, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ls := e.linesWithMsg(t, "grpc_request")
		if len(ls) >= n || time.Now().After(deadline) {
			if len(ls) != n {
				t.Fatalf("want %d grpc_request lines, got %d:\n%s", n, len(ls), e.out.String())
			}
			return ls
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

func spanAttr(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// durationSeries returns the attribute sets of the named duration
// histogram once it has at least want of them, or after 5 s: otelgrpc
// records an RPC's duration after the span has ended and the response is
// on its way, so a test that saw the span may be there first.
func (e *testEnv) durationSeries(t testing.TB, name string, want int) []attribute.Set {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		sets := e.collectSeries(t, name)
		if len(sets) >= want || time.Now().After(deadline) {
			return sets
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// collectSeries returns the attribute sets of the named duration histogram.
func (e *testEnv) collectSeries(t testing.TB, name string) []attribute.Set {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var sets []attribute.Set
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				t.Fatalf("%s data is %T", name, m.Data)
			}
			for _, dp := range h.DataPoints {
				sets = append(sets, dp.Attributes)
			}
		}
	}
	return sets
}

// served is a gRPC server on an in-memory listener and a connection to it.
type served struct {
	srv  *grpc.Server
	conn *grpc.ClientConn
	ln   *bufconn.Listener
}

// serve starts srv (its services registered by register) on a bufconn
// listener and dials it with dial; both stop at the end of the test.
func serve(t testing.TB, serverOpts []grpc.ServerOption, register func(*grpc.Server), dial ...grpc.DialOption) *served {
	t.Helper()
	s := &served{srv: grpc.NewServer(serverOpts...), ln: bufconn.Listen(1 << 20)}
	register(s.srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(s.ln)
	}()
	conn, err := grpc.NewClient("passthrough:///bufconn", append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return s.ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, dial...)...)
	if err != nil {
		t.Fatal(err)
	}
	s.conn = conn
	t.Cleanup(func() {
		_ = conn.Close()
		s.srv.Stop()
		<-done
	})
	return s
}

// serveTest serves testService with grpcmw's options from e and extra.
func (e *testEnv) serveTest(t testing.TB, svc testpb.TestServiceServer, extra ...Option) testpb.TestServiceClient {
	t.Helper()
	s := serve(t, ServerOptions(e.opts(extra...)...), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, svc) })
	return testpb.NewTestServiceClient(s.conn)
}

var _ = io.EOF

func attributeKey(s string) attribute.Key { return attribute.Key(s) }

// waitFor polls cond for up to 5 seconds.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// spanNamed returns the one ended span named name.
func (e *testEnv) spanNamed(t testing.TB, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	waitFor(t, func() bool {
		found = found[:0]
		for _, s := range e.sr.Ended() {
			if s.Name() == name {
				found = append(found, s)
			}
		}
		return len(found) >= 1
	})
	if len(found) != 1 {
		t.Fatalf("%d spans named %q", len(found), name)
	}
	return found[0]
}

// byRequestID returns the access line of the RPC with request ID id.
func byRequestID(t testing.TB, lines []map[string]any, id string) map[string]any {
	t.Helper()
	for _, l := range lines {
		if l["request_id"] == id {
			return l
		}
	}
	t.Fatalf("no line with request_id %q in %v", id, lines)
	return nil
}

// spanWithID returns the span whose span ID is id (hex).
func spanWithID(t testing.TB, spans []sdktrace.ReadOnlySpan, id any) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range spans {
		if s.SpanContext().SpanID().String() == id {
			return s
		}
	}
	t.Fatalf("no span with ID %v among %v", id, spanNames(spans))
	return nil
}
