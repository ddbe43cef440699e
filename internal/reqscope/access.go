package reqscope

import (
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
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
)

// AccessLog is a transport's access-line policy, shared by its requests.
// Its zero value writes nothing useful: set Message.
type AccessLog struct {
	Message     string // the line's msg, such as http_request
	Off         bool   // no access line at all
	SampleEvery uint64 // write 1 in every SampleEvery successful requests; 0 and 1: all

	sampled atomic.Uint64
}

// End ends the request. First its log buffer, if it has one (see
// buffer.go): the buffered lines are written for a server error, a
// recovered panic or a slow request, and dropped otherwise. Then, unless p
// is off or line is nil (a request the transport leaves out, such as a
// health check), it writes the access line through the request's logger,
// with the request's fields, then those line writes, then the buffer's
// counts, at the level o asks for (error after RecordPanic). Call it once
// per request, after the handler has returned.
func (s *Scope) End(p *AccessLog, o Outcome, line zapcore.ObjectMarshaler) {
	line, flushed := s.endBuffer(o, line)
	if p.Off || line == nil {
		return
	}
	lvl, write := p.level(s, o, flushed)
	if !write {
		return
	}
	s.writeAccess(p.Message, lvl, zap.Inline(line))
}

// level returns the access line's level for outcome o, and false when the
// line is sampled out. A request whose buffered lines were written is
// never sampled out: its access line says why they were.
func (p *AccessLog) level(s *Scope, o Outcome, flushed bool) (zapcore.Level, bool) {
	switch {
	case s.panicked || o == ServerError:
		return zapcore.ErrorLevel, true
	case o == ClientError:
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
// request's fields instead of building a logger for one line.
func (s *Scope) writeAccess(msg string, lvl zapcore.Level, access zap.Field) {
	if s.log.Bound == nil {
		s.writeUnbound(msg, lvl, access)
		return
	}
	log, pre := s.log.Bound.AccessLogger()
	ce := checkAccess(log, msg, lvl)
	if ce == nil {
		return
	}
	if len(pre) > len(s.buf)-1 {
		ce.Write(append(append(make([]zap.Field, 0, len(pre)+1), pre...), access)...)
		return
	}
	ce.Write(append(append(s.buf[:0], pre...), access)...)
}

// writeUnbound writes the access line of a request that never reached Bind
// through the base logger, with the request's fields.
func (s *Scope) writeUnbound(msg string, lvl zapcore.Level, access zap.Field) {
	ce := checkAccess(s.log.Base, msg, lvl)
	if ce == nil {
		return
	}
	fs := make([]zap.Field, 0, len(s.log.Fields)+3)
	fs = append(fs, zap.String("request_id", s.log.ID))
	fs = append(fs, s.log.Fields...)
	if s.log.Late != nil {
		fs = append(fs, zap.Inline(s.log.Late))
	}
	ce.Write(append(fs, access)...)
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
