package reqscope

import (
	"go.uber.org/zap/zapcore"
)

// Per-request log buffering is logging's (see its package documentation);
// the scope only tells it, at End, how the request went: a server error, an
// aborted response or a recovered panic is a failure, and logging adds the slow threshold. Every
// transport built on the scope gets buffering this way, with its counts on
// its access line.

// endBuffer ends the request's log buffer and returns the access line's own
// fields (line's, then the buffer's counts; line when there are none) and
// whether the buffered lines were written.
func (s *Scope) endBuffer(o Outcome, line zapcore.ObjectMarshaler) (zapcore.ObjectMarshaler, bool) {
	if s.log.Bound == nil {
		return line, false // never bound: no buffer
	}
	return s.log.Bound.EndBuffer(s.panicked || o.failed(), s.Elapsed(), line)
}
