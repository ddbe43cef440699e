package httpmw

import (
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
)

func randToken(rng *rand.Rand, n int, alphabet string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// TestRandomTrafficKeepsTelemetryBounded sends 10 000 requests with random
// paths, hosts, user agents and methods and checks that span names and
// duration-metric series stay within routes x known methods.
func TestRandomTrafficKeepsTelemetryBounded(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts(WithoutAccessLog())...)
	rng := rand.New(rand.NewPCG(1, 2))
	known := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	fixed := []string{"/orders/", "/orders", "/fail", "/bad", "/"}
	const n = 10000
	for i := 0; i < n; i++ {
		r := httptest.NewRequest("GET", "/", nil)
		switch rng.IntN(3) {
		case 0:
			r.Method = known[rng.IntN(len(known))]
		case 1:
			r.Method = strings.ToLower(known[rng.IntN(len(known))])
		default:
			r.Method = randToken(rng, 1+rng.IntN(12), letters)
		}
		r.URL.Path = fixed[rng.IntN(len(fixed))] + randToken(rng, rng.IntN(20), letters+"/")
		r.Host = randToken(rng, 1+rng.IntN(20), letters) + ".example:" + randToken(rng, 1+rng.IntN(5), "0123456789")
		r.Header.Set("User-Agent", randToken(rng, 1+rng.IntN(40), letters+" /;."))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}

	routes := map[string]bool{"": true, "/orders/{id}": true, "/orders": true, "/fail": true, "/bad": true}
	methods := map[string]bool{"HTTP": true}
	for _, m := range known {
		methods[m] = true
	}
	names := map[string]bool{}
	for _, s := range e.sr.Ended() {
		names[s.Name()] = true
	}
	if len(e.sr.Ended()) != n {
		t.Fatalf("%d spans, want %d", len(e.sr.Ended()), n)
	}
	for name := range names {
		m, route, _ := strings.Cut(name, " ")
		if !methods[m] || !routes[route] {
			t.Errorf("unbounded span name %q", name)
		}
	}
	if max := len(methods) * len(routes); len(names) > max {
		t.Errorf("%d span names > %d", len(names), max)
	}

	series := e.durationSeries(t)
	pairs := map[string]bool{}
	for _, set := range series {
		m, _ := set.Value("http.request.method")
		rt, _ := set.Value("http.route")
		if !methods[m.AsString()] && m.AsString() != "_OTHER" {
			t.Errorf("series method %q", m.AsString())
		}
		if !routes[rt.AsString()] {
			t.Errorf("series route %q", rt.AsString())
		}
		if v, _ := set.Value("server.address"); v.AsString() != "test-server" {
			t.Errorf("series server.address %q", v.AsString())
		}
		if _, ok := set.Value("server.port"); ok {
			t.Error("series carries server.port from the Host header")
		}
		if _, ok := set.Value("user_agent.original"); ok {
			t.Error("series carries the user agent")
		}
		pairs[m.AsString()+" "+rt.AsString()] = true
	}
	// Status codes multiply the bound: 200, 201, 400, 404, 405, 500 at most.
	if max := (len(methods) + 1) * len(routes) * 6; len(series) > max {
		t.Errorf("%d duration series > %d", len(series), max)
	}
	t.Logf("%d span names, %d duration series, %d method/route pairs", len(names), len(series), len(pairs))
}
