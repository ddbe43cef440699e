package grpcmw

import (
	"testing"

	"google.golang.org/grpc"
	testpb "google.golang.org/grpc/interop/grpc_testing"
)

// Two sets of ServerOptions on one server (two loggers, say) keep their
// RPC states apart: each writes its own access line and recovers nothing
// twice.
func TestServerOptionsTwice(t *testing.T) {
	a, b := newTestEnv(t), newTestEnv(t)
	opts := append(ServerOptions(a.opts()...), ServerOptions(b.opts()...)...)
	s := serve(t, opts, func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
	c := testpb.NewTestServiceClient(s.conn)
	if _, err := c.UnaryCall(withMD(RequestIDMetadataKey, "req-twice"), &testpb.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	_, _ = c.UnaryCall(withMD(RequestIDMetadataKey, "req-panic"), &testpb.SimpleRequest{FillUsername: true})
	for name, e := range map[string]*testEnv{"first": a, "second": b} {
		lines := e.accessLines(t, 2)
		if byRequestID(t, lines, "req-twice")["code"] != "OK" || byRequestID(t, lines, "req-panic")["code"] != "INTERNAL" {
			t.Errorf("%s: access lines %v", name, lines)
		}
		e.ended(t, 2)
	}
	// The innermost interceptor (the second set's) recovers the panic.
	if n := len(b.linesWithMsg(t, "panic_recovered")); n != 1 {
		t.Errorf("%d panic_recovered lines from the second set", n)
	}
}
