package logging

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/logroute"
)

// ctxKey is the unexported key under which a context carries its logger.
type ctxKey struct{}

// ctxLogger is what a context carries: the logger with every field bound so
// far (without trace fields), the span current when they were bound, and
// the loggers FromContext built for spans (so repeated calls allocate
// nothing).
type ctxLogger struct {
	bound     *zap.Logger
	bindSC    trace.SpanContext          // span current at NewContext/With
	spanBound bool                       // bound (a logger built by New) already carries a span
	own       atomic.Pointer[zap.Logger] // bound + bindSC's trace fields (bound itself when spanBound)
	last      atomic.Pointer[spanLogger] // bound + the last other span asked for (or none)
	req       *foreignRequest            // a request bound to a foreign logger: bound is built on first use
}

// boundLogger returns cl.bound, building it first for a foreign request.
func (cl *ctxLogger) boundLogger() *zap.Logger {
	if cl.req != nil {
		return cl.req.boundLogger()
	}
	return cl.bound
}

// spanLogger is a logger bound to one span.
type spanLogger struct {
	sc trace.SpanContext
	l  *zap.Logger
}

// NewContext returns a copy of ctx whose FromContext starts from l instead of
// the global logger. Fields bound earlier in ctx are dropped. A nil l means
// the global logger; a nil ctx means context.Background().
func NewContext(ctx context.Context, l *zap.Logger) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if l == nil {
		l = logroute.Route(ctx, global())
	}
	return newCtx(ctx, l)
}

func newCtx(ctx context.Context, l *zap.Logger) context.Context {
	cl := &ctxLogger{bound: l, bindSC: trace.SpanContextFromContext(ctx)}
	if c, ok := l.Core().(*core); ok && c.span != nil {
		// l already carries a span (it came from FromContext): a context
		// without a span must not write it.
		cl.spanBound = true
		if sameSpan(c.sc, cl.bindSC) {
			cl.own.Store(l)
		}
	}
	return context.WithValue(ctx, ctxKey{}, cl)
}

// With returns a copy of ctx in which every later line written through
// FromContext carries fields, after those bound before. A string field
// named request_id is written right after the trace fields. A nil ctx
// means context.Background().
func With(ctx context.Context, fields ...zap.Field) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if len(fields) == 0 {
		return ctx
	}
	if rctx, ok := bindRequest(ctx, fields); ok {
		return rctx // a request's fields, from the request scope
	}
	b := base(ctx)
	span := trace.SpanFromContext(ctx)
	if sc := span.SpanContext(); sc.IsValid() {
		if _, ok := b.Core().(*core); ok {
			// Bind the span in the same clone as the fields, so the first
			// FromContext in this span finds its logger ready.
			all := make([]zap.Field, len(fields)+1)
			copy(all, fields)
			all[len(fields)] = zap.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: span}
			cl := &ctxLogger{bound: b.With(all...), bindSC: sc, spanBound: true}
			cl.own.Store(cl.bound)
			return context.WithValue(ctx, ctxKey{}, cl)
		}
	}
	return newCtx(ctx, b.With(fields...))
}

func base(ctx context.Context) *zap.Logger {
	if cl, ok := ctx.Value(ctxKey{}).(*ctxLogger); ok {
		return cl.boundLogger()
	}
	return logroute.Route(ctx, global())
}

// FromContext returns the logger for ctx: the fields bound with With, plus
// trace_id, span_id and trace_flags of the span current in ctx at this call
// (a child span's lines carry the child's span_id). The trace fields are
// written for any valid span context, sampled or not, and left out when
// there is none. Without a logger in ctx it falls back to zap's global
// logger (zap.L, which otel.Init replaces), or, while that is still zap's
// no-op logger, to a logger built by New from the environment, so lines are
// never silently dropped.
//
// Calling it many times in one span costs no allocation: the logger bound
// to the span is cached in the context.
func FromContext(ctx context.Context) *zap.Logger {
	if ctx == nil {
		return global()
	}
	cl, _ := ctx.Value(ctxKey{}).(*ctxLogger)
	span := trace.SpanFromContext(ctx)
	sc := span.SpanContext()
	if cl == nil {
		l := logroute.Route(ctx, global())
		if !sc.IsValid() {
			return l
		}
		return globalWithSpan(l, span, sc)
	}
	if !sc.IsValid() {
		if !cl.spanBound {
			return cl.boundLogger()
		}
		// ctx no longer holds a valid span but bound carries one: use a
		// copy without it (cached in the last slot under the zero span).
		if e := cl.last.Load(); e != nil && !e.sc.IsValid() {
			return e.l
		}
		e := &spanLogger{l: cl.boundLogger().With(zap.Field{Key: spanUnbindKey, Type: zapcore.SkipType})}
		cl.last.Store(e)
		return e.l
	}
	if sameSpan(sc, cl.bindSC) {
		if l := cl.own.Load(); l != nil {
			return l
		}
		if cl.req != nil {
			return cl.req.ownLogger()
		}
		l := bindSpan(cl.boundLogger(), span, sc).l
		cl.own.Store(l)
		return l
	}
	if e := cl.last.Load(); e != nil && sameSpan(e.sc, sc) {
		return e.l
	}
	e := bindSpan(cl.boundLogger(), span, sc)
	cl.last.Store(e)
	return e.l
}

// sameSpan compares the parts of two span contexts the line carries.
func sameSpan(a, b trace.SpanContext) bool {
	return a.SpanID() == b.SpanID() && a.TraceID() == b.TraceID() && a.TraceFlags() == b.TraceFlags()
}

// tailCap is the room for pre-encoded trace fields and request ID kept
// inside a spanEntry; longer tails go to the heap.
const tailCap = 256

// spanEntry is everything binding a logger to a span needs, in one
// allocation: the cache entry, the span-bound core, its pre-encoded trace
// fields and the field slice handed to zap.Logger.With.
type spanEntry struct {
	spanLogger
	c     core
	field [1]zapcore.Field
	tail  [tailCap]byte
}

// bindSpan returns l bound to span. A logger built by New gets the span in
// its core (trace fields written by the profile, OTLP record context, error
// recording); any other zap logger gets the trace fields as strings and the
// span's context for a bridge (see foreign.go).
func bindSpan(l *zap.Logger, span trace.Span, sc trace.SpanContext) *spanLogger {
	c, ok := l.Core().(*core)
	if !ok {
		return bindForeignSpan(l, span, sc)
	}
	e := &spanEntry{}
	c.withSpanInto(&e.c, span, sc, e.tail[:])
	e.field[0] = zapcore.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: &e.c}
	e.sc = sc
	e.l = l.With(e.field[:]...)
	e.field[0] = zapcore.Field{}
	return &e.spanLogger
}

// bindForeignSpan returns l, a logger not built by New, bound to span: the
// trace fields as strings and the span's context for a bridge, in one
// allocation besides zap's clone.
func bindForeignSpan(l *zap.Logger, span trace.Span, sc trace.SpanContext) *spanLogger {
	e := &foreignEntry{}
	e.sc = sc
	e.sctx.span = span
	traceFields(e.fields[:], sc, &e.sctx)
	if fc, ok := l.Core().(*foreignCore); ok {
		// A request's logger: the trace fields go before its fields.
		e.l = l.With(zapcore.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: fc.withSpanFields(e.fields[:])})
		return &e.spanLogger
	}
	e.l = l.With(e.fields[:]...)
	return &e.spanLogger
}

// foreignEntry is a spanLogger for a logger not built by New, the field
// slice handed to its With and the span's context, in one allocation.
type foreignEntry struct {
	spanLogger
	fields [4]zapcore.Field
	sctx   spanCtx
}

// globalCache caches the global logger bound to the last span asked for
// without a logger in the context.
var globalCache atomic.Pointer[globalSpanLogger]

type globalSpanLogger struct {
	base *zap.Logger
	spanLogger
}

func globalWithSpan(l *zap.Logger, span trace.Span, sc trace.SpanContext) *zap.Logger {
	if e := globalCache.Load(); e != nil && e.base == l && sameSpan(e.sc, sc) {
		return e.l
	}
	e := bindSpan(l, span, sc)
	globalCache.Store(&globalSpanLogger{base: l, spanLogger: *e})
	return e.l
}
