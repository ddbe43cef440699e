package logging

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ctxKey is the unexported key under which a context carries its logger.
type ctxKey struct{}

// ctxLogger is what a context carries: the logger with every field bound so
// far (without trace fields).
type ctxLogger struct {
	bound *zap.Logger
}

// NewContext returns a copy of ctx whose FromContext starts from l instead of
// the global logger. Fields bound earlier in ctx are dropped.
func NewContext(ctx context.Context, l *zap.Logger) context.Context {
	if l == nil {
		l = zap.L()
	}
	return context.WithValue(ctx, ctxKey{}, &ctxLogger{bound: l})
}

// With returns a copy of ctx in which every later line written through
// FromContext carries fields, after those bound before.
func With(ctx context.Context, fields ...zap.Field) context.Context {
	if len(fields) == 0 {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, &ctxLogger{bound: base(ctx).With(fields...)})
}

func base(ctx context.Context) *zap.Logger {
	if cl, ok := ctx.Value(ctxKey{}).(*ctxLogger); ok && cl.bound != nil {
		return cl.bound
	}
	return zap.L()
}

// FromContext returns the logger for ctx: the fields bound with With, plus
// trace_id, span_id and trace_flags of the span current in ctx at this call.
// Without a logger in ctx it falls back to zap's global logger.
func FromContext(ctx context.Context) *zap.Logger {
	l := base(ctx)
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return l
	}
	return l.With(
		zap.String("trace_id", sc.TraceID().String()),
		zap.String("span_id", sc.SpanID().String()),
		zap.String("trace_flags", sc.TraceFlags().String()),
	)
}

// Err returns a field that writes error (the message) and error_type (the
// Go type) for err. A nil err writes nothing.
func Err(err error) zap.Field {
	if err == nil {
		return zap.Skip()
	}
	return zap.Inline(errFields{err})
}

type errFields struct{ err error }

func (e errFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("error", e.err.Error())
	enc.AddString("error_type", fmt.Sprintf("%T", e.err))
	return nil
}
