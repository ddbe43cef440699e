package httpmw

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/requestid"
	"github.com/otelkit/otelkit/logging"
)

// RequestIDAttribute is the span attribute that carries the request ID.
const RequestIDAttribute = attribute.Key("request.id")

// TraceResponseHeader is the W3C Trace Context level 2 response header that
// WithTraceResponse adds.
const TraceResponseHeader = "Traceresponse"

// maxLogged bounds the path, query and panic text written to a log line.
const maxLogged = 1024

// maxMethodLen bounds the method written to a log line.
const maxMethodLen = 32

// Handler wraps next with a server span, HTTP metrics, a request ID, a
// request-scoped logger, an access line and panic recovery. See the package
// documentation for what each part does and the options that change it. A
// nil next serves http.DefaultServeMux, as http.Server does.
func Handler(next http.Handler, opts ...Option) http.Handler {
	return newHandler(newConfig(opts), next)
}

// Middleware returns the Handler wrapper for routers that take
// func(http.Handler) http.Handler (chi, ...). With a router other than
// http.ServeMux, supply the route with WithRouteFunc.
func Middleware(opts ...Option) func(http.Handler) http.Handler {
	cfg := newConfig(opts)
	return func(next http.Handler) http.Handler { return newHandler(cfg, next) }
}

// RequestID returns the request ID that Handler bound to ctx (or that
// ContextWithRequestID set), and "" when there is none.
func RequestID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	if st, ok := ctx.Value(ctxKey{}).(*state); ok {
		return st.rid
	}
	return ""
}

// ContextWithRequestID returns a copy of ctx that carries id as its request
// ID, for work that does not start with an HTTP request (jobs, consumers), so
// that Transport forwards it. An id that the server side would not accept
// (see the package documentation) is replaced by a new one.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if !requestid.Valid(id) {
		id = requestid.New()
	}
	st := &state{rid: id}
	st.ridHeader[0] = id
	return context.WithValue(ctx, ctxKey{}, st)
}

type ctxKey struct{}

var (
	_ http.Handler            = (*handler)(nil)
	_ http.Handler            = (*inner)(nil)
	_ http.RoundTripper       = (*ridTransport)(nil)
	_ zapcore.ObjectMarshaler = (*routeField)(nil)
	_ zapcore.ObjectMarshaler = (*accessFields)(nil)
)

// handler is the outer part: it runs before otelhttp, which calls inner.
type handler struct {
	cfg     config
	next    http.Handler
	otel    http.Handler
	ridKey  string
	sampled atomic.Uint64
}

// inner runs inside the otelhttp span.
type inner handler

func newHandler(cfg config, next http.Handler) *handler {
	if next == nil {
		next = http.DefaultServeMux
	}
	h := &handler{cfg: cfg, next: next, ridKey: cfg.requestIDHeader}
	oo := []otelhttp.Option{
		otelhttp.WithSpanNameFormatter(spanName),
		otelhttp.WithServerName(cfg.serverName),
	}
	oo = append(oo, otelhttp.WithPropagators(propagatorOf(cfg)))
	if cfg.tracerProvider != nil {
		oo = append(oo, otelhttp.WithTracerProvider(cfg.tracerProvider))
	}
	if cfg.meterProvider != nil {
		oo = append(oo, otelhttp.WithMeterProvider(cfg.meterProvider))
	}
	if cfg.publicEndpoint != nil {
		oo = append(oo, otelhttp.WithPublicEndpointFn(cfg.publicEndpoint))
	}
	h.otel = otelhttp.NewMiddleware("", oo...)((*inner)(h))
	return h
}

// state is everything about one request, in one allocation. The fields the
// log encoders read (rid, method, path, req) do not change once the next
// handler runs.
type state struct {
	h        *handler
	base     *zap.Logger
	rid      string
	method   string
	path     string
	origHost string
	req      *http.Request // the request next receives; ServeMux sets its Pattern (nil before inner runs)
	start    time.Time

	rw        responseWriter
	sc        trace.SpanContext
	route     string
	panicked  bool
	ridHeader [1]string
	access    [1]zap.Field
	fields    [3]zap.Field // method and path for NewRequestContext (which copies them), later the access line's fields
	attrs     [2]attribute.KeyValue
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &state{h: h, start: time.Now(), method: r.Method, origHost: r.Host}
	if len(st.method) > maxMethodLen {
		st.method = st.method[:maxMethodLen]
	}
	if r.URL != nil {
		st.path = bound(r.URL.Path)
	}
	st.rid, _ = requestid.Resolve(r.Header[h.ridKey])
	st.ridHeader[0] = st.rid
	if hdr := w.Header(); hdr != nil {
		hdr[h.ridKey] = st.ridHeader[:1:1]
	}
	st.rw.ResponseWriter = w
	st.rw.st = st
	st.base = h.cfg.logger
	if st.base == nil {
		st.base = zap.L()
	}
	// otelhttp wraps st.rw; inner finds st again by unwrapping, so the
	// request needs no copy of its own here.
	h.otel.ServeHTTP(&st.rw, r)
	if h.cfg.accessLog {
		h.accessLine(st)
	}
}

// stateOf finds the state of this request behind the writers otelhttp
// wrapped around it.
func stateOf(w http.ResponseWriter) *state {
	for i := 0; i < 16 && w != nil; i++ {
		if rw, ok := w.(*responseWriter); ok {
			return rw.st
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// ServeHTTP runs next inside the otelhttp span. r is otelhttp's own copy of
// the request; next gets a copy of it that carries the request ID and the
// request logger, so nothing a handler can see is changed afterwards.
func (in *inner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := (*handler)(in)
	st := stateOf(w)
	if st == nil || st.h != h {
		h.next.ServeHTTP(w, r)
		return
	}
	span := trace.SpanFromContext(r.Context())
	st.sc = span.SpanContext()
	st.access[0] = zap.Inline((*accessFields)(st))
	ctx := context.WithValue(r.Context(), ctxKey{}, st)
	// The request's logger: logging binds the span, the request ID, method
	// and path, and routeField (encoded per line, so the route appears once
	// the router has matched).
	st.fields[0] = zap.String("method", st.method)
	st.fields[1] = zap.String("path", st.path)
	ctx = logging.NewRequestContext(ctx, st.base, st.rid, (*routeField)(st), st.fields[:2]...)
	st.fields = [3]zap.Field{}
	r2 := r.WithContext(ctx)
	st.req = r2
	// otelhttp takes server.address and server.port of the metrics from
	// Host when the server name has no port; a client controls Host, so
	// otelhttp's copy gets the server name.
	r.Host = h.cfg.serverName
	if h.cfg.traceResponse && st.sc.IsValid() {
		if hdr := w.Header(); hdr != nil {
			hdr[TraceResponseHeader] = []string{traceResponse(st)}
		}
	}
	defer h.finish(st, span, w, r, r2)
	h.next.ServeHTTP(w, r2)
}

// finish runs deferred in inner: recovers a panic, then records the route
// where otelhttp reads it.
func (h *handler) finish(st *state, span trace.Span, w http.ResponseWriter, r, r2 *http.Request) {
	// Let net/http find and remove multipart temp files (otelhttp copies
	// the form from r to the original request).
	if r2.MultipartForm != nil {
		r.MultipartForm = r2.MultipartForm
	}
	st.attrs[0] = RequestIDAttribute.String(st.rid)
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
			span.SetAttributes(st.attrs[:1]...)
			panic(v)
		}
		h.recovered(st, span, w, r2, v, debug.Stack())
	}
	route := ""
	if h.cfg.routeFunc != nil {
		// A route func is user code: its panic is recovered like the
		// handler's (500, panic_recovered, span error, access line).
		var v any
		var stack []byte
		route, v, stack = callRouteFunc(h.cfg.routeFunc, r2)
		if v != nil {
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				span.SetAttributes(st.attrs[:1]...)
				panic(v)
			}
			h.recovered(st, span, w, r2, v, stack)
		}
		if route != "" {
			r.Pattern = route // otelhttp names the span and sets http.route from it
		}
	} else {
		route = httpRoute(r2.Pattern)
		r.Pattern = r2.Pattern
	}
	st.route = route
	n := 1
	if route != "" {
		st.attrs[1] = attribute.String("http.route", route)
		n = 2
	}
	span.SetAttributes(st.attrs[:n]...)
}

// recovered reports a recovered panic v with the stack of where it
// happened.
func (h *handler) recovered(st *state, span trace.Span, w http.ResponseWriter, r *http.Request, v any, stack []byte) {
	st.panicked = true
	typ := fmt.Sprintf("%T", v)
	msg := bound(fmt.Sprint(v))
	// The panic's own stack is the "stack" field; zap's stack trace of this
	// recovery point would repeat it.
	logging.FromContext(r.Context()).WithOptions(zap.AddStacktrace(zapcore.FatalLevel)).Error("panic_recovered",
		zap.String("panic", msg),
		zap.String("error_type", typ),
		zap.ByteString("stack", stack),
	)
	span.AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.type", typ),
		attribute.String("exception.message", msg),
		attribute.String("exception.stacktrace", string(stack)),
	))
	span.SetStatus(codes.Error, "panic: "+msg)
	if !st.rw.wroteHeader && !st.rw.hijacked {
		w.WriteHeader(http.StatusInternalServerError)
	}
}

func (h *handler) accessLine(st *state) {
	if _, skip := h.cfg.skipPaths[st.path]; skip {
		return
	}
	status := st.rw.status
	if !st.rw.wroteHeader {
		status = http.StatusOK
	}
	lvl := zapcore.InfoLevel
	switch {
	case st.panicked || status >= 500:
		lvl = zapcore.ErrorLevel
	case status >= 400:
		lvl = zapcore.WarnLevel
	default:
		if n := h.cfg.sampleEvery; n > 1 && h.sampled.Add(1)%n != 1 {
			return
		}
	}
	// The access line goes through the request's logger bound to the
	// server span: trace fields under the profile's keys, the span context
	// for the OTLP bridge, request_id, method, path and route as on every
	// other line of the request. With a logger not built by logging.New
	// that the handler did not use, logging hands out a shared logger and
	// the request's fields instead of building a logger for one line.
	if st.req == nil {
		if ce := checkAccess(st.base, lvl); ce != nil {
			ce.Write(st.access[:]...)
		}
		return
	}
	log, pre := logging.RequestLogger(st.req.Context())
	if ce := checkAccess(log, lvl); ce != nil {
		if len(pre) == 0 {
			ce.Write(st.access[:]...)
			return
		}
		if len(pre) > len(st.fields)-1 {
			ce.Write(append(append(make([]zap.Field, 0, len(pre)+1), pre...), st.access[0])...)
			return
		}
		fs := append(append(st.fields[:0], pre...), st.access[0])
		ce.Write(fs...)
	}
}

// checkAccess checks the access line against log's core directly rather
// than through log.Check: the logger would add a caller and, at error level,
// a stack trace, both pointing into httpmw itself and saying nothing about
// the request (a panic's own stack is on the panic_recovered line). The
// entry is built on the stack, so this costs no allocation.
func checkAccess(log *zap.Logger, lvl zapcore.Level) *zapcore.CheckedEntry {
	return log.Core().Check(zapcore.Entry{
		Level:      lvl,
		Time:       time.Now(),
		LoggerName: log.Name(),
		Message:    "http_request",
	}, nil)
}

// traceResponse formats 00-<trace-id>-<span-id>-<flags>.
func traceResponse(st *state) string {
	var b [2 + 1 + 32 + 1 + 16 + 1 + 2]byte
	b[0], b[1], b[2] = '0', '0', '-'
	tid := st.sc.TraceID()
	sid := st.sc.SpanID()
	hex.Encode(b[3:35], tid[:])
	b[35] = '-'
	hex.Encode(b[36:52], sid[:])
	b[52] = '-'
	hex.Encode(b[53:55], []byte{byte(st.sc.TraceFlags())})
	return string(b[:])
}

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

func bound(s string) string {
	if len(s) > maxLogged {
		return s[:maxLogged]
	}
	return s
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

// routeField encodes the route once the router has matched it.
type routeField state

var _ logging.Settler = (*routeField)(nil)

// Settled reports whether the route is final: once http.ServeMux has
// matched (it sets the request's Pattern before calling the handler). A
// route func may depend on anything, so its route never is.
func (b *routeField) Settled() bool {
	st := (*state)(b)
	return st.h.cfg.routeFunc == nil && st.req != nil && st.req.Pattern != ""
}

func (b *routeField) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	st := (*state)(b)
	// Read from the request, not st.route: lines written by goroutines the
	// handler started may run while finish sets st.route.
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
		enc.AddString("route", bound(route))
	}
	return nil
}

// accessFields encodes the access line's own fields (the request logger
// adds the trace fields, request_id, method, path and route).
type accessFields state

func (a *accessFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	st := (*state)(a)
	if st.req == nil {
		// Not through the request's logger (inner did not run).
		enc.AddString("request_id", st.rid)
		enc.AddString("method", st.method)
		enc.AddString("path", st.path)
		_ = (*routeField)(st).MarshalLogObject(enc)
	}
	status := st.rw.status
	if !st.rw.wroteHeader {
		status = http.StatusOK
	}
	enc.AddInt("status", status)
	enc.AddFloat64("duration_ms", float64(time.Since(st.start).Microseconds())/1000)
	enc.AddInt64("bytes", st.rw.bytes)
	if st.h.cfg.logQuery && st.req != nil && st.req.URL != nil && st.req.URL.RawQuery != "" {
		enc.AddString("query", st.h.cfg.redact.query(bound(st.req.URL.RawQuery)))
	}
	return nil
}
