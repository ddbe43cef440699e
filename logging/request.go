package logging

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/logroute"
	"github.com/otelkit/otelkit/internal/reqlog"
)

// Request loggers: once per request, inside its span, the request scope
// (internal/reqscope, for httpmw and grpcmw) binds the request ID, the
// fields known at the start (method, path) and a marshaler for what is
// known later (the route). It does so through With, with the one field
// reqlog.Field makes (see internal/reqlog for why this way), which With
// hands to bindRequest. The lines of the request then carry, after the trace
// fields, request_id, the fields, and what the late marshaler writes,
// encoded on every line, or once per logger built after it has settled
// (reqlog.Settler).
//
// With a logger built by New, everything is bound in one allocation and
// FromContext in the request's span returns that logger without
// allocating. Any other zap logger gets the trace fields as strings (see
// foreign.go); its request logger is built only when a handler asks for
// it, so a request that writes only its access line builds none.

// bindRequest binds the request fields carry when fields is the one field
// reqlog.Field makes, and reports whether it is.
func bindRequest(ctx context.Context, fields []zap.Field) (context.Context, bool) {
	r := reqlog.From(fields)
	if r == nil {
		return ctx, false
	}
	l := r.Base
	if l == nil {
		l = global()
	}
	l = logroute.Route(ctx, l)
	span := trace.SpanFromContext(ctx)
	sc := span.SpanContext()
	if c, ok := l.Core().(*core); ok {
		e := newCoreRequest(l, c, span, sc, r)
		r.Bound = e
		return context.WithValue(ctx, ctxKey{}, &e.cl), true
	}
	e := newForeignRequest(l, span, sc, r)
	r.Bound = e
	return context.WithValue(ctx, ctxKey{}, &e.cl), true
}

// requestEntry is what a request costs with a logger built by New, in one
// allocation: the context's logger state, the bound core, its pre-encoded
// trace fields and request ID, and the field slices.
type requestEntry struct {
	cl    ctxLogger
	c     core
	field [1]zapcore.Field
	lazy  [3]zapcore.Field
	tail  [tailCap]byte
}

// newCoreRequest binds r to l, whose core c was built by New. The request's
// fields join the core's lazy fields: written on every line without being
// encoded in advance, which would cost an encoder clone per request.
func newCoreRequest(l *zap.Logger, c *core, span trace.Span, sc trace.SpanContext, r *reqlog.Request) *requestEntry {
	e := &requestEntry{}
	e.c = *c
	e.c.inRequest = true
	if r.ID != "" {
		e.c.reqID, e.c.hasReqID = r.ID, true
	}
	if c.buf != nil {
		e.c.buf = newReqBuffer(c.buf.pol) // the one allocation buffering adds
	}
	e.addLazy(r)
	if sc.IsValid() {
		e.c.span, e.c.sc = span, sc
	} else {
		e.c.span, e.c.sc = nil, trace.SpanContext{}
	}
	if e.c.bridge != nil {
		bf := []zapcore.Field{{Key: "context", Type: zapcore.SkipType, Interface: spanContext(e.c.span)}}
		if r.ID != "" {
			bf = append(bf, zap.String(requestIDKey, r.ID))
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
	return e
}

// addLazy appends r's fields (with the profile's error keys) and its late
// marshaler to the core's lazy fields, in e's own array when they fit.
func (e *requestEntry) addLazy(r *reqlog.Request) {
	extra := len(r.Fields)
	if r.Late != nil {
		extra++
	}
	if extra == 0 {
		return
	}
	have := e.c.lazy
	var ls []zapcore.Field
	if len(have)+extra <= len(e.lazy) {
		ls = e.lazy[: 0 : len(have)+extra]
	} else {
		ls = make([]zapcore.Field, 0, len(have)+extra)
	}
	ls = append(ls, have...)
	for _, f := range r.Fields {
		if f.Type == zapcore.SkipType || isContextField(f) {
			continue
		}
		ls = append(ls, e.c.prof.requestField(f))
	}
	if r.Late != nil {
		ls = append(ls, zap.Inline(r.Late))
	}
	e.c.lazy = ls
}

// AccessLogger implements reqlog.Bound: the request's logger, bound to its
// span.
func (e *requestEntry) AccessLogger(dst []zap.Field) (*zap.Logger, []zap.Field) {
	return e.cl.bound, dst
}

// AccessWriter implements reqlog.Bound: the profile of the request's
// logger.
func (e *requestEntry) AccessWriter() reqlog.AccessWriter { return e.c.prof }

// foreignRequest is what a request costs with a logger not built by New,
// in one allocation. The context's loggers wrap the base logger's core in
// foreignCores, built on first use from the template of the base logger
// (no WithOptions per request):
//
//   - own, for the request's span, binds the trace fields, the span's
//     context, request_id and the fields with the core's With (encoded
//     once) and adds an unsettled late marshaler to every line;
//   - bound, for child spans and With, adds request_id, the fields and the
//     late marshaler to every line (trace fields of other spans come
//     through bindSpan).
//
// Until FromContext builds own, AccessLogger hands out the template and
// the request's fields, so a request that writes only its access line
// builds no logger at all: it costs one allocation and the context.
type foreignRequest struct {
	cl       ctxLogger
	t        *foreignTemplate
	boundL   atomic.Pointer[zap.Logger]
	rid      string
	fields   []zap.Field
	late     zapcore.ObjectMarshaler
	sctx     spanCtx
	buf      *reqBuffer // the request's log buffer, nil when buffering is off
	ids      traceIDs
	hasTrace bool // after ids' bytes, in their padding: the struct stays in its size class
	plain    bool // fields hold no field whose encoding may panic and there is no late marshaler (ownSafe)
	fbuf     [2]zap.Field
}

// newForeignRequest binds r to l, a logger not built by New.
func newForeignRequest(l *zap.Logger, span trace.Span, sc trace.SpanContext, r *reqlog.Request) *foreignRequest {
	e := &foreignRequest{t: templateFor(l), rid: r.ID, late: r.Late}
	if p := policyOf(l); p != nil {
		e.buf = newReqBuffer(p)
	}
	e.cl.req = e
	e.cl.bindSC = sc
	if len(r.Fields) <= len(e.fbuf) {
		e.fields = e.fbuf[:copy(e.fbuf[:], r.Fields):len(r.Fields)]
	} else {
		e.fields = append([]zap.Field(nil), r.Fields...)
	}
	// Each field whose encoding may panic goes behind a guard of its own,
	// once: a panic then costs that value only, written as {} and a note.
	// A guard around a whole line could not close the object the
	// panicking value had opened, and the line would not be JSON.
	e.fields = guardFields(e.fields)
	e.plain = e.late == nil
	if sc.IsValid() {
		e.sctx.span = span
		e.ids.set(sc)
		e.hasTrace = true
	}
	return e
}

// spanField returns the field that hands the request's span context to a
// core that reads one (an OpenTelemetry bridge), or a field that writes
// nothing when the request has no span.
func (e *foreignRequest) spanField() zap.Field {
	if !e.hasTrace {
		return zap.Skip()
	}
	return zapcore.Field{Key: "context", Type: zapcore.SkipType, Interface: &e.sctx}
}

// AccessLogger implements reqlog.Bound: the request's own logger once
// FromContext has built it, else the template with the request's fields
// (its span context and allFields) appended to dst.
func (e *foreignRequest) AccessLogger(dst []zap.Field) (*zap.Logger, []zap.Field) {
	if l := e.cl.own.Load(); l != nil {
		return l, dst
	}
	return e.t.l, append(dst, e.spanField(), zap.Inline((*allFields)(e)))
}

// AccessWriter implements reqlog.Bound: a foreign logger gets otelkit's
// names.
func (e *foreignRequest) AccessWriter() reqlog.AccessWriter { return nil }

// ownLogger builds (once) and returns the logger for the request's span:
// everything but an unsettled late marshaler is encoded by one With.
func (e *foreignRequest) ownLogger() *zap.Logger {
	if l := e.cl.own.Load(); l != nil {
		return l
	}
	var own *foreignCore
	var bind *[1]zapcore.Field
	if e.late != nil && !isSettled(e.late) {
		o := &ownLateCore{}
		o.with[0] = e.spanField()
		o.with[1] = zap.Inline((*eagerFields)(e))
		o.late[0] = zap.Inline(e.late)
		own, bind = &o.c, &o.bind
		own.pre = o.late[:]
		own.Core = safeWith(e.t.inner, o.with[:])
	} else {
		o := &ownCore{}
		o.with[0] = e.spanField()
		o.with[1] = zap.Inline((*allFields)(e))
		own, bind = &o.c, &o.bind
		own.Core = safeWith(e.t.inner, o.with[:])
	}
	own.direct, own.buf = e.t.direct, e.buf
	l := e.t.withCore(own, bind)
	if !e.cl.own.CompareAndSwap(nil, l) {
		return e.cl.own.Load()
	}
	return l
}

// ownLateCore is the core of the request's own logger when its late
// marshaler has not settled, with the fields its With encodes (the trace
// fields, the request's fields but late) and late, which its lines add as
// they are written, in one allocation.
type ownLateCore struct {
	c    foreignCore
	with [2]zapcore.Field
	late [1]zapcore.Field
	bind [1]zapcore.Field // withCore's
}

// ownCore is the core of the request's own logger otherwise, with the
// fields its With encodes and withCore's slot, in one allocation; so is
// boundCore for boundLogger, with the field its lines add. The fields stay:
// a core other than zap's may keep those it was given.
type (
	ownCore struct {
		c    foreignCore
		with [2]zapcore.Field // the span context and allFields, which the core's With encodes
		bind [1]zapcore.Field // withCore's
	}
	boundCore struct {
		c    foreignCore
		pre  [1]zapcore.Field
		bind [1]zapcore.Field
	}
)

// boundLogger builds (once) the logger for child spans and With: the
// request's fields without the trace fields, per line.
func (e *foreignRequest) boundLogger() *zap.Logger {
	if l := e.boundL.Load(); l != nil {
		return l
	}
	b := &boundCore{c: foreignCore{Core: e.t.inner, direct: e.t.direct, buf: e.buf}}
	b.pre[0] = zap.Inline((*boundFields)(e))
	b.c.pre = b.pre[:]
	l := e.t.withCore(&b.c, &b.bind)
	if !e.boundL.CompareAndSwap(nil, l) {
		return e.boundL.Load()
	}
	return l
}

// isSettled reports whether m is a reqlog.Settler that has settled.
func isSettled(m zapcore.ObjectMarshaler) bool {
	s, ok := m.(reqlog.Settler)
	return ok && s.Settled()
}

// The request's fields as one Inline field each: allFields (trace fields,
// request_id, fields, late), eagerFields (the same without late) and
// boundFields (without the trace fields).
type (
	allFields   foreignRequest
	eagerFields foreignRequest
	boundFields foreignRequest
)

func (e *foreignRequest) addFields(enc zapcore.ObjectEncoder, trace, late bool) {
	if trace && e.hasTrace {
		_ = e.ids.MarshalLogObject(enc)
	}
	if e.rid != "" {
		enc.AddString(requestIDKey, e.rid)
	}
	for _, f := range e.fields {
		f.AddTo(enc)
	}
	if late && e.late != nil {
		zap.Inline(e.late).AddTo(enc)
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
