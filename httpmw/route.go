package httpmw

import (
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

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
		if rf := st.h.cfg.routeFunc; rf != nil {
			// A panic here is reported once, by finish; a line just has
			// no route.
			route, _, _ = callRouteFunc(rf, st.req)
		} else {
			route = httpRoute(st.req.Pattern)
		}
	}
	if route != "" {
		enc.AddString(reqlog.KeyRoute, reqscope.Truncate(route))
	}
	return nil
}
