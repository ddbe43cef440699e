package httpmw

import (
	"context"
	"net/http"
	"runtime/debug"
	"sync/atomic"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/internal/reqscope"
)

// RequestIDAttribute is the span attribute that carries the request ID
// (the request scope's, reqscope.IDAttribute, which grpcmw shares).
const RequestIDAttribute = attribute.Key("request.id")

// maxLogged bounds the path, query and panic text written to a log line.
const maxLogged = reqscope.MaxText

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

var (
	_ http.Handler = (*handler)(nil)
	_ http.Handler = (*inner)(nil)
)

// handler is the outer part: it runs before otelhttp, which calls inner.
type handler struct {
	cfg    config
	next   http.Handler
	otel   http.Handler
	ridKey string
	access reqscope.AccessLog
	routes *routeSet // the routes routeFunc gave, within WithRouteLimit
}

// inner runs inside the otelhttp span.
type inner handler

func newHandler(cfg config, next http.Handler) *handler {
	if next == nil {
		next = http.DefaultServeMux
	}
	h := &handler{cfg: cfg, next: next, ridKey: cfg.requestIDHeader, routes: newRouteSet(cfg.routeLimit)}
	h.access.Message = "http_request"
	cfg.Settings.Apply(&h.access)
	oo := []otelhttp.Option{
		otelhttp.WithSpanNameFormatter(spanName),
		otelhttp.WithServerName(cfg.serverName),
	}
	oo = append(oo, otelhttp.WithPropagators(propagatorOf(cfg)))
	if cfg.TracerProvider != nil {
		oo = append(oo, otelhttp.WithTracerProvider(cfg.TracerProvider))
	}
	if cfg.MeterProvider != nil {
		oo = append(oo, otelhttp.WithMeterProvider(cfg.MeterProvider))
	}
	if cfg.publicEndpoint != nil {
		oo = append(oo, otelhttp.WithPublicEndpointFn(cfg.publicEndpoint))
	}
	h.otel = otelhttp.NewMiddleware("", oo...)((*inner)(h))
	return h
}

// state is everything about one request, in one allocation: its scope
// (request ID, logger, access line) and the response writer. The fields
// the log encoders read (the scope's, req) do not change once the next
// handler runs.
type state struct {
	h      *handler
	scope  reqscope.Scope
	access reqscope.Access // the access line's fields, filled in at the end
	method string
	path   string
	req    *http.Request // the request next receives; ServeMux sets its Pattern (nil before inner runs)
	// A ServeMux nested behind StripPrefix: the prefixes stripped so far
	// (the handler's goroutine only) and the full pattern (read by lines).
	nestPrefix string
	nested     atomic.Pointer[string]
	rw         responseWriter
	attrs      [2]attribute.KeyValue
	aborted    bool // the handler panicked http.ErrAbortHandler (abort.go)
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqscope.Enter()
	defer reqscope.Leave() // also when the request is aborted (abort.go)
	st := &state{h: h}
	defer st.leaveHijacked()
	st.method = r.Method
	if len(st.method) > maxMethodLen {
		st.method = st.method[:maxMethodLen]
	}
	if r.URL != nil {
		st.path = reqscope.Truncate(r.URL.Path)
	}
	// The route is encoded per line (routeField), so it appears once the
	// router has matched.
	st.scope.Begin(h.incomingID(r), h.cfg.Logger, (*routeField)(st),
		zap.String(reqlog.KeyMethod, st.method), zap.String(reqlog.KeyPath, st.path))
	if hdr := w.Header(); hdr != nil {
		hdr[h.ridKey] = st.scope.IDValues()
	}
	st.rw.ResponseWriter = w
	st.rw.st = st
	// otelhttp wraps st.rw; inner finds st again by unwrapping, so the
	// request needs no copy of its own here.
	defer h.recoverOutside(st, r)
	h.otel.ServeHTTP(&st.rw, r)
	h.accessLine(st)
	st.panicIfAborted()
}

// incomingID returns the request-ID values Begin resolves: those of the
// header, or, inside another Handler (a router's middleware around a mux
// with its own), the one ID that Handler gave the request, so that its
// lines, the response header and both access lines carry one ID, as two
// sets of grpcmw ServerOptions give an RPC one. An ID the server's context
// carries from ContextWithRequestID is not a request's: it is not taken.
func (h *handler) incomingID(r *http.Request) []string {
	if outer := reqscope.FromContext(r.Context()); outer != nil && outer.Began() {
		return outer.IDValues()
	}
	return r.Header[h.ridKey]
}

// recoverOutside recovers a panic that otelhttp let through before inner
// ran, from a WithPublicEndpointFunc function or a propagator: it is
// reported as a handler's is (panic_recovered, 500, an access line at
// error), without a span, which otelhttp had not started. Without it
// net/http dropped the connection and the request left no trace. An
// http.ErrAbortHandler gets its access line and is panicked again. Once
// inner ran, a panic here is the one ServeHTTP panicked again
// (panicIfAborted), and goes on.
func (h *handler) recoverOutside(st *state, r *http.Request) {
	if st.req != nil {
		return
	}
	v := recover()
	if v == nil {
		return
	}
	stack := debug.Stack()
	st.req = r.WithContext(st.scope.Bind(r.Context()))
	h.recovered(st, trace.SpanFromContext(context.Background()), &st.rw, st.req, v, stack)
	h.accessLine(st)
	st.panicIfAborted()
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
// the request; next gets a copy of it that carries the request's scope and
// logger, so nothing a handler can see is changed afterwards.
func (in *inner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := (*handler)(in)
	st := stateOf(w)
	if st == nil || st.h != h {
		h.next.ServeHTTP(w, r)
		return
	}
	span := trace.SpanFromContext(r.Context())
	r2 := r.WithContext(st.scope.Bind(r.Context()))
	st.req = r2
	// otelhttp takes server.address and server.port of the metrics from
	// Host when the server name has no port; a client controls Host, so
	// otelhttp's copy gets the server name.
	r.Host = h.cfg.serverName
	if sc := span.SpanContext(); h.cfg.traceResponse && sc.IsValid() {
		if hdr := w.Header(); hdr != nil {
			hdr[TraceResponseHeader] = []string{traceResponse(sc)}
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
	st.attrs[0] = RequestIDAttribute.String(st.scope.ID())
	if v := recover(); v != nil {
		h.recovered(st, span, w, r2, v, debug.Stack())
	}
	route := h.route(st, span, w, r, r2)
	n := 1
	if route != "" {
		st.attrs[1] = attribute.String("http.route", route)
		n = 2
	}
	span.SetAttributes(st.attrs[:n]...)
}

// route returns the request's route and sets it where otelhttp reads it
// (r.Pattern): from WithRouteFunc, whose panic is recovered like the
// handler's (500, panic_recovered, span error, access line), or from the
// pattern http.ServeMux set on r2.
func (h *handler) route(st *state, span trace.Span, w http.ResponseWriter, r, r2 *http.Request) string {
	if h.cfg.routeFunc == nil {
		r.Pattern = st.muxPattern()
		return httpRoute(r.Pattern)
	}
	route, v, stack := h.funcRoute(r2)
	if v != nil {
		h.recovered(st, span, w, r2, v, stack)
	}
	if route != "" {
		r.Pattern = route // otelhttp names the span and sets http.route from it
	}
	return route
}

// recovered reports a recovered panic v with the stack of where it
// happened and answers 500 when nothing was written yet.
// http.ErrAbortHandler is no fault: it is noted (abort) and panicked again
// once the request is recorded, as net/http expects.
func (h *handler) recovered(st *state, span trace.Span, w http.ResponseWriter, r *http.Request, v any, stack []byte) {
	if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
		h.abort(st, span, w, r)
		return
	}
	st.scope.RecordPanic(r.Context(), span, v, stack)
	if !st.rw.wroteHeader && !st.rw.hijacked {
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// RequestID returns the request ID that Handler bound to ctx (or that
// ContextWithRequestID set), and "" when there is none.
func RequestID(ctx context.Context) string { return reqscope.ID(ctx) }

// ContextWithRequestID returns a copy of ctx that carries id as its request
// ID, for work that does not start with an HTTP request (jobs, consumers), so
// that Transport forwards it. An id that the server side would not accept
// (see the package documentation) is replaced by a new one.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return reqscope.ContextWithID(ctx, id)
}

// leaveHijacked notes, when the request took its connection over, that it
// is done (reqscope.Hijack).
func (st *state) leaveHijacked() {
	if st.rw.hijacked {
		reqscope.LeaveHijacked(st.rw.server)
	}
}

// server returns the *http.Server serving the request, for the count of
// its hijacked requests, which Run waits for; nil when unknown. Looked up
// only when a request hijacks: the context walk would cost every request.
func (st *state) server() *http.Server {
	if st == nil || st.req == nil {
		return nil
	}
	srv, _ := st.req.Context().Value(http.ServerContextKey).(*http.Server)
	return srv
}
