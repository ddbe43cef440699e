package hostcheck

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func request(host string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host = host
	return r
}

// TestCheck: IP addresses, localhost and the allowed names are answered,
// with or without a port; a rebound name is refused with 403 naming the
// option and the name to give it; what is no host name gets 400.
func TestCheck(t *testing.T) {
	p, bad := New("otel.WithAllowedHosts", []string{"checkout.internal", ".svc.cluster.local", "Admin.Example.", "10.0.0.1"})
	if len(bad) != 0 {
		t.Fatalf("New refused %q", bad)
	}
	for _, tc := range []struct {
		host string
		want int // 0: answered
	}{
		{"127.0.0.1", 0}, {"127.0.0.1:6060", 0}, {"192.168.1.20:9091", 0}, {"10.1.2.3:", 0},
		{"[::1]", 0}, {"[::1]:6060", 0}, {"[fe80::1%25eth0]:80", 0}, {"::1", 0},
		{"localhost", 0}, {"LOCALHOST:6060", 0}, {"localhost.:6060", 0}, {"app.localhost:6060", 0},
		{"checkout.internal:9091", 0}, {"CHECKOUT.internal", 0},
		{"svc.cluster.local", 0}, {"checkout.default.svc.cluster.local:9091", 0},
		{"admin.example", 0},
		{"", 0}, // HTTP/1.0 without Host: no browser

		{"evil.example", http.StatusForbidden}, {"evil.example:6060", http.StatusForbidden},
		{"localhost.evil.example", http.StatusForbidden}, {"127.0.0.1.evil.example", http.StatusForbidden},
		{"evilsvc.cluster.local", http.StatusForbidden}, {"x.checkout.internal", http.StatusForbidden},
		{"0x7f000001", http.StatusForbidden}, {"127.1", http.StatusForbidden},

		{":6060", http.StatusBadRequest}, {"evil.example:60a", http.StatusBadRequest},
		{"evil.example:6060000", http.StatusBadRequest},
		{"localhost:65535", 0}, {"localhost:65536", http.StatusBadRequest}, {"127.0.0.1:99999", http.StatusBadRequest},
		{"[::1]:70000", http.StatusBadRequest}, {"[::1", http.StatusBadRequest},
		{"[127.0.0.1]:80", http.StatusBadRequest}, {"[::1]x", http.StatusBadRequest},
		{"a..b", http.StatusBadRequest}, {"evil\x00.example", http.StatusBadRequest},
		{"evil example", http.StatusBadRequest}, {"user@127.0.0.1", http.StatusBadRequest},
		{"ex\xffample", http.StatusBadRequest}, {"exämple.com", http.StatusBadRequest},
		{strings.Repeat("a.", 200) + "com", http.StatusBadRequest},
	} {
		ref := p.Check(request(tc.host))
		switch {
		case tc.want == 0 && ref != nil:
			t.Errorf("Host %q refused: %d %s", tc.host, ref.Status, ref.Message)
		case tc.want != 0 && ref == nil:
			t.Errorf("Host %q answered, want %d", tc.host, tc.want)
		case ref != nil && ref.Status != tc.want:
			t.Errorf("Host %q: status %d, want %d (%s)", tc.host, ref.Status, tc.want, ref.Message)
		}
	}
	ref := p.Check(request("Evil.Example.:6060"))
	want := `otelkit: host "Evil.Example.:6060" not allowed: this endpoint answers requests to an IP address or localhost, ` +
		`so that no web page can reach it by DNS rebinding; to reach it by this name, pass otel.WithAllowedHosts("evil.example")`
	if ref == nil || ref.Message != want {
		t.Errorf("refusal = %+v\nwant message %s", ref, want)
	}
	ref = p.Check(request("evil\x00\n.example"))
	if ref == nil || strings.ContainsAny(ref.Message, "\x00\n") || !strings.Contains(ref.Message, "malformed Host header") {
		t.Errorf("malformed Host: %+v", ref)
	}
}

// TestZeroPolicy: the zero Policy answers IP addresses and localhost, and
// its refusal still says what to do.
func TestZeroPolicy(t *testing.T) {
	var p Policy
	if ref := p.Check(request("[::1]:1")); ref != nil {
		t.Errorf("[::1]:1 refused: %+v", ref)
	}
	if ref := p.Check(request("evil.example")); ref == nil || !strings.Contains(ref.Message, `WithAllowedHosts("evil.example")`) {
		t.Errorf("evil.example: %+v", ref)
	}
}

// TestNewRefusesNonNames: what is no host name is returned, the rest kept.
func TestNewRefusesNonNames(t *testing.T) {
	in := []string{"ok.example", "", " ", ".", "..x", "*", "*.example.com", "http://a.example", "a.example:8080",
		"a.example/path", "[::1]", "a b", "é.example", "user@a.example", "ok2", "::1", ".ok3.example"}
	p, bad := New("x", in)
	wantBad := []string{"", " ", ".", "..x", "*", "*.example.com", "http://a.example", "a.example:8080",
		"a.example/path", "[::1]", "a b", "é.example", "user@a.example"}
	if !slices.Equal(bad, wantBad) {
		t.Errorf("bad = %q\nwant %q", bad, wantBad)
	}
	if want := []string{"ok.example", "ok2", ".ok3.example"}; !slices.Equal(p.names, want) {
		t.Errorf("names = %q, want %q", p.names, want)
	}
}

// TestCheckLoopback: a request that arrived on a loopback address (or one
// not known) is checked; one that arrived on another address, as a probe
// reaching a pod by its service's name does, is answered.
func TestCheckLoopback(t *testing.T) {
	var p Policy
	at := func(ip string) *http.Request {
		r := request("checkout.default.svc")
		if ip == "" {
			return r
		}
		addr := &net.TCPAddr{IP: net.ParseIP(ip), Port: 9091}
		return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, addr))
	}
	for ip, refused := range map[string]bool{
		"": true, "127.0.0.1": true, "127.0.0.2": true, "::1": true, "::ffff:127.0.0.1": true,
		"10.0.0.5": false, "192.168.1.20": false, "fd00::5": false,
	} {
		if got := p.CheckLoopback(at(ip)) != nil; got != refused {
			t.Errorf("local address %q: refused %v, want %v", ip, got, refused)
		}
	}
	r := request("checkout.default.svc")
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.UnixAddr{Name: "/run/admin.sock", Net: "unix"}))
	if p.CheckLoopback(r) == nil {
		t.Error("a request on a unix socket was not checked")
	}
}

// TestCheckServed: through a real server on 127.0.0.1, the Host the client
// sends decides; net/http refuses a Host with bytes it does not allow
// before any handler runs.
func TestCheckServed(t *testing.T) {
	p, _ := New("otel.WithAllowedHosts", []string{"admin.example"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ref := p.CheckLoopback(r); ref != nil {
			http.Error(w, ref.Message, ref.Status)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for host, want := range map[string]int{
		"127.0.0.1:" + port: http.StatusOK, "localhost:" + port: http.StatusOK,
		"admin.example:" + port: http.StatusOK, "evil.example:" + port: http.StatusForbidden,
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Host = host
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
}
