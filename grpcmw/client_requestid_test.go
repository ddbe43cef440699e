package grpcmw

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
)

// ridSeen is what a backend behind ServerOptions saw of one RPC: the raw
// x-request-id values and the request ID the server bound.
type ridSeen struct {
	raw []string
	id  string
}

// ridBackend reports what it sees of each EmptyCall on seen.
type ridBackend struct {
	testpb.UnimplementedTestServiceServer
	seen chan ridSeen
}

func (b ridBackend) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	b.seen <- ridSeen{raw: metadata.ValueFromIncomingContext(ctx, RequestIDMetadataKey), id: RequestID(ctx)}
	return &testpb.Empty{}, nil
}

// ridGateway copies its caller's incoming metadata to the call it makes
// to backend, as gateways do, and reports its own request ID and the
// call's error on hops.
type ridGateway struct {
	testpb.UnimplementedTestServiceServer
	backend testpb.TestServiceClient
	hops    chan ridHop
}

type ridHop struct {
	id  string
	err error
}

func (g ridGateway) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	in, _ := metadata.FromIncomingContext(ctx)
	out := metadata.MD{}
	for k, v := range in {
		if !strings.HasPrefix(k, ":") && k != "content-type" && k != "user-agent" {
			out[k] = v
		}
	}
	_, err := g.backend.EmptyCall(metadata.NewOutgoingContext(ctx, out), &testpb.Empty{})
	g.hops <- ridHop{RequestID(ctx), err}
	return &testpb.Empty{}, nil
}

// serveRIDBackend serves a ridBackend with ServerOptions and returns a
// client of it made with DialOptions.
func (e *testEnv) serveRIDBackend(t *testing.T) (testpb.TestServiceClient, <-chan ridSeen) {
	t.Helper()
	seen := make(chan ridSeen, 1)
	return e.serveWithClient(t, ridBackend{seen: seen}), seen
}

// callWithIDs calls EmptyCall with ids as x-request-id values added to
// ctx's outgoing metadata, and returns the x-request-id the server answered.
func callWithIDs(t *testing.T, c testpb.TestServiceClient, ctx context.Context, ids []string) []string {
	t.Helper()
	for _, id := range ids {
		ctx = metadata.AppendToOutgoingContext(ctx, RequestIDMetadataKey, id)
	}
	var hdr metadata.MD
	if _, err := c.EmptyCall(ctx, &testpb.Empty{}, grpc.Header(&hdr)); err != nil {
		t.Fatal(err)
	}
	return hdr.Get(RequestIDMetadataKey)
}

// A gateway behind ServerOptions that copies its caller's metadata to the
// call it makes with DialOptions: a valid x-request-id goes through; any
// other the gateway's server refused is replaced, on the way out, by the
// ID the gateway made, so the backend carries the gateway's ID.
func TestClientRequestIDAcrossAGateway(t *testing.T) {
	e := newTestEnv(t)
	backend, atBackend := e.serveRIDBackend(t)
	hops := make(chan ridHop, 1)
	gw := serve(t, ServerOptions(e.opts()...), func(srv *grpc.Server) {
		testpb.RegisterTestServiceServer(srv, ridGateway{backend: backend, hops: hops})
	})
	gateway := testpb.NewTestServiceClient(gw.conn) // a plain client: no DialOptions
	for _, tc := range []struct {
		name string
		ids  []string
		keep bool // the gateway and the backend keep the client's one ID
	}{
		{"valid", []string{"edge-42"}, true},
		{"bad bytes", []string{"edge 42"}, false},
		{"too long", []string{strings.Repeat("a", 129)}, false},
		{"several", []string{"edge-1", "edge-2"}, false},
		{"repeated", []string{"edge-1", "edge-1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			callWithIDs(t, gateway, context.Background(), tc.ids)
			h := <-hops
			if h.err != nil {
				t.Fatalf("gateway's call: %v", h.err)
			}
			b := <-atBackend
			if tc.keep && h.id != tc.ids[0] {
				t.Fatalf("gateway made %q, want the client's %q kept", h.id, tc.ids[0])
			}
			if !tc.keep && !newIDPattern.MatchString(h.id) {
				t.Fatalf("gateway kept %q, want a new ID", h.id)
			}
			if !slices.Equal(b.raw, []string{h.id}) || b.id != h.id {
				t.Errorf("backend got x-request-id %q and bound %q; want the gateway's %q", b.raw, b.id, h.id)
			}
		})
	}
}

// With no request ID in the context, DialOptions has nothing better to
// send, so the values the caller set go out as they are, valid or not; an
// invalid one is then the server's to refuse: it makes an ID of its own
// and answers with it.
func TestClientRequestIDWithoutContextID(t *testing.T) {
	e := newTestEnv(t)
	backend, atBackend := e.serveRIDBackend(t)
	for _, ids := range [][]string{{"edge-42"}, {"edge 42"}, {"edge-1", "edge-2"}} {
		answered := callWithIDs(t, backend, context.Background(), ids)
		b := <-atBackend
		if !slices.Equal(b.raw, ids) {
			t.Errorf("sent %q: backend got %q, want the caller's values as they were", ids, b.raw)
		}
		want := ids[0]
		if len(ids) != 1 || strings.Contains(want, " ") {
			want = b.id // a new one, checked here
			if !newIDPattern.MatchString(b.id) {
				t.Errorf("sent %q: backend bound %q, want a new ID", ids, b.id)
			}
		}
		if b.id != want || !slices.Equal(answered, []string{want}) {
			t.Errorf("sent %q: backend bound %q and answered %q, want %q", ids, b.id, answered, want)
		}
	}
}

// Outside a gateway (a job with ContextWithRequestID), one valid ID the
// caller set wins over the context's; an invalid one, or several, are
// replaced by it, also when the first of several is the context's own or
// a valid one.
func TestClientExplicitRequestIDOverContext(t *testing.T) {
	e := newTestEnv(t)
	backend, atBackend := e.serveRIDBackend(t)
	ctx := ContextWithRequestID(context.Background(), "job-7")
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{[]string{"explicit"}, "explicit"},
		{[]string{"job-7"}, "job-7"},
		{[]string{`bad"value`}, "job-7"},
		{[]string{"explicit", "explicit-2"}, "job-7"},
		{[]string{"job-7", "explicit"}, "job-7"},
		{[]string{"", "explicit"}, "job-7"},
	} {
		callWithIDs(t, backend, ctx, tc.ids)
		if b := <-atBackend; !slices.Equal(b.raw, []string{tc.want}) || b.id != tc.want {
			t.Errorf("sent %q: backend got %q and bound %q, want %q", tc.ids, b.raw, b.id, tc.want)
		}
	}
}
