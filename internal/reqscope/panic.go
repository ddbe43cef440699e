package reqscope

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// RecordPanic records the panic v recovered in the request, with stack,
// the stack of where it happened: a panic_recovered line (panic,
// error_type, stack) through the logger of ctx, the request's context; an
// exception event and error status on span. The access line End writes
// afterwards is an error. The response is the transport's to make.
func (s *Scope) RecordPanic(ctx context.Context, span trace.Span, v any, stack []byte) {
	s.panicked = true
	typ := fmt.Sprintf("%T", v)
	msg := Truncate(fmt.Sprint(v))
	// The panic's own stack is the "stack" field; zap's stack trace of this
	// recovery point would repeat it.
	logging.FromContext(ctx).WithOptions(zap.AddStacktrace(zapcore.FatalLevel)).Error("panic_recovered",
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
}

// Panicked reports whether RecordPanic ran.
func (s *Scope) Panicked() bool { return s.panicked }
