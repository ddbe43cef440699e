package logging

import (
	"context"
	"sync"
	"time"

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
func (c *core) buffered(ent zapcore.Entry, fields []zapcore.Field) (bool, error) {
	rb := c.rbuf
	if c.level.Enabled(ent.Level) {
		if ent.Level >= zapcore.ErrorLevel {
			rb.flush()
		}
		return false, nil
	}
	if !rb.takes(ent.Level) {
		return false, nil // the level changed after Check: write it as Check decided
	}
	if rb.dropping() {
		return true, nil
	}
	lf := getLineFields()
	lf.buf = append(append(lf.buf[:0], fields...), bufferedMarker)
	// The line as the output would get it, encoded now by a copy of the
	// core writing to a sink.
	sink := sinkPool.Get().(*lineSink)
	g := *c
	g.out, g.bridge, g.rbuf, g.spanErrors = sink, nil, nil, false
	err := g.writeLine(ent, g.scrub(lf.buf))
	size := len(sink.b)
	var rec *bufRecord
	if c.bridge != nil && c.bridge.Enabled(ent.Level) {
		rec = &bufRecord{core: c.bridge, ent: ent}
		var n1, n2 int
		rec.fields, n1 = capture(make([]zapcore.Field, 0, len(c.lazy)+len(lf.buf)), c.lazy)
		rec.fields, n2 = capture(rec.fields, lf.buf)
		size += n1 + n2
	}
	lf.free()
	if err == nil {
		rb.keep(sink.b, c.out, rec, size)
	}
	sink.free()
	return true, err
}

// lineSink is the output a buffered line is encoded to.
type lineSink struct{ b []byte }

var sinkPool = sync.Pool{New: func() any { return &lineSink{b: make([]byte, 0, 1024)} }}

func (s *lineSink) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *lineSink) Sync() error                 { return nil }

func (s *lineSink) free() {
	if cap(s.b) > 64<<10 {
		return
	}
	s.b = s.b[:0]
	sinkPool.Put(s)
}

// Level reports the core's own level, not what a request's buffer takes,
// so zap.Logger.Level stays true.
func (c *core) Level() zapcore.Level { return zapcore.LevelOf(c.level) }

// Enabled is the wrapped core's, and the levels a request's buffer takes.
func (c *foreignCore) Enabled(l zapcore.Level) bool { return c.Core.Enabled(l) || c.buf.takes(l) }

// Level reports the wrapped core's level (see core.Level).
func (c *foreignCore) Level() zapcore.Level { return zapcore.LevelOf(c.Core) }

// buffered is core.buffered for a foreign core: the line, with the fields
// the foreignCore adds, is captured as fields (the foreign core's encoding
// is not ours to run early) and written to the wrapped core directly when
// flushed, whatever the levels of the cores inside it.
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
	lf.buf = append(append(append(lf.buf[:0], c.pre...), fields...), bufferedMarker)
	rec := &bufRecord{core: c.Core, ent: ent}
	var size int
	rec.fields, size = capture(make([]zapcore.Field, 0, len(lf.buf)), lf.buf)
	lf.free()
	rb.keep(nil, nil, rec, size)
	return true
}

// EndBuffer implements reqlog.Bound.
func (e *requestEntry) EndBuffer(failed bool, elapsed time.Duration) (zapcore.ObjectMarshaler, bool) {
	return e.c.rbuf.end(failed, elapsed)
}

// EndBuffer implements reqlog.Bound.
func (e *foreignRequest) EndBuffer(failed bool, elapsed time.Duration) (zapcore.ObjectMarshaler, bool) {
	return e.buf.end(failed, elapsed)
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
		return c.rbuf
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
