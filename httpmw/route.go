package httpmw

import (
	"context"
	"net/http"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/internal/reqscope"
)

// spanName is "METHOD /route", or "METHOD" when no route matched; methods
// outside the HTTP standard become "HTTP", so span names stay bounded.
func spanName(_ string, r *http.Request) string {
	m := standardMethod(r.Method)
	route := httpRoute(r.Pattern)
	if route == "" {
		return m
	}
	key := spanNameKey{m, route}
	if v, ok := spanNames.Load(key); ok {
		return v.(string)
	}
	name := m + " " + route
	if spanNamesLen.Load() < maxCachedSpanNames {
		if _, loaded := spanNames.LoadOrStore(key, name); !loaded {
			spanNamesLen.Add(1)
		}
	}
	return name
}

// spanNames caches "METHOD /route" strings so that naming a span does not
// allocate; routes are few, and the cache stops growing at
// maxCachedSpanNames in case a route func returns unbounded values.
var (
	spanNames    sync.Map // spanNameKey -> string
	spanNamesLen atomic.Int64
)

const maxCachedSpanNames = 4096

type spanNameKey struct{ method, route string }

func standardMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	for _, k := range [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace} {
		if strings.EqualFold(m, k) {
			return k
		}
	}
	return "HTTP"
}

// httpRoute drops the method and host of a ServeMux pattern.
func httpRoute(pattern string) string {
	if i := strings.IndexByte(pattern, '/'); i >= 0 {
		return pattern[i:]
	}
	return ""
}

// callRouteFunc calls a WithRouteFunc function, recovering its panic
// (returned with the stack where it happened).
func callRouteFunc(fn func(*http.Request) string, r *http.Request) (route string, panicked any, stack []byte) {
	defer func() {
		if v := recover(); v != nil {
			route, panicked, stack = "", v, debug.Stack()
		}
	}()
	return fn(r), nil, nil
}

// funcRoute is the route fn gives r, within the handler's route limit.
func (h *handler) funcRoute(r *http.Request) (route string, panicked any, stack []byte) {
	route, panicked, stack = callRouteFunc(h.cfg.routeFunc, r)
	return h.routes.admit(route, h.cfg.Logger), panicked, stack
}

// routeSet keeps the distinct routes a route function returned, up to a
// limit (WithRouteLimit). A route seen before costs one map lookup.
type routeSet struct {
	limit  int64
	seen   sync.Map   // route -> struct{}
	mu     sync.Mutex // held to add a route
	n      atomic.Int64
	warned atomic.Bool
}

func newRouteSet(limit int) *routeSet {
	if limit < 1 {
		limit = DefaultRouteLimit
	}
	return &routeSet{limit: int64(limit)}
}

// admit returns route when it was seen before or there is room for it,
// and "" otherwise, warning once through l (nil: zap.L()).
func (s *routeSet) admit(route string, l *zap.Logger) string {
	if route == "" {
		return ""
	}
	if _, ok := s.seen.Load(route); ok {
		return route
	}
	// A new route takes the lock while there is room: two first requests
	// of the same route must both get it (a reservation counted for the
	// one made the other look like one route too many). Once the set is
	// full the lock is no longer taken; a route stored before n reached
	// the limit is seen below.
	if s.n.Load() < s.limit {
		s.mu.Lock()
		if _, ok := s.seen.Load(route); !ok && s.n.Load() < s.limit {
			s.seen.Store(route, struct{}{})
			s.n.Add(1)
		}
		s.mu.Unlock()
	}
	if _, ok := s.seen.Load(route); ok {
		return route
	}
	if s.warned.CompareAndSwap(false, true) {
		if l == nil {
			l = zap.L()
		}
		// The route itself is not shown: past the limit it is likely a
		// raw path, which may carry IDs or personal data.
		l.Warn("http_route_limit_reached", zap.Int64("limit", s.limit),
			zap.String("detail", "the route function returned more distinct routes than the limit (httpmw.WithRouteLimit); "+
				"requests with a new route are recorded as unmatched: span named by the method, no http.route, no route on log lines"))
	}
	return ""
}

// StripPrefix is http.StripPrefix for a http.ServeMux nested behind
// Handler: the request's route becomes the prefix joined to the pattern
// the nested mux matches (StripPrefix("/api", api) and "GET /users/{id}"
// give the route "/api/users/{id}"), on the span, the metrics and the log
// lines. With http.StripPrefix, Handler sees only the outer mux's pattern
// ("/api/") for every sub-route. Levels nest. It costs one more lookup in
// the nested mux per request; in front of any other handler, and outside
// Handler, it is http.StripPrefix. A nil h serves http.DefaultServeMux, as
// Handler does.
func StripPrefix(prefix string, h http.Handler) http.Handler {
	if h == nil {
		h = http.DefaultServeMux
	}
	mux, _ := h.(*http.ServeMux)
	trimmed := strings.TrimSuffix(prefix, "/")
	var joined sync.Map // routeKey -> *string: the full routes, made once
	return http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := stateOfContext(r.Context()); st != nil {
			outer := st.nestPrefix
			if outer == "" {
				st.nestPrefix = trimmed
			} else {
				st.nestPrefix = outer + trimmed
			}
			if mux != nil {
				if _, p := mux.Handler(r); p != "" && !redirectPath(r, p) {
					key := routeKey{outer, p}
					full, ok := joined.Load(key)
					if !ok {
						full, _ = joined.LoadOrStore(key, new(joinRoute(outer+trimmed, p)))
					}
					st.nested.Store(full.(*string))
				}
			}
		}
		h.ServeHTTP(w, r)
	}))
}

// routeKey is a nested pattern and the prefixes stripped before the
// StripPrefix that resolved it.
type routeKey struct{ outer, pattern string }

// joinRoute puts prefix in front of the path of ServeMux pattern p
// ("[METHOD ][HOST]/path"), keeping its method.
func joinRoute(prefix, p string) string {
	method := ""
	if i := strings.IndexByte(p, ' '); i >= 0 {
		method, p = p[:i+1], strings.TrimLeft(p[i+1:], " ")
	}
	if i := strings.IndexByte(p, '/'); i > 0 {
		p = p[i:] // a host in a nested pattern is not part of the route
	}
	return method + prefix + p
}

// stateOfContext finds the state of the request whose context ctx is (or
// derives from), through the request scope's late marshaler.
func stateOfContext(ctx context.Context) *state {
	sc := reqscope.FromContext(ctx)
	if sc == nil {
		return nil
	}
	rf, _ := sc.Late().(*routeField)
	return (*state)(rf)
}

// muxPattern is the ServeMux pattern of the request: the nested one
// StripPrefix resolved, else the one ServeMux set on req.
func (st *state) muxPattern() string {
	if n := st.nested.Load(); n != nil {
		return *n
	}
	if st.req == nil || redirectPath(st.req, st.req.Pattern) {
		return ""
	}
	return st.req.Pattern
}

// redirectPath reports whether p, the pattern http.ServeMux gave r, is in
// fact the raw path of the trailing-slash redirect it answers a CONNECT
// request with ("/users/{id}/" registered, CONNECT /users/42 gives
// "/users/42/"; net/http's findHandler returns u.Path there). Such a path
// must not become a route: it is unbounded and may carry IDs.
func redirectPath(r *http.Request, p string) bool {
	if r.Method != http.MethodConnect || r.URL == nil || !strings.HasSuffix(p, "/") {
		return false
	}
	return p == cleanPath(r.URL.Path)+"/"
}

// cleanPath is http.ServeMux's path cleaning: rooted, without "." and ".."
// elements and repeated slashes, its trailing slash kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// routeField encodes the route on every line of the request, once the
// router has matched it.
type routeField state

var (
	_ zapcore.ObjectMarshaler = (*routeField)(nil)
	_ reqlog.Settler          = (*routeField)(nil)
)

// Settled reports whether the route is final: once http.ServeMux has
// matched (it sets the request's Pattern before calling the handler). A
// route func may depend on anything, so its route never is.
func (b *routeField) Settled() bool {
	st := (*state)(b)
	return st.h.cfg.routeFunc == nil && st.req != nil && st.req.Pattern != ""
}

func (b *routeField) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	st := (*state)(b)
	// Read from the request: lines written by goroutines the handler
	// started may run while finish records the route.
	var route string
	if st.req != nil {
		if st.h.cfg.routeFunc != nil {
			// A panic here is reported once, by finish; a line just has
			// no route.
			route, _, _ = st.h.funcRoute(st.req)
		} else {
			route = httpRoute(st.muxPattern())
		}
	}
	if route != "" {
		enc.AddString(reqlog.KeyRoute, reqscope.Truncate(route))
	}
	return nil
}
