package grpcmw

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
)

// Method names and request IDs a client forges cannot break a line or add
// fields: each RPC writes one JSON line whose fields are what grpcmw set.
func TestHostileNamesStayInTheirFields(t *testing.T) {
	e := newTestEnv(t)
	s := serve(t, ServerOptions(e.opts()...), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
	forged := `/made.Up/X","msg":"forged","level":"debug`
	// Control characters and bytes that are not UTF-8 do not get that far:
	// grpc's transport refuses the stream before any stats handler sees
	// it (no span, no line).
	if err := invoke(s.conn, "/made.Up/\x1b[31m\xff", "req-ctl"); status.Code(err) != codes.Internal {
		t.Errorf("a method with control characters: %v", err)
	}
	if err := invoke(s.conn, forged, `id","msg":"forged`); status.Code(err) != codes.Unimplemented {
		t.Errorf("forged method: %v", err)
	}
	l := e.accessLines(t, 1)[0]
	if l["msg"] != "grpc_request" || l["level"] != "error" || l["rpc_method"] != "_OTHER" {
		t.Errorf("access line %v", l)
	}
	orig, _ := l["rpc_method_original"].(string)
	if len(orig) < len(`/made.Up/X","msg":"forged"`) || orig[:len(`/made.Up/X","msg":"forged"`)] != `/made.Up/X","msg":"forged"` {
		t.Errorf("rpc_method_original %q: want the forged name kept, inside its field", orig)
	}
	if !newIDPattern.MatchString(l["request_id"].(string)) {
		t.Errorf("request_id %q: want a new one", l["request_id"])
	}
	e.ended(t, 1)
}
