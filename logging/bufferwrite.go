package logging

import (
	"context"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// How lines reach a request's buffer (buffer.go): from the core New
// builds, from the foreignCore around a logger not built by New, and,
// through either, from the slog handler. Every core derived from a
// request's logger carries its reqBuffer; a core without one writes as if
// buffering did not exist.

// buffered handles a line of a core bound to a request's buffer. It
// reports true when it took the line (kept, written from the buffer's
// state, or dropped), false when the core writes it as usual: a line at the
// logger's level, after the buffer has been flushed if the line is an
// error.
func (c *core) buffered(ent zapcore.Entry, fields []zapcore.Field) bool {
	rb := c.buf
	if rb.policyOnly {
		return false // not bound to a request
	}
	if c.level.Enabled(ent.Level) {
		if ent.Level >= zapcore.ErrorLevel {
			rb.flush()
		}
		return false
	}
	if !rb.takes(ent.Level) {
		return false // the level changed after Check: write it as Check decided
	}
	if rb.dropping() {
		return true
	}
	// The lazy fields (the request's, the route) are captured with the
	// line, and written as its first fields when it is flushed.
	lf := getLineFields()
	var n, m int
	lf.buf, n = capture(lf.buf[:0], c.lazy, nil)
	own := len(lf.buf)
	lf.buf, m = capture(lf.buf, fields, nil)
	lf.buf, own = markBuffered(lf.buf, own)
	rb.keep(ent, c, lf.buf, own, lineSize(ent, n+m))
	lf.free()
	return true
}

// markBuffered adds the buffered marker to a kept line's captured fields:
// last, or before the first namespace, which would otherwise hold it (a
// reader looks for it at the top). own, the count of the captured lazy
// fields that lead, is returned one more when the marker goes among them.
func markBuffered(fields []zapcore.Field, own int) ([]zapcore.Field, int) {
	for i, f := range fields {
		if f.Type != zapcore.NamespaceType {
			continue
		}
		fields = append(fields, zapcore.Field{})
		copy(fields[i+1:], fields[i:])
		fields[i] = bufferedMarker
		if i < own {
			own++
		}
		return fields, own
	}
	return append(fields, bufferedMarker), own
}

// writeKept writes a line c kept as c would have written it: its captured
// lazy fields (the first own) in the place of the lazy fields, as the
// line's own keys (the request's method, path and route are not a user's
// fields to rename, see reserved.go).
func (c *core) writeKept(ent zapcore.Entry, fields []zapcore.Field, own int) {
	g := *c
	g.lazy, g.buf = nil, nil
	if own > 0 {
		g.lazy = []zapcore.Field{zap.Inline(keptFields(fields[:own]))}
		fields = fields[own:]
	}
	_ = g.write(ent, fields) // an output error is the output's: the trigger line meets it too
}

// keptFields are a kept line's captured lazy fields, written as they are.
type keptFields []zapcore.Field

func (k keptFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range k {
		f.AddTo(enc)
	}
	return nil
}

// Level reports the core's own level, not what a request's buffer takes,
// so zap.Logger.Level stays true.
func (c *core) Level() zapcore.Level { return zapcore.LevelOf(c.level) }

// Enabled is the wrapped core's, and the levels a request's buffer takes.
func (c *foreignCore) Enabled(l zapcore.Level) bool { return c.Core.Enabled(l) || c.buf.takes(l) }

// Level reports the wrapped core's level (see core.Level).
func (c *foreignCore) Level() zapcore.Level { return zapcore.LevelOf(c.Core) }

// buffered is core.buffered for a foreign core: the line is kept with the
// fields the foreignCore adds, and written to the wrapped core directly if
// it is flushed, whatever the levels of the cores inside it.
func (c *foreignCore) buffered(ent zapcore.Entry, fields []zapcore.Field) bool {
	rb := c.buf
	if c.Core.Enabled(ent.Level) {
		if ent.Level >= zapcore.ErrorLevel {
			rb.flush()
		}
		return false
	}
	if !rb.takes(ent.Level) {
		return false
	}
	if rb.dropping() {
		return true
	}
	lf := getLineFields()
	var n int
	lf.buf, n = capture(lf.buf[:0], c.pre, fields)
	lf.buf, _ = markBuffered(lf.buf, 0)
	rb.keep(ent, c, lf.buf, 0, lineSize(ent, n))
	lf.free()
	return true
}

// writeKept writes a line c kept to the wrapped core.
func (c *foreignCore) writeKept(ent zapcore.Entry, fields []zapcore.Field, _ int) {
	_ = c.Core.Write(ent, fields)
}

// EndBuffer implements reqlog.Bound.
func (e *requestEntry) EndBuffer(failed bool, elapsed time.Duration, line zapcore.ObjectMarshaler) (zapcore.ObjectMarshaler, bool) {
	return e.c.buf.end(failed, elapsed, line)
}

// EndBuffer implements reqlog.Bound.
func (e *foreignRequest) EndBuffer(failed bool, elapsed time.Duration, line zapcore.ObjectMarshaler) (zapcore.ObjectMarshaler, bool) {
	return e.buf.end(failed, elapsed, line)
}

// bufferOf returns the buffer of the request or unit of work ctx belongs
// to, or nil.
func bufferOf(ctx context.Context) *reqBuffer {
	cl, ok := ctx.Value(ctxKey{}).(*ctxLogger)
	if !ok {
		return nil
	}
	if cl.req != nil {
		return cl.req.buf
	}
	switch c := cl.bound.Core().(type) {
	case *core:
		if c.buf != nil && !c.buf.policyOnly {
			return c.buf
		}
	case *foreignCore:
		return c.buf
	}
	return nil
}

// bufferTakes reports whether a line at l written in ctx goes to its
// request's buffer (for slog's Enabled, which is asked before the line is
// built).
func bufferTakes(ctx context.Context, l zapcore.Level) bool {
	if ctx == nil {
		return false
	}
	return bufferOf(ctx).takes(l)
}
