package logging

import (
	"encoding/hex"
	"strconv"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"
)

// An output profile is one value in this file: the keys of the JSON line,
// the level names, how the caller and the trace members are written, and
// constant members. Adding a profile is adding a name below and a value to
// profiles; WithProfile, OTELKIT_LOG_PROFILE and their error messages take
// the names from there. What a vendor's schema needs beyond these keys
// (service fields, access-line names) belongs in the value too.

// Output profile names accepted by WithProfile and OTELKIT_LOG_PROFILE.
const (
	ProfileDefault = "default"
	ProfileGCP     = "gcp"
	ProfileECS     = "ecs"
	ProfileDatadog = "datadog"
)

// profiles lists every output profile, in the order error messages name
// them.
var profiles = withHeaders([]*profile{
	{
		name: ProfileDefault, time: "time", level: "level", msg: "msg", caller: "caller",
		requestID: "request_id", stack: "stacktrace", errMsg: "error", errType: "error_type", logger: "logger",
		levels:      zapLevelNames,
		writeCaller: writeCallerString,
		appendTrace: appendTraceW3C,
	},
	{
		name: ProfileGCP, time: "time", level: "severity", msg: "message",
		requestID: "request_id", stack: "stack_trace", errMsg: "error", errType: "error_type", logger: "logger",
		// Cloud Logging LogSeverity names.
		levels:      levelNames{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"},
		otherLevel:  "DEFAULT",
		writeCaller: writeCallerGCP,
		appendTrace: appendTraceGCP,
	},
	{
		name: ProfileECS, time: "@timestamp", level: "log.level", msg: "message",
		requestID: "http.request.id", stack: "error.stack_trace", errMsg: "error.message", errType: "error.type",
		logger: "log.logger", extra: `,"ecs.version":"8.11.0"`,
		levels:      zapLevelNames,
		writeCaller: writeCallerECS,
		appendTrace: appendTraceECS,
	},
	{
		name: ProfileDatadog, time: "timestamp", level: "level", msg: "message", caller: "caller",
		requestID: "request_id", stack: "error.stack", errMsg: "error.message", errType: "error.kind",
		logger:      "logger.name",
		levels:      zapLevelNames,
		writeCaller: writeCallerString,
		appendTrace: appendTraceDatadog,
	},
})

// profile is one output profile. The JSON line is written as: time,
// level, message, extra, caller, the trace members, the request ID, the
// logger name, the bound fields, the call's fields, the stack trace.
type profile struct {
	name      string
	time      string // key of the timestamp
	level     string // key of the level
	msg       string // key of the message
	caller    string // key of "dir/file.go:line" (writeCallerString)
	requestID string // key of the request ID
	stack     string // key of the stack trace
	errMsg    string // key Err writes the message under
	errType   string // key Err writes the Go type under
	logger    string // key of the logger name (zap.Logger.Named)
	extra     string // pre-encoded constant members written after the message (e.g. ecs.version)

	levels     levelNames // names of zap's levels, debug to fatal
	otherLevel string     // name of any other level; "" is zap's Level.String

	// writeCaller writes the caller members of a line, comma first.
	writeCaller func(p *profile, b *buffer.Buffer, c zapcore.EntryCaller)
	// appendTrace appends the trace members of the valid span context sc,
	// comma first; gcpProject is the project WithGCPProject resolved.
	appendTrace func(dst []byte, sc trace.SpanContext, gcpProject string) []byte

	// Pre-joined header pieces (set by withHeaders).
	openTime    string // {"time":"
	timeToLevel string // ","level":"
	openLevel   string // {"level":"   (no time)
	levelToMsg  string // ","msg":
}

// levelNames holds the names of zap's levels from DebugLevel to FatalLevel.
type levelNames [zapcore.FatalLevel - zapcore.DebugLevel + 1]string

// zapLevelNames are zap's own names (Level.String).
var zapLevelNames = levelNames{"debug", "info", "warn", "error", "dpanic", "panic", "fatal"}

// withHeaders fills the pre-joined header pieces of every profile.
func withHeaders(ps []*profile) []*profile {
	for _, p := range ps {
		p.openTime = `{"` + p.time + `":"`
		p.timeToLevel = `","` + p.level + `":"`
		p.openLevel = `{"` + p.level + `":"`
		p.levelToMsg = `","` + p.msg + `":`
	}
	return ps
}

// profileNamed returns the profile called name, nil when there is none.
func profileNamed(name string) *profile {
	for _, p := range profiles {
		if p.name == name {
			return p
		}
	}
	return nil
}

// profileNames returns the names of all profiles, in the order of profiles.
func profileNames() []string {
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.name
	}
	return names
}

// levelName returns the level text a profile writes.
func (p *profile) levelName(l zapcore.Level) string {
	if l >= zapcore.DebugLevel && l <= zapcore.FatalLevel {
		return p.levels[l-zapcore.DebugLevel]
	}
	if p.otherLevel != "" {
		return p.otherLevel
	}
	return l.String()
}

// buildTail pre-encodes the trace members and the request ID of a core so
// each line copies them instead of formatting them. The bytes are appended
// to dst, which may have room for them already (no allocation then).
func (p *profile) buildTail(dst []byte, sc trace.SpanContext, gcpProject, reqID string, hasReqID bool) []byte {
	if !sc.IsValid() && !hasReqID {
		return nil
	}
	if sc.IsValid() {
		dst = p.appendTrace(dst, sc, gcpProject)
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

// writeCallerString writes "<caller key>":"dir/file.go:line".
func writeCallerString(p *profile, b *buffer.Buffer, c zapcore.EntryCaller) {
	appendKey(b, p.caller, false)
	b.AppendByte('"')
	// File paths come from the runtime; escape them anyway.
	appendEscaped(b, trimmedPath(c.File))
	b.AppendByte(':')
	b.AppendInt(int64(c.Line))
	b.AppendByte('"')
}

// writeCallerGCP writes Cloud Logging's sourceLocation object.
func writeCallerGCP(_ *profile, b *buffer.Buffer, c zapcore.EntryCaller) {
	appendKey(b, "logging.googleapis.com/sourceLocation", false)
	b.AppendString(`{"file":`)
	appendJSONString(b, trimmedPath(c.File))
	b.AppendString(`,"line":"`)
	b.AppendInt(int64(c.Line))
	b.AppendString(`","function":`)
	appendJSONString(b, c.Function)
	b.AppendByte('}')
}

// writeCallerECS writes ECS's log.origin members.
func writeCallerECS(_ *profile, b *buffer.Buffer, c zapcore.EntryCaller) {
	appendKey(b, "log.origin.file.name", false)
	appendJSONString(b, trimmedPath(c.File))
	appendKey(b, "log.origin.file.line", false)
	b.AppendInt(int64(c.Line))
	appendKey(b, "log.origin.function", false)
	appendJSONString(b, c.Function)
}

// appendTraceW3C appends trace_id, span_id and trace_flags in W3C hex.
func appendTraceW3C(dst []byte, sc trace.SpanContext, _ string) []byte {
	tid, sid := sc.TraceID(), sc.SpanID()
	dst = append(dst, `,"trace_id":"`...)
	dst = hex.AppendEncode(dst, tid[:])
	dst = append(dst, `","span_id":"`...)
	dst = hex.AppendEncode(dst, sid[:])
	f := sc.TraceFlags()
	dst = append(dst, `","trace_flags":"`...)
	return append(dst, hexDigits[f>>4], hexDigits[f&0xf], '"')
}

// appendTraceGCP appends the trace members Cloud Logging links on: the
// trace as projects/<id>/traces/<trace> (the bare ID without a project),
// the span ID and whether the trace is sampled.
func appendTraceGCP(dst []byte, sc trace.SpanContext, gcpProject string) []byte {
	tid, sid := sc.TraceID(), sc.SpanID()
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
	return strconv.AppendBool(dst, sc.IsSampled())
}

// appendTraceECS appends ECS's trace.id and span.id.
func appendTraceECS(dst []byte, sc trace.SpanContext, _ string) []byte {
	tid, sid := sc.TraceID(), sc.SpanID()
	dst = append(dst, `,"trace.id":"`...)
	dst = hex.AppendEncode(dst, tid[:])
	dst = append(dst, `","span.id":"`...)
	dst = hex.AppendEncode(dst, sid[:])
	return append(dst, '"')
}

// appendTraceDatadog appends dd.trace_id and dd.span_id: decimal strings of
// the low 64 bits, as Datadog correlates them.
func appendTraceDatadog(dst []byte, sc trace.SpanContext, _ string) []byte {
	tid, sid := sc.TraceID(), sc.SpanID()
	dst = append(dst, `,"dd.trace_id":"`...)
	dst = strconv.AppendUint(dst, lowUint64(tid[8:]), 10)
	dst = append(dst, `","dd.span_id":"`...)
	dst = strconv.AppendUint(dst, lowUint64(sid[:]), 10)
	return append(dst, '"')
}

// lowUint64 reads b as a big-endian unsigned integer.
func lowUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// rewrite returns f with the profile's error keys when f is an error field.
func (p *profile) rewrite(f zapcore.Field) zapcore.Field {
	if p.errMsg == "error" || !isErrField(f) {
		return f
	}
	err := fieldError(f)
	if err == nil {
		return zap.Skip()
	}
	return zap.Inline(errKeys{err: err, msg: p.errMsg, typ: p.errType})
}
