package grpcmw

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
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

// TestServerOptionsTwiceOneRequestID: two sets of ServerOptions on one
// server give an RPC one request ID, not one each: the client gets it once
// in the response header, and both sets' lines carry it, whether the
// client sent one or the first set made it.
func TestServerOptionsTwiceOneRequestID(t *testing.T) {
	for _, sent := range []string{"", "req-sent"} {
		a, b := newTestEnv(t), newTestEnv(t)
		opts := append(ServerOptions(a.opts()...), ServerOptions(b.opts()...)...)
		s := serve(t, opts, func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
		ctx := context.Background()
		if sent != "" {
			ctx = withMD(RequestIDMetadataKey, sent)
		}
		var hdr metadata.MD
		if _, err := testpb.NewTestServiceClient(s.conn).EmptyCall(ctx, &testpb.Empty{}, grpc.Header(&hdr)); err != nil {
			t.Fatal(err)
		}
		ids := hdr.Get(RequestIDMetadataKey)
		if len(ids) != 1 || (sent != "" && ids[0] != sent) {
			t.Fatalf("sent %q: response header x-request-id %q, want one value", sent, ids)
		}
		for name, e := range map[string]*testEnv{"first": a, "second": b} {
			if l := e.accessLines(t, 1)[0]; l["request_id"] != ids[0] {
				t.Errorf("sent %q: %s set's access line has request_id %v, the client got %q", sent, name, l["request_id"], ids[0])
			}
			e.ended(t, 1)
		}
	}
}
