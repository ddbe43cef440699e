package logging

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"
)

// profile names the keys one output profile writes. The JSON line is
// written as: time, level, message, caller, the trace fields, the request ID,
// the logger name, the bound fields, the call's fields, the stack trace.
type profile struct {
	name       string
	time       string // key of the timestamp
	level      string // key of the level
	upperLevel bool   // GCP severity names (INFO, WARNING, ...)
	msg        string // key of the message
	caller     string // key of "dir/file.go:line"; "" when the profile writes callerObj
	requestID  string // key of the request ID
	stack      string // key of the stack trace
	errMsg     string // key Err writes the message under
	errType    string // key Err writes the Go type under
	logger     string // key of the logger name (zap.Logger.Named)
	extra      string // pre-encoded constant members written after the message (e.g. ecs.version)

	// Pre-joined header pieces (set by init).
	openTime    string // {"time":"
	timeToLevel string // ","level":"
	openLevel   string // {"level":"   (no time)
	levelToMsg  string // ","msg":
}

// Output profile names accepted by WithProfile and OTELKIT_LOG_PROFILE.
const (
	ProfileDefault = "default"
	ProfileGCP     = "gcp"
	ProfileECS     = "ecs"
	ProfileDatadog = "datadog"
)

var profiles = withHeaders(map[string]*profile{
	ProfileDefault: {
		name: ProfileDefault, time: "time", level: "level", msg: "msg", caller: "caller",
		requestID: "request_id", stack: "stacktrace", errMsg: "error", errType: "error_type", logger: "logger",
	},
	ProfileGCP: {
		name: ProfileGCP, time: "time", level: "severity", upperLevel: true, msg: "message",
		requestID: "request_id", stack: "stack_trace", errMsg: "error", errType: "error_type", logger: "logger",
	},
	ProfileECS: {
		name: ProfileECS, time: "@timestamp", level: "log.level", msg: "message",
		requestID: "http.request.id", stack: "error.stack_trace", errMsg: "error.message", errType: "error.type",
		logger: "log.logger", extra: `,"ecs.version":"8.11.0"`,
	},
	ProfileDatadog: {
		name: ProfileDatadog, time: "timestamp", level: "level", msg: "message", caller: "caller",
		requestID: "request_id", stack: "error.stack", errMsg: "error.message", errType: "error.kind",
		logger: "logger.name",
	},
})

// withHeaders fills the pre-joined header pieces of every profile.
func withHeaders(ps map[string]*profile) map[string]*profile {
	for _, p := range ps {
		p.openTime = `{"` + p.time + `":"`
		p.timeToLevel = `","` + p.level + `":"`
		p.openLevel = `{"` + p.level + `":"`
		p.levelToMsg = `","` + p.msg + `":`
	}
	return ps
}

// levelName returns the level text a profile writes.
func (p *profile) levelName(l zapcore.Level) string {
	if !p.upperLevel {
		return l.String()
	}
	// Cloud Logging LogSeverity names.
	switch l {
	case zapcore.DebugLevel:
		return "DEBUG"
	case zapcore.InfoLevel:
		return "INFO"
	case zapcore.WarnLevel:
		return "WARNING"
	case zapcore.ErrorLevel:
		return "ERROR"
	case zapcore.DPanicLevel:
		return "CRITICAL"
	case zapcore.PanicLevel:
		return "ALERT"
	case zapcore.FatalLevel:
		return "EMERGENCY"
	}
	return "DEFAULT"
}

// appendKey writes ,"key": (the comma unless first).
func appendKey(b *buffer.Buffer, key string, first bool) {
	if !first {
		b.AppendByte(',')
	}
	b.AppendByte('"')
	b.AppendString(key) // profile keys are constants that need no escaping
	b.AppendString(`":`)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string, escaping quotes, backslashes,
// every control character (including DEL) and invalid UTF-8.
func appendJSONString(b *buffer.Buffer, s string) {
	b.AppendByte('"')
	appendEscaped(b, s)
	b.AppendByte('"')
}

// appendEscaped writes the JSON-escaped content of s without quotes.
func appendEscaped(b *buffer.Buffer, s string) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b.AppendString(s[start:i])
			switch c {
			case '"':
				b.AppendString(`\"`)
			case '\\':
				b.AppendString(`\\`)
			case '\n':
				b.AppendString(`\n`)
			case '\r':
				b.AppendString(`\r`)
			case '\t':
				b.AppendString(`\t`)
			default:
				b.AppendString(`\u00`)
				b.AppendByte(hexDigits[c>>4])
				b.AppendByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.AppendString(s[start:i])
			b.AppendString(`\ufffd`)
			i++
			start = i
			continue
		}
		if r <= 0x9f || r == '\u2028' || r == '\u2029' { // C1 controls and line separators
			b.AppendString(s[start:i])
			appendUEscape(b, r)
			i += size
			start = i
			continue
		}
		i += size
	}
	b.AppendString(s[start:])
}

// appendUEscape writes r (< U+10000) as a JSON \uXXXX escape.
func appendUEscape(b *buffer.Buffer, r rune) {
	b.AppendString(`\u`)
	b.AppendByte(hexDigits[r>>12&0xf])
	b.AppendByte(hexDigits[r>>8&0xf])
	b.AppendByte(hexDigits[r>>4&0xf])
	b.AppendByte(hexDigits[r&0xf])
}

// appendSafe appends p, JSON text that zap encoded, to b, escaping what zap
// leaves raw inside strings and a terminal may act on: DEL, the C1 controls
// (U+0080-U+009F, among them CSI) and U+2028/U+2029. These can only occur
// inside JSON strings, where the escape is equivalent. Fast when absent.
func appendSafe(b *buffer.Buffer, p []byte) {
	if bytes.IndexByte(p, 0x7f) < 0 && bytes.IndexByte(p, 0xc2) < 0 && bytes.IndexByte(p, 0xe2) < 0 {
		_, _ = b.Write(p)
		return
	}
	start := 0
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				_, _ = b.Write(p[start:i])
				appendUEscape(b, rune(c))
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' {
			_, _ = b.Write(p[start:i])
			appendUEscape(b, r)
			start = i + size
		}
		i += size
	}
	_, _ = b.Write(p[start:])
}

// appendTime writes t in UTC as RFC 3339 with nanoseconds, always nine
// digits: 2006-01-02T15:04:05.000000000Z.
func appendTime(b *buffer.Buffer, t time.Time) {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b.AppendString(t.Format(time.RFC3339Nano))
		return
	}
	hour, min, sec := t.Clock()
	ns := t.Nanosecond()
	a := [30]byte{
		byte('0' + year/1000), byte('0' + year/100%10), byte('0' + year/10%10), byte('0' + year%10), '-',
		byte('0' + int(month)/10), byte('0' + int(month)%10), '-',
		byte('0' + day/10), byte('0' + day%10), 'T',
		byte('0' + hour/10), byte('0' + hour%10), ':',
		byte('0' + min/10), byte('0' + min%10), ':',
		byte('0' + sec/10), byte('0' + sec%10), '.',
	}
	for i := 28; i >= 20; i-- {
		a[i] = byte('0' + ns%10)
		ns /= 10
	}
	a[29] = 'Z'
	_, _ = b.Write(a[:])
}

// trimmedPath returns the last directory and file of file, as zap's short
// caller does ("pkg/file.go"), without allocating.
func trimmedPath(file string) string {
	idx := -1
	for i := len(file) - 1; i >= 0; i-- {
		if file[i] == '/' {
			if idx >= 0 {
				return file[i+1:]
			}
			idx = i
		}
	}
	return file
}

// appendCaller writes the caller members of a profile.
func (p *profile) appendCaller(b *buffer.Buffer, c zapcore.EntryCaller) {
	switch p.name {
	case ProfileGCP:
		appendKey(b, "logging.googleapis.com/sourceLocation", false)
		b.AppendString(`{"file":`)
		appendJSONString(b, trimmedPath(c.File))
		b.AppendString(`,"line":"`)
		b.AppendInt(int64(c.Line))
		b.AppendString(`","function":`)
		appendJSONString(b, c.Function)
		b.AppendByte('}')
	case ProfileECS:
		appendKey(b, "log.origin.file.name", false)
		appendJSONString(b, trimmedPath(c.File))
		appendKey(b, "log.origin.file.line", false)
		b.AppendInt(int64(c.Line))
		appendKey(b, "log.origin.function", false)
		appendJSONString(b, c.Function)
	default:
		appendKey(b, p.caller, false)
		b.AppendByte('"')
		// File paths come from the runtime; escape them anyway.
		appendEscaped(b, trimmedPath(c.File))
		b.AppendByte(':')
		b.AppendInt(int64(c.Line))
		b.AppendByte('"')
	}
}

// buildTail pre-encodes the trace members and the request ID of a core so
// each line copies them instead of formatting them. The bytes are appended
// to dst, which may have room for them already (no allocation then).
func (p *profile) buildTail(dst []byte, sc trace.SpanContext, gcpProject, reqID string, hasReqID bool) []byte {
	if !sc.IsValid() && !hasReqID {
		return nil
	}
	if sc.IsValid() {
		tid, sid := sc.TraceID(), sc.SpanID()
		switch p.name {
		case ProfileGCP:
			dst = append(dst, `,"logging.googleapis.com/trace":"`...)
			if gcpProject != "" {
				dst = append(dst, "projects/"...)
				dst = appendJSONContent(dst, gcpProject)
				dst = append(dst, "/traces/"...)
			}
			dst = hex.AppendEncode(dst, tid[:])
			dst = append(dst, `","logging.googleapis.com/spanId":"`...)
			dst = hex.AppendEncode(dst, sid[:])
			dst = append(dst, `","logging.googleapis.com/trace_sampled":`...)
			dst = strconv.AppendBool(dst, sc.IsSampled())
		case ProfileECS:
			dst = append(dst, `,"trace.id":"`...)
			dst = hex.AppendEncode(dst, tid[:])
			dst = append(dst, `","span.id":"`...)
			dst = hex.AppendEncode(dst, sid[:])
			dst = append(dst, '"')
		case ProfileDatadog:
			dst = append(dst, `,"dd.trace_id":"`...)
			dst = strconv.AppendUint(dst, lowUint64(tid[8:]), 10)
			dst = append(dst, `","dd.span_id":"`...)
			dst = strconv.AppendUint(dst, lowUint64(sid[:]), 10)
			dst = append(dst, '"')
		default:
			dst = append(dst, `,"trace_id":"`...)
			dst = hex.AppendEncode(dst, tid[:])
			dst = append(dst, `","span_id":"`...)
			dst = hex.AppendEncode(dst, sid[:])
			f := sc.TraceFlags()
			dst = append(dst, `","trace_flags":"`...)
			dst = append(dst, hexDigits[f>>4], hexDigits[f&0xf], '"')
		}
	}
	if hasReqID {
		dst = append(dst, ',', '"')
		dst = append(dst, p.requestID...)
		dst = append(dst, '"', ':', '"')
		dst = appendJSONContent(dst, reqID)
		dst = append(dst, '"')
	}
	return dst
}

// appendJSONContent appends s escaped for a JSON string (without quotes):
// plain ASCII is copied as is, anything else goes through appendEscaped.
func appendJSONContent(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			b := bufPool.Get()
			appendEscaped(b, s)
			dst = append(dst, b.Bytes()...)
			b.Free()
			return dst
		}
	}
	return append(dst, s...)
}

func lowUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}
