package logging

import (
	"context"
	"encoding/hex"
	"io"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// lazyKey marks a field (SkipType, so other cores ignore it) whose
// Interface is a zapcore.ObjectMarshaler to be encoded on every line
// instead of once when it is bound.
const lazyKey = "\x00otelkit.lazy"

// WithLazy returns a copy of ctx in which every later line written through
// FromContext carries the fields m writes, after the fields bound before.
// Unlike With, m is not encoded now but on every line, so it can write
// values that are only known later, such as the route a router matches
// after the middleware bound the request's logger. m must be safe for
// concurrent use and should be cheap: it runs once per line (and once more
// per line for the OTLP bridge). A nil m or ctx changes nothing (a nil ctx
// means context.Background()).
func WithLazy(ctx context.Context, m zapcore.ObjectMarshaler) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if m == nil {
		return ctx
	}
	b := base(ctx)
	if _, ok := b.Core().(*core); ok {
		return With(ctx, zap.Field{Key: lazyKey, Type: zapcore.SkipType, Interface: m})
	}
	lc := &lazyCore{pre: []zapcore.Field{zap.Inline(m)}}
	return newCtx(ctx, b.WithOptions(zap.WrapCore(lc.wrap)))
}

// NewRequestContext returns a copy of ctx whose FromContext starts from l
// (nil: the global logger, as in NewContext) with, on every line, request_id
// right after the trace fields (left out when requestID is empty), then
// fields, then the fields lazy writes (nil: none), encoded on every line as
// WithLazy does. It is what a server middleware calls once per request,
// inside the request's span, with what it knows at the start (method, path)
// as fields and what it learns later (the route) as lazy.
//
// When l is a logger built by New, the span current in ctx, the request ID,
// fields and lazy are bound in one allocation, so FromContext in that span
// returns a ready logger without allocating, and lines reach the OTLP
// bridge with the span's context. Any other zap logger gets trace_id,
// span_id and trace_flags as string fields, the request ID and fields bound
// once, and a field that zap encoders skip but an OpenTelemetry zap bridge
// (otelzap) teed into it takes as the record's context.
func NewRequestContext(ctx context.Context, l *zap.Logger, requestID string, lazy zapcore.ObjectMarshaler, fields ...zap.Field) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if l == nil {
		l = global()
	}
	span := trace.SpanFromContext(ctx)
	sc := span.SpanContext()
	if c, ok := l.Core().(*core); ok {
		return newCoreRequest(ctx, l, c, span, sc, requestID, lazy, fields)
	}
	return newForeignRequest(ctx, l, span, sc, requestID, lazy, fields)
}

// newCoreRequest is NewRequestContext for a logger built by New. fields
// join the core's lazy fields: written on every line without being
// encoded in advance, which would cost an encoder clone per request.
func newCoreRequest(ctx context.Context, l *zap.Logger, c *core, span trace.Span, sc trace.SpanContext, requestID string, lazy zapcore.ObjectMarshaler, fields []zap.Field) context.Context {
	e := &requestEntry{}
	e.c = *c
	if requestID != "" {
		e.c.reqID, e.c.hasReqID = requestID, true
	}
	extra := len(fields)
	if lazy != nil {
		extra++
	}
	if extra > 0 {
		var ls []zapcore.Field
		if len(c.lazy)+extra <= len(e.lazy) {
			ls = e.lazy[: 0 : len(c.lazy)+extra]
		} else {
			ls = make([]zapcore.Field, 0, len(c.lazy)+extra)
		}
		ls = append(ls, c.lazy...)
		for _, f := range fields {
			if f.Type == zapcore.SkipType || isContextField(f) {
				continue
			}
			ls = append(ls, c.prof.rewrite(f))
		}
		if lazy != nil {
			ls = append(ls, zap.Inline(lazy))
		}
		e.c.lazy = ls
	}
	if sc.IsValid() {
		e.c.span, e.c.sc = span, sc
	} else {
		e.c.span, e.c.sc = nil, trace.SpanContext{}
	}
	if e.c.bridge != nil {
		bf := []zapcore.Field{{Key: "context", Type: zapcore.SkipType, Interface: spanContext(e.c.span)}}
		if requestID != "" {
			bf = append(bf, zap.String(requestIDKey, requestID))
		}
		e.c.bridge = e.c.bridge.With(bf)
	}
	if e.c.json {
		e.c.tail = nil
		if sc.IsValid() || e.c.hasReqID {
			buf := e.tail[:0]
			if tailHint(&e.c) > tailCap {
				buf = nil
			}
			e.c.tail = e.c.prof.buildTail(buf, sc, e.c.gcpProject, e.c.reqID, e.c.hasReqID)
		}
	}
	e.field[0] = zapcore.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: &e.c}
	e.cl.bound = l.With(e.field[:]...)
	e.field[0] = zapcore.Field{}
	e.cl.bindSC = sc
	e.cl.spanBound = e.c.span != nil
	e.cl.own.Store(e.cl.bound)
	return context.WithValue(ctx, ctxKey{}, &e.cl)
}

// newForeignRequest is NewRequestContext for a logger not built by New.
// Its cores cannot take the span, so the context's loggers wrap them in
// lazyCores, built on first use from a template logger cached per base
// logger (no WithOptions per request):
//
//   - own, for the span current now, binds the trace fields, the span's
//     context, request_id and fields with the core's With (encoded once)
//     and adds lazy to every line;
//   - bound, for child spans and With, adds request_id, fields and lazy to
//     every line (trace fields of other spans come through bindSpan).
//
// Until FromContext builds own, RequestLogger hands out the template and
// the fields, so a request that writes only its access line builds no
// logger at all: this costs one allocation, the hex string and the context.
func newForeignRequest(ctx context.Context, l *zap.Logger, span trace.Span, sc trace.SpanContext, requestID string, lazy zapcore.ObjectMarshaler, fields []zap.Field) context.Context {
	t := lazyTemplate(l)
	e := &foreignRequest{t: t, rid: requestID, lazy: lazy}
	e.cl.req = e
	e.cl.bindSC = sc
	if len(fields) <= len(e.fbuf) {
		e.fields = e.fbuf[:copy(e.fbuf[:], fields):len(fields)]
	} else {
		e.fields = append([]zap.Field(nil), fields...)
	}
	if sc.IsValid() {
		e.sctx.span = span
		e.ids.set(sc)
		e.hasTrace = true
		e.line[0] = zapcore.Field{Key: "context", Type: zapcore.SkipType, Interface: &e.sctx}
	} else {
		e.line[0] = zap.Skip()
	}
	e.line[1] = zap.Inline((*allFields)(e))
	return context.WithValue(ctx, ctxKey{}, &e.cl)
}

// ownLogger builds (once) and returns the logger for the request's span:
// everything but an unsettled lazy marshaler is encoded by one With.
func (e *foreignRequest) ownLogger() *zap.Logger {
	if l := e.cl.own.Load(); l != nil {
		return l
	}
	o := &ownCore{}
	own := &o.c
	own.direct = e.t.direct
	o.with[0] = e.line[0]
	if e.lazy != nil && !isSettled(e.lazy) {
		o.with[1] = zap.Inline((*eagerFields)(e))
		o.lazy[0] = zap.Inline(e.lazy)
		own.pre = o.lazy[:]
	} else {
		o.with[1] = e.line[1]
	}
	own.Core = safeWith(e.t.inner, o.with[:])
	o.field[0] = zapcore.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: own}
	l := e.t.l.With(o.field[:]...)
	if !e.cl.own.CompareAndSwap(nil, l) {
		return e.cl.own.Load()
	}
	return l
}

// boundLogger builds (once) the logger for child spans and With: the
// request's fields without the trace fields, per line.
func (e *foreignRequest) boundLogger() *zap.Logger {
	if l := e.boundL.Load(); l != nil {
		return l
	}
	l := e.t.withCore(&lazyCore{Core: e.t.inner, pre: []zapcore.Field{zap.Inline((*boundFields)(e))}, direct: e.t.direct})
	if !e.boundL.CompareAndSwap(nil, l) {
		return e.boundL.Load()
	}
	return l
}

// Settler is implemented by a lazy marshaler (WithLazy, NewRequestContext)
// that knows when its value no longer changes, as a middleware's route
// after routing. Once Settled returns true, a logger that logging builds
// from then on may encode the marshaler once, when it is built, instead of
// on every line. It must be safe for concurrent use.
type Settler interface {
	Settled() bool
}

// isSettled reports whether m is a Settler that has settled.
func isSettled(m zapcore.ObjectMarshaler) bool {
	s, ok := m.(Settler)
	return ok && s.Settled()
}

// ownCore is the core of a foreign request's own logger and the field that
// hands it to zap.Logger.With, in one allocation.
type ownCore struct {
	c     lazyCore
	field [1]zapcore.Field
	with  [2]zapcore.Field
	lazy  [1]zapcore.Field
}

// RequestLogger returns a logger and fields that together write what
// FromContext(ctx) would, for a middleware's own line at the end of a
// request (the access line) that should cost as little as possible. For
// a context from NewRequestContext with a logger not built by New, until
// FromContext has built the request's logger, that is a logger shared by
// all requests plus the request's fields (trace fields, the span's context
// for an OpenTelemetry bridge, request_id, fields and lazy) to write before
// the line's own, so no logger is built. Otherwise it is FromContext(ctx)
// and no fields. The fields must not be changed.
func RequestLogger(ctx context.Context) (*zap.Logger, []zap.Field) {
	if ctx == nil {
		return global(), nil
	}
	if cl, ok := ctx.Value(ctxKey{}).(*ctxLogger); ok && cl.req != nil {
		if sameSpan(trace.SpanContextFromContext(ctx), cl.bindSC) {
			if l := cl.own.Load(); l != nil {
				return l, nil
			}
			return cl.req.t.l, cl.req.line[:]
		}
	}
	return FromContext(ctx), nil
}

// withCore returns the template logger with its core replaced by c.
func (t *template) withCore(c *lazyCore) *zap.Logger {
	return t.l.With(zapcore.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: c})
}

// traceFields writes into dst trace_id, span_id and trace_flags of sc as
// string fields (one string allocation for the three) and the field that
// hands ctx to an OpenTelemetry zap bridge (zap encoders skip it).
func traceFields(dst []zapcore.Field, sc trace.SpanContext, ctx context.Context) {
	var hx [32 + 16 + 2]byte
	tid, sid := sc.TraceID(), sc.SpanID()
	hex.Encode(hx[0:32], tid[:])
	hex.Encode(hx[32:48], sid[:])
	hex.Encode(hx[48:50], []byte{byte(sc.TraceFlags())})
	s := string(hx[:])
	dst[0] = zap.String("trace_id", s[0:32])
	dst[1] = zap.String("span_id", s[32:48])
	dst[2] = zap.String("trace_flags", s[48:50])
	dst[3] = zapcore.Field{Key: "context", Type: zapcore.SkipType, Interface: ctx}
}

// foreignRequest is what newForeignRequest allocates.
type foreignRequest struct {
	cl       ctxLogger
	t        *template
	boundL   atomic.Pointer[zap.Logger]
	rid      string
	fields   []zap.Field
	lazy     zapcore.ObjectMarshaler
	hasTrace bool
	sctx     spanCtx
	ids      traceIDs
	fbuf     [2]zap.Field
	line     [2]zapcore.Field // RequestLogger's fields: the span context, allFields
}

// The request's fields as one Inline field each: allFields (trace fields,
// request_id, fields, lazy), eagerFields (the same without lazy) and
// boundFields (without the trace fields).
type (
	allFields   foreignRequest
	eagerFields foreignRequest
	boundFields foreignRequest
)

func (e *foreignRequest) addFields(enc zapcore.ObjectEncoder, trace, lazy bool) {
	if trace && e.hasTrace {
		_ = e.ids.MarshalLogObject(enc)
	}
	if e.rid != "" {
		enc.AddString(requestIDKey, e.rid)
	}
	for _, f := range e.fields {
		f.AddTo(enc)
	}
	if lazy && e.lazy != nil {
		zap.Inline(e.lazy).AddTo(enc)
	}
}

func (a *allFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	(*foreignRequest)(a).addFields(enc, true, true)
	return nil
}

func (a *eagerFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	(*foreignRequest)(a).addFields(enc, true, false)
	return nil
}

func (a *boundFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	(*foreignRequest)(a).addFields(enc, false, true)
	return nil
}

// traceIDs writes trace_id, span_id and trace_flags from hex kept inline,
// so a request costs no string allocation for them.
type traceIDs struct{ hex [32 + 16 + 2]byte }

func (t *traceIDs) set(sc trace.SpanContext) {
	tid, sid := sc.TraceID(), sc.SpanID()
	hex.Encode(t.hex[0:32], tid[:])
	hex.Encode(t.hex[32:48], sid[:])
	hex.Encode(t.hex[48:50], []byte{byte(sc.TraceFlags())})
}

func (t *traceIDs) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddByteString("trace_id", t.hex[0:32])
	enc.AddByteString("span_id", t.hex[32:48])
	enc.AddByteString("trace_flags", t.hex[48:50])
	return nil
}

// template is a logger whose core is a lazyCore around the core of base,
// from which request loggers are derived by With without WithOptions.
type template struct {
	base   *zap.Logger
	l      *zap.Logger
	inner  zapcore.Core
	direct bool // inner is zap's own ioCore (zapcore.NewCore)
}

var templateCache atomic.Pointer[template]

// ioCoreType is the type of zapcore.NewCore's core, whose Check adds
// itself when it is enabled, so a lazyCore around it may write to it
// directly instead of through its Check.
var ioCoreType = reflect.TypeOf(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{}), zapcore.AddSync(io.Discard), zapcore.DebugLevel))

func lazyTemplate(base *zap.Logger) *template {
	if t := templateCache.Load(); t != nil && t.base == base {
		return t
	}
	t := &template{base: base, inner: base.Core()}
	t.direct = reflect.TypeOf(t.inner) == ioCoreType
	t.l = base.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return &lazyCore{Core: c} }))
	templateCache.Store(t)
	return t
}

// spanCtx is a context.Context holding one span, which can live inside a
// larger allocation (trace.ContextWithSpan allocates on its own). It answers
// trace's span key by asking probeCtx, a context that holds probe under
// that key, so it needs no access to the key itself.
type spanCtx struct{ span trace.Span }

type probeSpan struct{ noop.Span }

var (
	probe    = &probeSpan{}
	probeCtx = trace.ContextWithSpan(context.Background(), probe)
)

func (*spanCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*spanCtx) Done() <-chan struct{}       { return nil }
func (*spanCtx) Err() error                  { return nil }
func (c *spanCtx) Value(key any) any {
	if sp, ok := probeCtx.Value(key).(*probeSpan); ok && sp == probe {
		return c.span
	}
	return nil
}
func (c *spanCtx) String() string { return "logging.spanCtx" }

// requestEntry is what NewRequestContext allocates for a logger built by
// New, in one piece: the context's logger state, the bound core, its
// pre-encoded trace fields and request ID, and the field slices.
type requestEntry struct {
	cl    ctxLogger
	c     core
	field [1]zapcore.Field
	lazy  [3]zapcore.Field
	tail  [tailCap]byte
}

// lazyCore adds fields encoded at write time (request ID, lazy marshalers)
// to a core not built by New. They follow the fields bound with With, so
// trace fields bound by FromContext come first.
type lazyCore struct {
	zapcore.Core
	pre    []zapcore.Field // trace fields and span context (own), request_id, lazy; never changed
	direct bool            // Core is zap's ioCore: write to it without its Check
}

var _ zapcore.Core = (*lazyCore)(nil)

func (c *lazyCore) wrap(in zapcore.Core) zapcore.Core {
	if c.Core == nil {
		c.Core = in
		return c
	}
	n := *c
	n.Core = in
	return &n
}

func (c *lazyCore) With(fields []zapcore.Field) zapcore.Core {
	if len(fields) == 1 && fields[0].Type == zapcore.SkipType && fields[0].Key == spanBindKey {
		if n, ok := fields[0].Interface.(*lazyCore); ok {
			return n
		}
	}
	n := *c
	n.Core = safeWith(c.Core, guardErrors(fields))
	return &n
}

// Check adds c itself, even without fields of its own, so that every line
// passes through Write, which guards fields whose encoding may panic.
func (c *lazyCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Core.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

// Write hands the entry to the wrapped core through its own Check, so the
// levels of every core inside (a tee with an OTLP bridge, a sampler) still
// apply; errors of such cores go to nowhere, as zap gives a core no error
// output. zap's plain ioCore is written to directly. Fields whose encoding
// may panic are guarded first (see safe.go).
func (c *lazyCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	lf := getLazyFields()
	lf.buf = append(append(lf.buf[:0], c.pre...), fields...)
	guardInPlace(lf.buf, &lf.guards)
	var err error
	if c.direct {
		err = c.Core.Write(ent, lf.buf)
	} else if ce := c.Core.Check(ent, nil); ce != nil {
		ce.Write(lf.buf...)
	}
	lf.free()
	return err
}

// lazyFields encodes the lazy fields of a core followed by the fields of
// one call; pooled, so writing a line with lazy fields allocates nothing.
type lazyFields struct {
	lazy   []zapcore.Field
	fields []zapcore.Field
	one    [1]zapcore.Field
	buf    []zapcore.Field
	guards []guard // for lazyCore.Write
}

var lazyPool = sync.Pool{New: func() any { return &lazyFields{buf: make([]zapcore.Field, 0, 16)} }}

func getLazyFields() *lazyFields { return lazyPool.Get().(*lazyFields) }

func (lf *lazyFields) free() {
	lf.lazy, lf.fields, lf.one[0] = nil, nil, zapcore.Field{}
	if cap(lf.guards) > 64 {
		lf.guards = nil
	} else {
		clear(lf.guards)
	}
	if cap(lf.buf) > 64 {
		lf.buf = make([]zapcore.Field, 0, 16)
	} else {
		clear(lf.buf)
		lf.buf = lf.buf[:0]
	}
	lazyPool.Put(lf)
}

func (lf *lazyFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range lf.lazy {
		f.AddTo(enc)
	}
	for _, f := range lf.fields {
		f.AddTo(enc)
	}
	return nil
}
