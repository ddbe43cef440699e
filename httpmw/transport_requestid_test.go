package httpmw

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// newRequestID is what the Handler makes when it refuses an incoming ID.
var newRequestID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// seen is what a backend behind Handler saw of one request: the raw
// X-Request-ID values and the request ID the Handler bound.
type seen struct {
	raw []string
	id  string
}

// ridBackend serves a Handler that reports what it saw of each request on
// the returned channel.
func ridBackend(t *testing.T, e *testEnv) (*httptest.Server, <-chan seen) {
	t.Helper()
	got := make(chan seen, 1)
	srv := httptest.NewServer(Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got <- seen{raw: r.Header.Values("X-Request-ID"), id: RequestID(r.Context())}
	}), e.opts()...))
	t.Cleanup(srv.Close)
	return srv, got
}

// sendIDs sends a GET to url through c with ctx and the given X-Request-ID
// values, and returns the response's X-Request-ID.
func sendIDs(t *testing.T, c *http.Client, ctx context.Context, url string, ids []string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header["X-Request-Id"] = ids
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if !slices.Equal(req.Header["X-Request-Id"], ids) {
		t.Errorf("Transport changed the caller's request: X-Request-ID %q, sent %q", req.Header["X-Request-Id"], ids)
	}
	return resp.Header.Get("X-Request-ID")
}

// TestTransportRequestIDAcrossAGateway runs a gateway behind Handler that
// copies its client's headers to the call it makes through Transport. A
// valid X-Request-ID goes through; any other the gateway's Handler refused
// is replaced, on the way out, by the ID the gateway made, so the backend
// carries the gateway's ID and the request can be followed across the hop.
func TestTransportRequestIDAcrossAGateway(t *testing.T) {
	e := newTestEnv(t)
	backend, atBackend := ridBackend(t, e)
	client := &http.Client{Transport: Transport(nil, e.opts()...)}
	defer client.CloseIdleConnections()
	type hop struct {
		id  string // the gateway's request ID
		err error  // of its call to the backend
	}
	atGateway := make(chan hop, 1)
	gateway := httptest.NewServer(Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		out, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, backend.URL, nil)
		out.Header = r.Header.Clone()
		resp, err := client.Do(out)
		if err == nil {
			_ = resp.Body.Close()
			if !slices.Equal(out.Header["X-Request-Id"], r.Header["X-Request-Id"]) {
				t.Errorf("Transport changed the caller's request: X-Request-ID %q", out.Header["X-Request-Id"])
			}
		}
		atGateway <- hop{RequestID(r.Context()), err}
	}), e.opts()...))
	defer gateway.Close()

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
			sendIDs(t, gateway.Client(), context.Background(), gateway.URL, tc.ids)
			h := <-atGateway
			if h.err != nil {
				t.Fatalf("gateway's call: %v", h.err)
			}
			gw, b := h.id, <-atBackend
			if tc.keep && gw != tc.ids[0] {
				t.Fatalf("gateway made %q, want the client's %q kept", gw, tc.ids[0])
			}
			if !tc.keep && !newRequestID.MatchString(gw) {
				t.Fatalf("gateway kept %q, want a new ID", gw)
			}
			if !slices.Equal(b.raw, []string{gw}) || b.id != gw {
				t.Errorf("backend got X-Request-ID %q and bound %q; want the gateway's %q", b.raw, b.id, gw)
			}
		})
	}
}

// TestTransportRequestIDWithoutContextID: with no request ID in the
// context, Transport has nothing better to send, so a value the caller set
// goes out as it is, valid or not; an invalid one is then the server's to
// refuse, and Handler makes an ID of its own and answers with it.
func TestTransportRequestIDWithoutContextID(t *testing.T) {
	e := newTestEnv(t)
	backend, atBackend := ridBackend(t, e)
	client := &http.Client{Transport: Transport(nil, e.opts()...)}
	defer client.CloseIdleConnections()
	for _, ids := range [][]string{{"edge-42"}, {"edge 42"}, {"edge-1", "edge-2"}} {
		answered := sendIDs(t, client, context.Background(), backend.URL, ids)
		b := <-atBackend
		if !slices.Equal(b.raw, ids) {
			t.Errorf("sent %q: backend got %q, want the caller's values as they were", ids, b.raw)
		}
		want := ids[0]
		if len(ids) != 1 || strings.Contains(want, " ") {
			want = b.id // a new one, checked below
			if !newRequestID.MatchString(b.id) {
				t.Errorf("sent %q: backend bound %q, want a new ID", ids, b.id)
			}
		}
		if b.id != want || answered != want {
			t.Errorf("sent %q: backend bound %q and answered %q, want %q", ids, b.id, answered, want)
		}
	}
}

// TestTransportExplicitRequestIDOverContext: outside a gateway (a job with
// ContextWithRequestID), a valid ID the caller set wins over the context's,
// an invalid one is replaced by it.
func TestTransportExplicitRequestIDOverContext(t *testing.T) {
	e := newTestEnv(t)
	backend, atBackend := ridBackend(t, e)
	client := &http.Client{Transport: Transport(nil, e.opts()...)}
	defer client.CloseIdleConnections()
	ctx := ContextWithRequestID(context.Background(), "job-7")
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{[]string{"explicit"}, "explicit"},
		{[]string{"bad\tvalue"}, "job-7"},
		{[]string{"explicit", "explicit-2"}, "job-7"},
	} {
		sendIDs(t, client, ctx, backend.URL, tc.ids)
		if b := <-atBackend; !slices.Equal(b.raw, []string{tc.want}) || b.id != tc.want {
			t.Errorf("sent %q: backend got %q and bound %q, want %q", tc.ids, b.raw, b.id, tc.want)
		}
	}
}
