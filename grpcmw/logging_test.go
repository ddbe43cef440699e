package grpcmw

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	testpb "google.golang.org/grpc/interop/grpc_testing"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/internal/testutil/logrec"
	"github.com/otelkit/otelkit/logging"
)

// With the logger otel.Init builds (logging.New, here with an OTLP
// bridge), the handler's line and the access line carry the RPC's fields on
// stdout and as OTLP records, which carry the server span's context. (The
// RPC's state is a context.Context; the access line's fields must not be
// taken for one.)
func TestLinesThroughTheOtelkitLogger(t *testing.T) {
	e := newTestEnv(t)
	mem := &logrec.Processor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(mem))
	t.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	var out logbuf.Buffer
	lg, err := logging.New(logging.WithFormat("json"), logging.WithOutput(&out), logging.WithLoggerProvider(lp),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	c := e.serveTest(t, &testService{}, WithLogger(lg.Zap()))
	if _, err := c.UnaryCall(withMD(RequestIDMetadataKey, "req-otelkit", "traceparent", validParent), &testpb.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	s := e.ended(t, 1)[0]
	e.out = &out
	access := e.accessLines(t, 1)[0]
	handler := e.oneLine(t, "unary_called")
	for name, l := range map[string]map[string]any{"grpc_request": access, "unary_called": handler} {
		if l["trace_id"] != traceHex || l["span_id"] != s.SpanContext().SpanID().String() ||
			l["request_id"] != "req-otelkit" || l["rpc_method"] != unaryName {
			t.Errorf("%s line %v", name, l)
		}
	}
	if access["code"] != "OK" || access["duration_ms"] == nil || access["level"] != "info" {
		t.Errorf("access line %v: want code and duration_ms", access)
	}
	for _, msg := range []string{"grpc_request", "unary_called"} {
		recs := mem.WithBody(msg)
		if len(recs) != 1 {
			t.Fatalf("%d OTLP records %q", len(recs), msg)
		}
		r := recs[0]
		if r.TraceID() != s.SpanContext().TraceID() || r.SpanID() != s.SpanContext().SpanID() {
			t.Errorf("%s record in %v/%v, want the server span", msg, r.TraceID(), r.SpanID())
		}
		attrs := map[string]string{}
		r.WalkAttributes(func(kv attribute.KeyValue) bool { attrs[string(kv.Key)] = kv.Value.String(); return true })
		if attrs["request_id"] != "req-otelkit" || attrs["rpc_method"] != unaryName || (msg == "grpc_request" && attrs["code"] != "OK") {
			t.Errorf("%s record attributes %v", msg, attrs)
		}
	}
}
