package logging

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/trace"
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
	lc := &lazyCore{}
	lc.pre[0] = zap.Inline(m)
	lc.n = 1
	return newCtx(ctx, b.WithOptions(zap.WrapCore(lc.wrap)))
}

// NewRequestContext returns a copy of ctx whose FromContext starts from l
// (nil: the global logger, as in NewContext), with requestID written as
// request_id right after the trace fields (left out when empty) and the
// fields lazy writes (nil: none) encoded on every line as WithLazy does. It
// is what a server middleware calls once per request, inside the request's
// span: when l is a logger built by New, the span current in ctx, the
// request ID and lazy are bound in one step, so FromContext in that span
// returns a ready logger without allocating. Any other zap logger gets the
// same fields (trace fields as strings plus the span's context for an
// OpenTelemetry zap bridge teed into it).
func NewRequestContext(ctx context.Context, l *zap.Logger, requestID string, lazy zapcore.ObjectMarshaler) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if l == nil {
		l = global()
	}
	span := trace.SpanFromContext(ctx)
	sc := span.SpanContext()
	if c, ok := l.Core().(*core); ok {
		e := &requestEntry{}
		e.c = *c
		if requestID != "" {
			e.c.reqID, e.c.hasReqID = requestID, true
		}
		if lazy != nil {
			e.lazy[0] = zap.Inline(lazy)
			if len(c.lazy) == 0 {
				e.c.lazy = e.lazy[:]
			} else {
				e.c.lazy = append(append(make([]zapcore.Field, 0, len(c.lazy)+1), c.lazy...), e.lazy[0])
			}
		}
		if sc.IsValid() {
			e.c.span, e.c.sc = span, sc
			if e.c.bridge != nil {
				e.c.bridge = e.c.bridge.With([]zapcore.Field{{Key: "context", Type: zapcore.SkipType, Interface: spanContext(span)}})
			}
		} else if c.span != nil {
			e.c.span, e.c.sc = nil, trace.SpanContext{}
			if e.c.bridge != nil {
				e.c.bridge = e.c.bridge.With([]zapcore.Field{{Key: "context", Type: zapcore.SkipType, Interface: context.Background()}})
			}
		}
		if e.c.bridge != nil && requestID != "" {
			e.c.bridge = e.c.bridge.With([]zapcore.Field{zap.String(requestIDKey, requestID)})
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
	lc := &lazyCore{}
	if requestID != "" {
		lc.pre[lc.n] = zap.String(requestIDKey, requestID)
		lc.n++
	}
	if lazy != nil {
		lc.pre[lc.n] = zap.Inline(lazy)
		lc.n++
	}
	if lc.n > 0 {
		l = l.WithOptions(zap.WrapCore(lc.wrap))
	}
	return context.WithValue(ctx, ctxKey{}, &ctxLogger{bound: l, bindSC: sc})
}

// requestEntry is what NewRequestContext allocates for a logger built by
// New, in one piece: the context's logger state, the bound core, its
// pre-encoded trace fields and request ID, and the field slices.
type requestEntry struct {
	cl    ctxLogger
	c     core
	field [1]zapcore.Field
	lazy  [1]zapcore.Field
	tail  [tailCap]byte
}

// lazyCore adds fields encoded at write time (request ID, lazy marshalers)
// to a core not built by New. They follow the fields bound with With, so
// trace fields bound by FromContext come first.
type lazyCore struct {
	zapcore.Core
	pre [2]zapcore.Field
	n   int
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
	n := *c
	n.Core = c.Core.With(fields)
	return &n
}

func (c *lazyCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Core.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

// Write hands the entry to the wrapped core through its own Check, so the
// levels of every core inside (a tee with an OTLP bridge, a sampler) still
// apply.
func (c *lazyCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	ce := c.Core.Check(ent, nil)
	if ce == nil {
		return nil
	}
	lf := getLazyFields()
	lf.buf = append(append(lf.buf[:0], c.pre[:c.n]...), fields...)
	ce.Write(lf.buf...)
	lf.free()
	return nil
}

// lazyFields encodes the lazy fields of a core followed by the fields of
// one call; pooled, so writing a line with lazy fields allocates nothing.
type lazyFields struct {
	lazy   []zapcore.Field
	fields []zapcore.Field
	one    [1]zapcore.Field
	buf    []zapcore.Field
}

var lazyPool = sync.Pool{New: func() any { return &lazyFields{buf: make([]zapcore.Field, 0, 16)} }}

func getLazyFields() *lazyFields { return lazyPool.Get().(*lazyFields) }

func (lf *lazyFields) free() {
	lf.lazy, lf.fields, lf.one[0] = nil, nil, zapcore.Field{}
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
