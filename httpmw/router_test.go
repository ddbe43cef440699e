package httpmw

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

// routerCase is one request through a router and what every signal must
// say about it.
type routerCase struct {
	method, path string
	status       int
	route        string // "" : unmatched, span named by the method
}

// checkRequest serves one request and checks its span, its duration
// series and its access line against rc.
func checkRequest(t *testing.T, e *testEnv, h http.Handler, rc routerCase) {
	t.Helper()
	before := len(e.sr.Ended())
	rec := e.serve(h, httptest.NewRequest(rc.method, rc.path, nil))
	if rec.Code != rc.status {
		t.Fatalf("%s %s: status %d, want %d", rc.method, rc.path, rec.Code, rc.status)
	}
	spans := e.sr.Ended()
	if len(spans) != before+1 {
		t.Fatalf("%s %s: %d new spans, want 1", rc.method, rc.path, len(spans)-before)
	}
	span := spans[len(spans)-1]
	wantName := rc.method
	if rc.route != "" {
		wantName += " " + rc.route
	}
	gotRoute, hasRoute := spanAttr(span, "http.route")
	if span.Name() != wantName || hasRoute != (rc.route != "") || gotRoute.AsString() != rc.route {
		t.Errorf("%s %s: span %q http.route %q, want %q %q", rc.method, rc.path, span.Name(), gotRoute.AsString(), wantName, rc.route)
	}
	if st, _ := spanAttr(span, "http.response.status_code"); st.AsInt64() != int64(rc.status) {
		t.Errorf("%s %s: span status code %d", rc.method, rc.path, st.AsInt64())
	}
	found := false
	for _, set := range e.durationSeries(t) {
		st, _ := set.Value("http.response.status_code")
		r, ok := set.Value("http.route")
		if st.AsInt64() == int64(rc.status) && ok == (rc.route != "") && r.AsString() == rc.route {
			found = true
		}
	}
	if !found {
		t.Errorf("%s %s: no http.server.request.duration series with status %d and route %q: %v", rc.method, rc.path, rc.status, rc.route, e.durationSeries(t))
	}
	var access map[string]any
	for _, l := range e.linesWithMsg(t, "http_request") {
		if l["path"] == rc.path && l["method"] == rc.method {
			access = l
		}
	}
	if access == nil {
		t.Fatalf("%s %s: no access line:\n%s", rc.method, rc.path, e.out.String())
	}
	if r, _ := access["route"].(string); r != rc.route || access["status"] != float64(rc.status) {
		t.Errorf("%s %s: access line route %q status %v, want %q %d", rc.method, rc.path, r, access["status"], rc.route, rc.status)
	}
	if strings.Contains(e.out.String(), "panic_recovered") {
		t.Fatalf("a panic was recovered:\n%s", e.out.String())
	}
}

// GorillaRoute is the route function of the gorilla/mux recipe (see the
// package documentation): it matches the request again, so it also works
// with Handler around the router, where 404 and 405 pass too.
func gorillaRoute(router *mux.Router) func(*http.Request) string {
	return func(r *http.Request) string {
		var m mux.RouteMatch
		if !router.Match(r, &m) || m.MatchErr != nil || m.Route == nil {
			return ""
		}
		tpl, err := m.Route.GetPathTemplate()
		if err != nil {
			return ""
		}
		return tpl
	}
}

// TestGorillaMux: with the recipe (Handler around the router and
// gorillaRoute), matched routes, sub-routers, 404 and 405 all get their
// span, duration series and access line, and nothing panics.
func TestGorillaMux(t *testing.T) {
	e := newTestEnv(t)
	router := mux.NewRouter()
	router.HandleFunc("/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, mux.Vars(r)["id"])
	}).Methods(http.MethodGet)
	api := router.PathPrefix("/api").Subrouter()
	api.HandleFunc("/users/{name}", func(w http.ResponseWriter, r *http.Request) {}).Methods(http.MethodGet)
	h := Handler(router, e.opts(WithRouteFunc(gorillaRoute(router)))...)
	for _, rc := range []routerCase{
		{http.MethodGet, "/orders/7", http.StatusOK, "/orders/{id}"},
		{http.MethodGet, "/api/users/ann", http.StatusOK, "/api/users/{name}"},
		{http.MethodGet, "/nowhere", http.StatusNotFound, ""},
		{http.MethodDelete, "/orders/7", http.StatusMethodNotAllowed, ""},
	} {
		checkRequest(t, e, h, rc)
	}
}

// TestGorillaMuxUseMissesUnmatched documents why the recipe wraps the
// router: as Use middleware, gorilla runs it for matches only, so a 404
// and a 405 leave no span, no series and no access line.
func TestGorillaMuxUseMissesUnmatched(t *testing.T) {
	e := newTestEnv(t)
	router := mux.NewRouter()
	router.HandleFunc("/orders/{id}", func(http.ResponseWriter, *http.Request) {}).Methods(http.MethodGet)
	router.Use(Middleware(e.opts(WithRouteFunc(gorillaRoute(router)))...))
	e.serve(router, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	e.serve(router, httptest.NewRequest(http.MethodDelete, "/orders/1", nil))
	if n := len(e.sr.Ended()); n != 0 {
		t.Fatalf("%d spans: gorilla now runs Use middleware on unmatched requests; the recipe may change", n)
	}
}

// TestGorillaNaturalRouteFuncDoesNotCrash: the route function most users
// write first, mux.CurrentRoute(r).GetPathTemplate(), panics on a nil route
// (a 404 with Handler around the router). The middleware recovers it: the
// process survives and the request keeps its status.
func TestGorillaNaturalRouteFuncDoesNotCrash(t *testing.T) {
	e := newTestEnv(t)
	router := mux.NewRouter()
	router.HandleFunc("/orders/{id}", func(http.ResponseWriter, *http.Request) {}).Methods(http.MethodGet)
	natural := func(r *http.Request) string {
		tpl, _ := mux.CurrentRoute(r).GetPathTemplate()
		return tpl
	}
	h := Handler(router, e.opts(WithRouteFunc(natural))...)
	if rec := e.serve(h, httptest.NewRequest(http.MethodGet, "/nowhere", nil)); rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.Code)
	}
}

// TestChi: the chi recipe of the package documentation (Use inside the router) records matched
// routes, sub-routers, 404 and 405.
func TestChi(t *testing.T) {
	e := newTestEnv(t)
	r := chi.NewRouter()
	r.Use(Middleware(e.opts(WithRouteFunc(func(r *http.Request) string {
		return chi.RouteContext(r.Context()).RoutePattern()
	}))...))
	r.Get("/orders/{id}", func(w http.ResponseWriter, r *http.Request) {})
	r.Route("/api", func(r chi.Router) {
		r.Get("/users/{name}", func(w http.ResponseWriter, r *http.Request) {})
	})
	for _, rc := range []routerCase{
		{http.MethodGet, "/orders/7", http.StatusOK, "/orders/{id}"},
		{http.MethodGet, "/api/users/ann", http.StatusOK, "/api/users/{name}"},
		{http.MethodGet, "/nowhere", http.StatusNotFound, ""},
		{http.MethodDelete, "/orders/7", http.StatusMethodNotAllowed, ""},
	} {
		checkRequest(t, e, r, rc)
	}
}

// TestNestedServeMux: a ServeMux behind StripPrefix gives the full route,
// two levels deep, on the span, the series and every line; a 404 in the
// nested mux has no route beyond the outer one's.
func TestNestedServeMux(t *testing.T) {
	e := newTestEnv(t)
	v1 := http.NewServeMux()
	v1.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	api := http.NewServeMux()
	api.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {})
	api.Handle("/v1/", StripPrefix("/v1", v1))
	root := http.NewServeMux()
	root.Handle("/api/", StripPrefix("/api", api))
	root.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {})
	h := Handler(root, e.opts()...)
	for _, rc := range []routerCase{
		{http.MethodGet, "/api/users/7", http.StatusOK, "/api/users/{id}"},
		{http.MethodGet, "/api/v1/items/3", http.StatusOK, "/api/v1/items/{id}"},
		{http.MethodGet, "/health", http.StatusOK, "/health"},
	} {
		checkRequest(t, e, h, rc)
	}
	// http.StripPrefix, for comparison, loses the nested pattern.
	plain := http.NewServeMux()
	plain.Handle("/api/", http.StripPrefix("/api", api))
	checkRequest(t, e, Handler(plain, e.opts()...), routerCase{http.MethodGet, "/api/users/8", http.StatusOK, "/api/"})
}

// registerStripNil adds TestStripPrefixNilHandler's route to
// http.DefaultServeMux once per process (-count=N runs it again).
var registerStripNil sync.Once

// TestStripPrefixNilHandler: a nil handler is http.DefaultServeMux, as
// for Handler, nested routes included; nothing panics inside or outside
// Handler.
func TestStripPrefixNilHandler(t *testing.T) {
	e := newTestEnv(t)
	registerStripNil.Do(func() {
		http.DefaultServeMux.HandleFunc("GET /otelkit-strip-nil/{id}", func(w http.ResponseWriter, r *http.Request) {})
	})
	root := http.NewServeMux()
	root.Handle("/api/", StripPrefix("/api", nil))
	checkRequest(t, e, Handler(root, e.opts()...),
		routerCase{http.MethodGet, "/api/otelkit-strip-nil/1", http.StatusOK, "/api/otelkit-strip-nil/{id}"})
	w := httptest.NewRecorder()
	StripPrefix("/api", nil).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/otelkit-strip-nil/2", nil))
	if w.Code != http.StatusOK {
		t.Errorf("outside Handler: %d, want 200 from http.DefaultServeMux", w.Code)
	}
}

// TestNestedServeMuxLines: lines the handler writes through the request's
// logger carry the full route.
func TestNestedServeMuxLines(t *testing.T) {
	e := newTestEnv(t)
	api := http.NewServeMux()
	api.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("in_handler")
	})
	root := http.NewServeMux()
	root.Handle("/api/", StripPrefix("/api", api))
	e.serve(Handler(root, e.opts()...), httptest.NewRequest(http.MethodGet, "/api/users/1", nil))
	if l := e.oneLine(t, "in_handler"); l["route"] != "/api/users/{id}" {
		t.Errorf("handler line route %v", l["route"])
	}
}

// TestRouteLimit: a route function returning raw paths makes at most the
// limit of distinct span names and routes; the rest are named by the
// method, with one warning that does not show the path.
func TestRouteLimit(t *testing.T) {
	e := newTestEnv(t)
	raw := func(r *http.Request) string { return r.URL.Path }
	h := Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), e.opts(WithRouteFunc(raw), WithRouteLimit(5), WithoutAccessLog())...)
	for i := range 20 {
		e.serve(h, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/users/%d", i), nil))
	}
	e.serve(h, httptest.NewRequest(http.MethodGet, "/users/3", nil)) // seen before the limit: kept
	names := map[string]int{}
	for _, s := range e.sr.Ended() {
		names[s.Name()]++
	}
	if len(names) != 6 || names["GET"] != 15 || names["GET /users/3"] != 2 {
		t.Errorf("span names %v, want 5 routes and 15 named GET", names)
	}
	routes := map[string]bool{}
	for _, set := range e.durationSeries(t) {
		if r, ok := set.Value("http.route"); ok {
			routes[r.AsString()] = true
		}
	}
	if len(routes) != 5 {
		t.Errorf("%d routes in the metrics, want 5", len(routes))
	}
	warn := e.linesWithMsg(t, "http_route_limit_reached")
	if len(warn) != 1 || warn[0]["limit"] != float64(5) || strings.Contains(e.out.String(), "/users/1") {
		t.Errorf("warnings %v:\n%s", warn, e.out.String())
	}
}

// TestRouteLimitDefault: without WithRouteLimit, DefaultRouteLimit routes
// are kept and the next new one is not.
func TestRouteLimitDefault(t *testing.T) {
	e := newTestEnv(t)
	raw := func(r *http.Request) string { return r.URL.Path }
	h := Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), e.opts(WithRouteFunc(raw), WithoutAccessLog())...)
	for i := range DefaultRouteLimit + 1 {
		e.serve(h, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/u/%d", i), nil))
	}
	routes := map[string]bool{}
	for _, set := range e.durationSeries(t) {
		if r, ok := set.Value(attribute.Key("http.route")); ok {
			routes[r.AsString()] = true
		}
	}
	if len(routes) != DefaultRouteLimit || routes[fmt.Sprintf("/u/%d", DefaultRouteLimit)] {
		t.Errorf("%d routes, want %d without the last", len(routes), DefaultRouteLimit)
	}
}

// TestRouteLimitAdmitsSameRouteAtOnce: two first requests of the same new
// route at once, with room for one more route, both get it: neither is
// recorded as unmatched.
func TestRouteLimitAdmitsSameRouteAtOnce(t *testing.T) {
	for i := range 20000 {
		s := newRouteSet(1)
		var got [2]string
		var wg sync.WaitGroup
		start := make(chan struct{})
		for j := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[j] = s.admit("/orders/{id}", zap.NewNop())
			}()
		}
		close(start)
		wg.Wait()
		if got[0] == "" || got[1] == "" {
			t.Fatalf("round %d: a route admitted for one request was refused to the other: %q", i, got)
		}
	}
}

// TestConnectRedirectPathIsNoRoute: for a CONNECT request ServeMux answers
// a trailing-slash redirect with the raw path as the request's pattern
// ("/users/secret-42/"); it must not become the route (span name,
// http.route, metric series, log lines), outside and behind StripPrefix.
// The real patterns of CONNECT requests still are routes.
func TestConnectRedirectPathIsNoRoute(t *testing.T) {
	e := newTestEnv(t)
	api := http.NewServeMux()
	api.HandleFunc("/users/{id}/", func(w http.ResponseWriter, r *http.Request) {})
	root := http.NewServeMux()
	root.HandleFunc("/users/{id}/", func(w http.ResponseWriter, r *http.Request) {})
	root.HandleFunc("CONNECT /tunnel/{id}", func(w http.ResponseWriter, r *http.Request) {})
	root.Handle("/api/", StripPrefix("/api", api))
	h := Handler(root, e.opts()...)
	for _, rc := range []routerCase{
		{http.MethodConnect, "/users/secret-42", http.StatusTemporaryRedirect, ""},
		{http.MethodConnect, "/api/users/secret-44", http.StatusTemporaryRedirect, "/api/"},
		{http.MethodConnect, "/users/7/", http.StatusOK, "/users/{id}/"},
		{http.MethodConnect, "/tunnel/7", http.StatusOK, "/tunnel/{id}"},
		{http.MethodConnect, "/api/users/7/", http.StatusOK, "/api/users/{id}/"},
	} {
		checkRequest(t, e, h, rc)
	}
	if out := e.out.String(); strings.Contains(out, "secret-4") && strings.Contains(out, `"route":"/users/secret`) {
		t.Errorf("a raw path became a route on a log line:\n%s", out)
	}
}
