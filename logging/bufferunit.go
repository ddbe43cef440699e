package logging

import (
	"context"
	"reflect"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/spanhook"
)

// Buffered units of work: work that does not start with a request (a job,
// a queue message) gets a buffer like a request's through the span that
// tracing.Start starts for it in a context from WithBuffer. tracing does
// not import logging: it hands the new span to the hook the context
// carries (internal/spanhook), and the hook returns a span whose End ends
// the buffer, and a context whose logger writes into it.

// WithBuffer returns a copy of ctx in which the next span started with
// tracing.Start opens a buffered unit of work, when the logger of ctx (or
// the global logger) has per-request log buffering on: lines below the
// logger's level but at or above the buffer level, written through
// FromContext under that span or its children, are kept until the span
// ends, then written if the unit went wrong (an error-level line, the span
// ended with an error status, as tracing.End(span, &err) sets it for a
// non-nil err, or it lasted longer than the slow threshold) and dropped
// otherwise. Each tracing.Start in ctx opens a unit of its own, so one
// WithBuffer serves a loop of jobs. Inside a request or unit that already
// buffers, it changes nothing. A nil ctx means context.Background().
//
// The span tracing.Start returns then wraps the SDK's span (End and
// SetStatus are watched); it carries the counts as the attributes
// otelkit.log_buffer.dropped or otelkit.log_buffer.flushed.
func WithBuffer(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return spanhook.With(ctx, unitHook{})
}

// Attributes a buffered unit's span gets when it ends with lines dropped or
// written.
const (
	AttrBufferDropped = attribute.Key("otelkit.log_buffer.dropped")
	AttrBufferFlushed = attribute.Key("otelkit.log_buffer.flushed")
)

// unitHook opens a unit for the span tracing.Start has just started.
type unitHook struct{}

func (unitHook) SpanStarted(ctx context.Context, span trace.Span) (context.Context, trace.Span) {
	if bufferOf(ctx) != nil {
		return ctx, span // inside a request or unit already
	}
	l := base(ctx)
	p := policyOf(l)
	if p == nil {
		return ctx, span
	}
	u := &unit{start: time.Now()}
	u.rb.pol, u.rb.from = p, p.level
	u.span.Span, u.span.u = span, u
	ctx = trace.ContextWithSpan(ctx, &u.span)
	return newCtx(ctx, u.logger(l)), &u.span
}

// unit is one buffered unit of work, in one allocation besides its logger.
type unit struct {
	rb     reqBuffer
	span   unitSpan
	c      core
	start  time.Time
	failed atomic.Bool
	ended  atomic.Bool
}

// logger returns l writing into the unit's buffer.
func (u *unit) logger(l *zap.Logger) *zap.Logger {
	if c, ok := l.Core().(*core); ok {
		u.c = *c
		u.c.buf = &u.rb
		return l.With(zapcore.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: &u.c})
	}
	return l.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return &foreignCore{Core: c, buf: &u.rb, direct: isIOCore(c)}
	}))
}

// unitSpan is the span of a buffered unit: the SDK's, with End ending the
// unit first and SetStatus noting an error.
type unitSpan struct {
	trace.Span
	u *unit
}

func (s *unitSpan) SetStatus(code codes.Code, description string) {
	if code == codes.Error {
		s.u.failed.Store(true)
	}
	s.Span.SetStatus(code, description)
}

func (s *unitSpan) End(opts ...trace.SpanEndOption) {
	if u := s.u; u.ended.CompareAndSwap(false, true) {
		cfg := trace.NewSpanEndConfig(opts...)
		end := cfg.Timestamp()
		if end.IsZero() {
			end = time.Now()
		}
		_, flushed := u.rb.end(u.failed.Load(), end.Sub(u.start), nil)
		if c := u.rb.final.counts; flushed && c.flushed > 0 {
			s.Span.SetAttributes(AttrBufferFlushed.Int(c.flushed))
		} else if c.dropped > 0 {
			s.Span.SetAttributes(AttrBufferDropped.Int(c.dropped))
		}
	}
	s.Span.End(opts...)
}

// isIOCore reports whether c is zap's own ioCore (see foreignCore.direct).
func isIOCore(c zapcore.Core) bool { return reflect.TypeOf(c) == ioCoreType }
