package reqscope

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Per-request log buffering is logging's (see its package documentation);
// the scope only tells it, at End, how the request went: a server error or
// a recovered panic is a failure, and logging adds the slow threshold. Every
// transport built on the scope gets buffering this way, with its counts on
// its access line.

// endBuffer ends the request's log buffer and returns the access line's
// counts (nil: none) and whether the buffered lines were written.
func (s *Scope) endBuffer(o Outcome) (zapcore.ObjectMarshaler, bool) {
	if s.log.Bound == nil {
		return nil, false // never bound: no buffer
	}
	return s.log.Bound.EndBuffer(s.panicked || o == ServerError, s.Elapsed())
}

// accessField returns the field of the access line's own fields: line's,
// then the buffer's counts when there are any, without allocating.
func (s *Scope) accessField(line, counts zapcore.ObjectMarshaler) zap.Field {
	if counts == nil {
		return zap.Inline(line)
	}
	s.acc = accessFields{line: line, counts: counts}
	return zap.Inline(&s.acc)
}

// accessFields writes a transport's access-line fields, then the counts.
type accessFields struct{ line, counts zapcore.ObjectMarshaler }

func (a *accessFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	err := a.line.MarshalLogObject(enc)
	if cerr := a.counts.MarshalLogObject(enc); err == nil {
		err = cerr
	}
	return err
}
