package logging

import (
	"context"
	"encoding/hex"
	"io"
	"reflect"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
)

// Foreign zap loggers: a logger not built by New (zap.NewProduction, a tee
// with an otelzap bridge, an observer) has a core that cannot take a span.
// FromContext (bindForeignSpan) gives it trace_id, span_id and trace_flags
// as string fields, plus a field zap encoders skip whose value, a context
// holding the span, is what an OpenTelemetry zap bridge (otelzap) teed into
// that logger emits its records with, so they carry the trace context. A
// request bound to such a logger (request.go) writes its fields through a
// foreignCore, derived from a template logger cached per base logger. This
// file holds those pieces.

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

// foreignTemplate is a logger whose core is a foreignCore around the core
// of base, from which request loggers are derived by With without
// WithOptions.
type foreignTemplate struct {
	base   *zap.Logger
	l      *zap.Logger
	inner  zapcore.Core
	direct bool // inner is zap's own ioCore (zapcore.NewCore)
}

// templateCache holds the template of the last base logger a request was
// bound to (a service has one).
var templateCache atomic.Pointer[foreignTemplate]

// ioCoreType is the type of zapcore.NewCore's core, whose Check adds
// itself when it is enabled, so a foreignCore around it may write to it
// directly instead of through its Check.
var ioCoreType = reflect.TypeOf(zapcore.NewCore(zapcore.NewJSONEncoder(zapcore.EncoderConfig{}), zapcore.AddSync(io.Discard), zapcore.DebugLevel))

// templateFor returns the template of base, from the cache when it is
// there.
func templateFor(base *zap.Logger) *foreignTemplate {
	if t := templateCache.Load(); t != nil && t.base == base {
		return t
	}
	t := &foreignTemplate{base: base, inner: base.Core()}
	t.direct = reflect.TypeOf(t.inner) == ioCoreType
	t.l = base.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return &foreignCore{Core: c, direct: t.direct} }))
	templateCache.Store(t)
	return t
}

// withCore returns the template logger with its core replaced by c. bind
// is the slot, in c's own allocation, of the field that hands c to
// zap.Logger.With: With hands it to foreignCore.With, which keeps none of
// it, and a slice of its own would cost an allocation.
func (t *foreignTemplate) withCore(c *foreignCore, bind *[1]zapcore.Field) *zap.Logger {
	bind[0] = zapcore.Field{Key: spanBindKey, Type: zapcore.SkipType, Interface: c}
	return t.l.With(bind[:]...)
}

// foreignCore adds fields encoded at write time (a request's fields, its
// late marshaler) to a core not built by New. They follow the trace fields
// FromContext binds (bindForeignSpan encodes those in Core), and fields
// bound with With after them follow them in turn (post), so that fields
// come in the order they were bound, as with a logger built by New.
type foreignCore struct {
	zapcore.Core
	pre    []zapcore.Field // trace fields and span context (own logger), request_id, fields, late; never changed
	post   []zapcore.Field // fields bound with With after pre; never changed
	direct bool            // Core is zap's ioCore: write to it without its Check
	buf    *reqBuffer      // the request's log buffer (bufferwrite.go), or nil
}

var _ zapcore.Core = (*foreignCore)(nil)

func (c *foreignCore) With(fields []zapcore.Field) zapcore.Core {
	if len(fields) == 1 && fields[0].Type == zapcore.SkipType && fields[0].Key == spanBindKey {
		if n, ok := fields[0].Interface.(*foreignCore); ok {
			return n
		}
	}
	n := *c
	if len(c.pre) > 0 {
		n.post = append(append(make([]zapcore.Field, 0, len(c.post)+len(fields)), c.post...), guardErrors(fields)...)
		return &n
	}
	n.Core = safeWith(c.Core, guardErrors(fields))
	return &n
}

// withSpanFields returns a copy of c with fields, a span's trace fields,
// encoded in Core: they come before pre and post.
func (c *foreignCore) withSpanFields(fields []zapcore.Field) *foreignCore {
	n := *c
	n.Core = safeWith(c.Core, fields)
	return &n
}

// Check adds c itself, even without fields of its own, so that every line
// passes through Write, which guards fields whose encoding may panic.
func (c *foreignCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Core.Enabled(ent.Level) || c.buf.takes(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

// Write hands the entry to the wrapped core through its own Check, so the
// levels of every core inside (a tee with an OTLP bridge, a sampler) still
// apply; errors of such cores go to nowhere, as zap gives a core no error
// output. zap's plain ioCore is written to directly. Fields whose encoding
// may panic are guarded first (see safe.go), in a pooled slice for zap's
// ioCore, which keeps nothing, and in a slice of the line's own for any
// other core.
func (c *foreignCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	if c.buf != nil && c.buffered(ent, fields) {
		return nil
	}
	return c.writeLine(ent, fields)
}

// writeLine is Write but for the request's buffer. It keeps no reference
// to c, so a foreignCore on the stack (the slog handler's) stays there.
func (c *foreignCore) writeLine(ent zapcore.Entry, fields []zapcore.Field) error {
	if len(c.pre) == 0 && len(c.post) == 0 && !anyRiskyLine(fields) {
		// Nothing to add and nothing to guard (a request's own logger
		// once its fields are encoded, a line of plain fields): the call's
		// fields as they are, without a pooled copy.
		return c.writeInner(ent, fields)
	}
	if !c.direct {
		// A core other than zap's ioCore may keep what it is given
		// (zaptest/observer does, an asynchronous core may): fields and
		// guards of its own, not pooled ones a later line reuses.
		line := append(append(append(make([]zapcore.Field, 0, len(c.pre)+len(c.post)+len(fields)), c.pre...), c.post...), fields...)
		guardInPlace(line, nil)
		return c.writeInner(ent, line)
	}
	lf := getLineFields()
	lf.buf = append(append(append(lf.buf[:0], c.pre...), c.post...), fields...)
	guardInPlace(lf.buf, &lf.guards)
	err := c.writeInner(ent, lf.buf)
	lf.free()
	return err
}

// writeInner writes the line to the wrapped core: directly to zap's
// ioCore, through its Check to any other.
func (c *foreignCore) writeInner(ent zapcore.Entry, fields []zapcore.Field) error {
	if c.direct {
		return c.Core.Write(ent, fields)
	}
	if ce := c.Core.Check(ent, nil); ce != nil {
		ce.Write(fields...)
	}
	return nil
}

// anyRiskyLine is anyRisky for the fields of one line, less the request's
// own fields whose encoding cannot panic (ownSafe), which the access line
// of every request carries.
func anyRiskyLine(fields []zapcore.Field) bool {
	for _, f := range fields {
		if risky(f) && !ownSafe(f) {
			return true
		}
	}
	return false
}

// ownSafe reports whether f is one of the request's own inline fields that
// cannot panic: its request fields when they hold nothing that may
// (foreignRequest.plain), and the access line's fields, which otelkit's
// transports alone fill (internal/reqlog; Access.More is theirs too).
func ownSafe(f zapcore.Field) bool {
	if f.Type != zapcore.InlineMarshalerType {
		return false
	}
	switch m := f.Interface.(type) {
	case *reqlog.Access:
		return true
	case *allFields:
		return m.plain
	case *eagerFields:
		return m.plain
	case *boundFields:
		return m.plain
	}
	return false
}
