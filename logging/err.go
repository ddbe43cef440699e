package logging

import (
	"fmt"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/spanerr"
)

// Err returns a field that writes error (the message) and error_type (the
// Go type) for err; the ECS profile writes error.message and error.type, the
// Datadog profile error.message and error.kind. A nil err writes nothing.
// On an error-level line inside a recording span, the error is also
// recorded on the span (see WithoutSpanErrors).
func Err(err error) zap.Field {
	if err == nil {
		return zap.Skip()
	}
	return zap.Inline(errFields{err})
}

// errFields is what Err writes: the default keys, renamed per profile by
// profile.rewrite.
type errFields struct{ err error }

func (e errFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	return errKeys{err: e.err, msg: "error", typ: "error_type"}.MarshalLogObject(enc)
}

// errKeys writes an error under the given keys.
type errKeys struct {
	err      error
	msg, typ string
}

func (e errKeys) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString(e.msg, safeErrorString(e.err))
	enc.AddString(e.typ, fmt.Sprintf("%T", e.err))
	return nil
}

// safeErrorString returns err.Error(), or "<nil>" for a typed nil pointer
// and a note when Error panics (spanerr.Safe), so a bad error never panics
// the logger.
func safeErrorString(err error) string {
	s, _ := spanerr.Safe(err)
	return s
}

// isErrField reports whether f is an Err field or a zap.Error field.
func isErrField(f zapcore.Field) bool {
	switch f.Type {
	case zapcore.InlineMarshalerType:
		_, ok := f.Interface.(errFields)
		return ok
	case zapcore.ErrorType:
		return f.Key == "error"
	}
	return false
}

// fieldError returns the error an Err or zap.Error/NamedError field carries.
func fieldError(f zapcore.Field) error {
	switch f.Type {
	case zapcore.InlineMarshalerType:
		if e, ok := f.Interface.(errFields); ok {
			return e.err
		}
	case zapcore.ErrorType:
		if e, ok := f.Interface.(error); ok {
			return e
		}
	}
	return nil
}

// recordSafely records err on span once (see internal/spanerr), when the
// span records. A typed-nil error, or one whose Error method panics, is
// recorded by its safe text so logging never panics.
func recordSafely(span trace.Span, err error) {
	spanerr.Record(span, err, func(err error) {
		_, safe := spanerr.Safe(err)
		span.RecordError(safe)
	})
}

// errorIsSafe reports whether err.Error() returns without panicking.
func errorIsSafe(err error) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = err.Error()
	return true
}
