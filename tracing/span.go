package tracing

import (
	"context"
	"reflect"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/spanerr"
	"github.com/otelkit/otelkit/internal/spanhook"
)

// ScopeName is the instrumentation scope of the spans Start creates.
const ScopeName = "github.com/otelkit/otelkit"

// Start starts a span named name as a child of the span in ctx, with the
// tracer of the global TracerProvider (otel.SetTracerProvider; otelkit's
// Init sets it) and the scope ScopeName. End it with End:
//
//	ctx, span := tracing.Start(ctx, "load_order")
//	defer tracing.End(span, &err)
//
// In a context from logging.WithBuffer, the span also opens a buffered unit
// of work whose debug lines are written only if it goes wrong (see
// logging's "Per-request log buffering").
func Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	ctx = option.Context(ctx)
	ctx, span := tracer().Start(ctx, name, opts...)
	return spanhook.Started(ctx, span)
}

// cachedTracer remembers the tracer of the global provider it came from, so
// Start does not look the tracer up on every call; a new global provider is
// noticed at the next call.
type cachedTracer struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
}

var lastTracer atomic.Pointer[cachedTracer]

func tracer() trace.Tracer {
	tp := otel.GetTracerProvider()
	// Only comparable providers are cached, so the == below cannot panic.
	if c := lastTracer.Load(); c != nil && c.provider == tp {
		return c.tracer
	}
	t := tp.Tracer(ScopeName)
	if tp != nil && reflect.TypeOf(tp).Comparable() {
		lastTracer.Store(&cachedTracer{provider: tp, tracer: t})
	}
	return t
}

// End ends span. When errp points to a non-nil error it first records that
// error as an exception event, unless the span has recorded it (or an
// error it wraps) already, through an error-level log line with
// logging.Err or through RecordError, and sets the span's status to Error
// with the error's message; for use as `defer tracing.End(span, &err)` with
// a named result err. A nil span or errp is allowed. An error whose Error
// method panics, such as a nil *MyError returned as an error, is recorded
// as "<nil>" (or "<PANIC=...>"), as logging.Err writes it, instead of
// panicking; RecordError does the same.
func End(span trace.Span, errp *error, opts ...trace.SpanEndOption) {
	if span == nil {
		return
	}
	if errp != nil && *errp != nil {
		msg, safe := spanerr.Safe(*errp)
		spanerr.Record(span, *errp, func(error) { span.RecordError(safe) })
		span.SetStatus(codes.Error, msg)
	}
	span.End(opts...)
	spanerr.Forget(span.SpanContext())
}

// RecordError records err on the span in ctx as an exception event (once:
// not when the span recorded it already, see End) and sets its status to
// Error. It does nothing when err is nil or ctx holds no recording span.
func RecordError(ctx context.Context, err error, opts ...trace.EventOption) {
	if err == nil || ctx == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	msg, safe := spanerr.Safe(err)
	spanerr.Record(span, err, func(error) { span.RecordError(safe, opts...) })
	span.SetStatus(codes.Error, msg)
}

// TraceID returns the W3C trace ID (32 lowercase hex digits) of the span in
// ctx, or "" when ctx holds no valid span context.
func TraceID(ctx context.Context) string {
	if id := spanContext(ctx).TraceID(); id.IsValid() {
		return id.String()
	}
	return ""
}

// SpanID returns the W3C span ID (16 lowercase hex digits) of the span in
// ctx, or "" when ctx holds no valid span context.
func SpanID(ctx context.Context) string {
	if id := spanContext(ctx).SpanID(); id.IsValid() {
		return id.String()
	}
	return ""
}

// spanContext is the span context in ctx; a nil ctx holds none.
func spanContext(ctx context.Context) trace.SpanContext {
	if ctx == nil {
		return trace.SpanContext{}
	}
	return trace.SpanContextFromContext(ctx)
}
