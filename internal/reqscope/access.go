package reqscope

import (
	"context"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/logging"
)

// Outcome is how a request ended, as its access line sees it.
type Outcome uint8

const (
	// Succeeded: the access line is info, and sampled (AccessLog.SampleEvery).
	Succeeded Outcome = iota
	// ClientError (an HTTP 4xx, a gRPC status the client caused): warn.
	ClientError
	// ServerError (an HTTP 5xx, a gRPC status the server caused): error.
	ServerError
	// Aborted: the transport cut the response off on purpose (an HTTP
	// handler's http.ErrAbortHandler), which is no fault of the program:
	// warn, never sampled out, and the request's buffered lines are
	// written, as for a server error.
	Aborted
)

// failed reports whether a request that ended with o went wrong enough
// for its buffered lines to be written.
func (o Outcome) failed() bool { return o == ServerError || o == Aborted }

// AccessLog is a transport's access-line policy, shared by its requests.
// Its zero value writes nothing useful: set Message.
type AccessLog struct {
	Message     string // the line's msg, such as http_request
	Off         bool   // no access line at all
	SampleEvery uint64 // write 1 in every SampleEvery successful requests; 0 and 1: all

	sampled atomic.Uint64
}

// Access is what an access line says about a request, for every
// transport; the request logger's output profile writes it under its
// backend's names (see reqlog.Access).
type Access = reqlog.Access

// End ends the request. First its log buffer, if it has one (see
// buffer.go): the buffered lines are written for a server error, an
// aborted response, a recovered panic or a slow request, and dropped
// otherwise. Then, unless p is off or line is nil (a request the transport
// leaves out, such as a health check), it writes the access line through
// the request's logger, with the request's fields, then those line writes,
// then the buffer's counts, at the level o asks for (error after
// RecordPanic). A line that is an *Access is written under the names of
// the request logger's output profile; any other line is written as it
// is. Call it once per request, after the handler has returned.
func (s *Scope) End(p *AccessLog, o Outcome, line zapcore.ObjectMarshaler) {
	line, flushed := s.endBuffer(o, s.accessFields(line))
	if p.Off || line == nil {
		return
	}
	lvl, write := p.level(s, o, flushed)
	if !write {
		return
	}
	s.writeAccess(p.Message, lvl, line)
}

// accessFields returns the access line's own fields as logging takes them
// for this module's (no key of theirs renamed): an *Access, set to write
// under the request logger's profile names once the request is bound, or
// line wrapped in the scope's Own. nil stays nil.
func (s *Scope) accessFields(line zapcore.ObjectMarshaler) zapcore.ObjectMarshaler {
	switch l := line.(type) {
	case nil:
		return nil
	case *Access:
		if s.log.Bound != nil {
			l.Writer = s.log.Bound.AccessWriter()
		}
		return l
	}
	s.own.M = line // the transport's keys, as they are
	return &s.own
}

// level returns the access line's level for outcome o, and false when the
// line is sampled out. A request whose buffered lines were written is
// never sampled out: its access line says why they were.
func (p *AccessLog) level(s *Scope, o Outcome, flushed bool) (zapcore.Level, bool) {
	switch {
	case s.panicked || o == ServerError:
		return zapcore.ErrorLevel, true
	case o == ClientError || o == Aborted:
		return zapcore.WarnLevel, true
	case flushed:
		return zapcore.InfoLevel, true
	}
	if n := p.SampleEvery; n > 1 && p.sampled.Add(1)%n != 1 {
		return zapcore.InfoLevel, false
	}
	return zapcore.InfoLevel, true
}

// writeAccess writes the access line. It goes through the request's logger
// bound to its span: trace fields under the profile's keys, the span
// context for the OTLP bridge, request_id and the request's fields as on
// every other line of the request. With a logger not built by logging.New
// that the handler did not use, logging hands out a shared logger and the
// request's fields instead of building a logger for one line. A request
// that never reached Bind is bound here, without a span.
func (s *Scope) writeAccess(msg string, lvl zapcore.Level, line zapcore.ObjectMarshaler) {
	if s.log.Bound == nil {
		// The request never reached Bind: bind it now, without a span.
		logging.With(context.Background(), reqlog.Field(&s.log))
		if a, ok := line.(*Access); ok {
			a.Writer = s.log.Bound.AccessWriter()
		}
	}
	log, fields := s.log.Bound.AccessLogger(s.buf[:0])
	ce := checkAccess(log, msg, lvl)
	if ce == nil {
		return
	}
	ce.Write(append(fields, zap.Inline(line))...)
}

// checkAccess checks the access line against log's core directly rather
// than through log.Check: the logger would add a caller and, at error level,
// a stack trace, both pointing into the transport itself and saying nothing
// about the request (a panic's own stack is on the panic_recovered line).
// The entry is built on the stack, so this costs no allocation.
func checkAccess(log *zap.Logger, msg string, lvl zapcore.Level) *zapcore.CheckedEntry {
	return log.Core().Check(zapcore.Entry{
		Level:      lvl,
		Time:       time.Now(),
		LoggerName: log.Name(),
		Message:    msg,
	}, nil)
}
