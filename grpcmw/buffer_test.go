package grpcmw

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
)

// debugService writes a debug line before the test service answers.
type debugService struct{ testService }

func (s *debugService) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	logging.FromContext(ctx).Debug("cache_lookup")
	return s.testService.UnaryCall(ctx, req)
}

// Per-request log buffering holds for RPCs as for HTTP requests: an RPC's
// debug lines are dropped and counted when it ends OK, and written, marked
// and with the RPC's fields, right before the access line of one that fails.
func TestLogBufferPerRPC(t *testing.T) {
	e := newTestEnv(t)
	var out logbuf.Buffer
	lg, err := logging.New(logging.WithFormat("json"), logging.WithOutput(&out), logging.WithLevel(zapcore.InfoLevel),
		logging.WithBufferLevel(zapcore.DebugLevel), logging.WithBufferSlow(time.Hour),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	c := e.serveTest(t, &debugService{}, WithLogger(lg.Zap()))
	if _, err := c.UnaryCall(withMD(RequestIDMetadataKey, "ok-1"), &testpb.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	bad := &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.Internal), Message: "broken"}}
	if _, err := c.UnaryCall(withMD(RequestIDMetadataKey, "bad-1"), bad); status.Code(err) != codes.Internal {
		t.Fatalf("failing call returned %v", err)
	}
	e.out = &out
	e.accessLines(t, 2)
	byID := map[string][]map[string]any{}
	for _, l := range e.lines(t) {
		id, _ := l["request_id"].(string)
		byID[id] = append(byID[id], l)
	}
	ok := byID["ok-1"]
	if len(ok) != 2 || ok[0]["msg"] != "unary_called" || ok[1]["msg"] != "grpc_request" || ok[1]["debug_dropped"] != float64(1) {
		t.Errorf("OK RPC: want its info line and an access line counting 1 dropped debug line, got %v", ok)
	}
	failed := byID["bad-1"]
	if len(failed) != 3 {
		t.Fatalf("failed RPC: want 3 lines, got %v", failed)
	}
	// Flushed when the RPC ends: after the handler's info line, before the
	// access line that says why.
	if l := failed[1]; l["msg"] != "cache_lookup" || l["buffered"] != true || l["level"] != "debug" || l["rpc_method"] != unaryName || l["trace_id"] == nil {
		t.Errorf("flushed debug line %v", l)
	}
	if l := failed[2]; l["msg"] != "grpc_request" || l["level"] != "error" || l["code"] != "INTERNAL" || l["debug_flushed"] != float64(1) {
		t.Errorf("failed RPC's access line %v", l)
	}
}
