package logging

import (
	"encoding/hex"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
)

// An output profile is one value in this file: the keys of the JSON line,
// the level names, how the caller, the trace members, the service and the
// access line are written, and which keys are the line's own (reserved.go
// renames a user's field that would repeat one). Adding a profile is adding
// a name below and a value to profiles; WithProfile, OTELKIT_LOG_PROFILE
// and their error messages take the names from there. The writers the
// values name live in the files of their concern: trace and caller members
// below, service members in service.go, the access line in accessline.go.
//
// Each profile follows its backend's own documentation, which the tests
// cite (profile_vendor_test.go):
//
//   - gcp: Cloud Logging's structured logging special fields (severity,
//     message, logging.googleapis.com/trace, spanId, trace_sampled,
//     sourceLocation, labels), LogEntry's HttpRequest (httpRequest) and
//     Error Reporting's log entry format (@type ReportedErrorEvent);
//   - ecs: the Elastic Common Schema field reference, and the Elastic APM
//     log correlation spec (trace.id, span.id; service.name,
//     service.version, service.environment; event.dataset as
//     <service.name>.log, after the ecs-logging spec);
//   - datadog: Datadog's log/trace correlation (dd.trace_id, dd.span_id as
//     decimal low 64 bits; dd.service, dd.env, dd.version of unified
//     service tagging), its reserved attributes (status for the level),
//     its log status remapper (every level name maps to
//     the severity meant) and its default standard attributes (http.*,
//     network.bytes_written, duration in nanoseconds, error.*, logger.name).

// Output profile names accepted by WithProfile and OTELKIT_LOG_PROFILE.
const (
	ProfileDefault = "default"
	ProfileGCP     = "gcp"
	ProfileECS     = "ecs"
	ProfileDatadog = "datadog"
)

// profiles lists every output profile, in the order error messages name
// them.
var profiles = derive([]*profile{
	{
		name: ProfileDefault, time: "time", level: "level", msg: "msg", caller: "caller",
		requestID: "request_id", stack: "stacktrace", errMsg: "error", errType: "error_type", logger: "logger",
		levels:      zapLevelNames,
		writeCaller: writeCallerString,
		appendTrace: appendTraceW3C, traceKeys: []string{"trace_id", "span_id", "trace_flags"},
		method: reqlog.KeyMethod, path: reqlog.KeyPath,
		writeAccess: writeAccessDefault, accessKeys: defaultAccessKeys,
	},
	{
		name: ProfileGCP, time: "time", level: "severity", msg: "message",
		requestID: "request_id", stack: "stack_trace", errMsg: "error", errType: "error_type", logger: "logger",
		// Cloud Logging LogSeverity names.
		levels:     levelNames{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY"},
		otherLevel: "DEFAULT",
		// Error Reporting takes an entry as an error event for sure only
		// with this @type: it reads a Go stack trace only in
		// runtime.Stack's format, which zap's is not.
		errorExtra:  `,"@type":"type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"`,
		extraKeys:   []string{"@type"},
		writeCaller: writeCallerGCP, callerKeys: []string{gcpSourceLocation},
		appendTrace: appendTraceGCP, traceKeys: []string{gcpTrace, gcpSpanID, gcpTraceSampled},
		appendService: appendServiceGCP, serviceKeys: []string{gcpLabels},
		method: reqlog.KeyMethod, path: reqlog.KeyPath,
		writeAccess: writeAccessGCP, accessKeys: append([]string{gcpHTTPRequest}, defaultAccessKeys...),
	},
	{
		name: ProfileECS, time: "@timestamp", level: "log.level", msg: "message",
		requestID: "http.request.id", stack: "error.stack_trace", errMsg: "error.message", errType: "error.type",
		logger: "log.logger", extra: `,"ecs.version":"8.11.0"`, extraKeys: []string{"ecs.version"},
		// ECS log.level keeps the source's own level names.
		levels:      zapLevelNames,
		writeCaller: writeCallerECS, callerKeys: []string{"log.origin.file.name", "log.origin.file.line", "log.origin.function"},
		appendTrace: appendTraceECS, traceKeys: []string{"trace.id", "span.id"},
		appendService: appendServiceECS, serviceKeys: []string{"service.name", "service.version", "service.environment", "event.dataset"},
		method: "http.request.method", path: "url.path", objectKeys: ecsFieldSets,
		writeAccess: writeAccessECS, accessKeys: []string{"http.response.status_code", "event.duration", "http.response.body.bytes", "url.query"},
	},
	{
		// status is Datadog's reserved attribute for the severity: a
		// user's status field must not take the line's place.
		name: ProfileDatadog, time: "timestamp", level: "status", msg: "message", caller: "caller",
		requestID: "http.request_id", stack: "error.stack", errMsg: "error.message", errType: "error.kind",
		logger: "logger.name",
		// Datadog's other reserved attributes: its pipelines take a
		// user's host, service or source for the line's, and a trace_id
		// for the trace the line belongs to.
		backendKeys: []string{"host", "service", "source", "trace_id"},
		// Read by Datadog's status remapper by first letters: zap's dpanic
		// (d: debug) and panic (p: info) would be misread.
		levels:      levelNames{"debug", "info", "warn", "error", "critical", "alert", "fatal"},
		writeCaller: writeCallerString,
		appendTrace: appendTraceDatadog, traceKeys: []string{"dd.trace_id", "dd.span_id"},
		appendService: appendServiceDatadog, serviceKeys: []string{"dd.service", "dd.env", "dd.version"},
		method: "http.method", path: "http.url_details.path",
		writeAccess: writeAccessDatadog, accessKeys: []string{"http.status_code", "duration", "network.bytes_written", "http.url"},
	},
})

// profile is one output profile. The JSON line is written as: time,
// level, message, extra, errorExtra (error and above), the service members, caller, the trace members,
// the request ID, the logger name, the bound fields, the request's fields
// (method and path under the profile's names), the call's fields, the
// stack trace.
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
	// errorExtra is pre-encoded members written after extra on lines at
	// error level and above (gcp's Error Reporting @type).
	errorExtra string
	extraKeys  []string // the keys of extra and errorExtra
	// backendKeys are keys the backend reads by itself that the line does
	// not write: a user's field of that name would take their place
	// (Datadog's host, service, source, trace_id).
	backendKeys []string

	levels     levelNames // names of zap's levels, debug to fatal
	otherLevel string     // name of any other level; "" is zap's Level.String

	// writeCaller writes the caller members of a line, comma first;
	// callerKeys are their keys (nil: caller).
	writeCaller func(p *profile, b *buffer.Buffer, c zapcore.EntryCaller)
	callerKeys  []string
	// appendTrace appends the trace members of the valid span context sc,
	// comma first; gcpProject is the project the logger resolved.
	appendTrace func(dst []byte, sc trace.SpanContext, gcpProject string) []byte
	traceKeys   []string
	// appendService appends the members that name the service, comma
	// first (service.go); nil for none.
	appendService func(dst []byte, s service) []byte
	serviceKeys   []string

	// method and path are the keys of a request's method and path, which
	// the transport binds under reqlog.KeyMethod and reqlog.KeyPath.
	method, path string
	// writeAccess writes an access line's own fields (accessline.go);
	// accessKeys are the keys it may write.
	writeAccess func(p *profile, enc zapcore.ObjectEncoder, a *reqlog.Access) error
	accessKeys  []string

	// objectKeys are reserved for values that are not objects: the keys
	// the backend maps as objects (reserved.go).
	objectKeys []string

	// Pre-joined header pieces and reserved keys (set by derive).
	openTime    string       // {"time":"
	timeToLevel string       // ","level":"
	openLevel   string       // {"level":"   (no time)
	levelToMsg  string       // ","msg":
	lineKeys    reservedKeys // reserved on every line
	requestKeys reservedKeys // reserved besides on a request's lines
	allKeys     reservedKeys // both
}

// levelNames holds the names of zap's levels from DebugLevel to FatalLevel.
type levelNames [zapcore.FatalLevel - zapcore.DebugLevel + 1]string

// zapLevelNames are zap's own names (Level.String).
var zapLevelNames = levelNames{"debug", "info", "warn", "error", "dpanic", "panic", "fatal"}

// derive fills the pre-joined header pieces and the reserved keys of every
// profile.
func derive(ps []*profile) []*profile {
	for _, p := range ps {
		p.openTime = `{"` + p.time + `":"`
		p.timeToLevel = `","` + p.level + `":"`
		p.openLevel = `{"` + p.level + `":"`
		p.levelToMsg = `","` + p.msg + `":`
		if p.caller != "" && p.callerKeys == nil {
			p.callerKeys = []string{p.caller}
		}
		line := []string{p.time, p.level, p.msg, p.requestID, p.stack, p.logger}
		for _, ks := range [][]string{p.extraKeys, p.backendKeys, p.callerKeys, p.traceKeys, p.serviceKeys} {
			line = append(line, ks...)
		}
		req := append([]string{p.method, p.path, reqlog.KeyRoute}, p.accessKeys...)
		p.lineKeys = newReservedKeys(line, p.objectKeys)
		p.requestKeys = newReservedKeys(req, nil)
		p.allKeys = newReservedKeys(append(line, req...), p.objectKeys)
	}
	return ps
}

// ecsFieldSets are the names ECS 8.11 (the ecs.version the lines write)
// defines as objects at the root of an event: its field sets that sit at
// the top level (not those only nested, like geo or os), the tracing
// sets (trace, span, transaction, not nested under "tracing") and the
// base field labels. An index with the ECS template rejects a document
// giving one of them a value that is not an object.
var ecsFieldSets = []string{
	"agent", "client", "cloud", "container", "data_stream", "destination", "device", "dll", "dns",
	"ecs", "email", "error", "event", "faas", "file", "group", "host", "http", "labels", "log",
	"network", "observer", "orchestrator", "organization", "package", "process", "registry",
	"related", "rule", "server", "service", "source", "span", "threat", "tls", "trace",
	"transaction", "url", "user", "user_agent", "vulnerability",
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
	b.AppendString(callerText(c))
}

// callerTextSlots is the size of callerTexts (a power of two).
const callerTextSlots = 1024

// callerTextSlot is one call site's caller, as writeCallerString writes it.
type callerTextSlot struct {
	pc   uintptr
	file string
	line int
	text string // "dir/file.go:line", quoted and escaped
}

// callerTexts caches the caller text of recent call sites, direct-mapped
// by PC like the slog handler's callerCache: trimming the path and
// escaping it cost a fifth of a short line. A slot is used only when PC,
// file and line all match (an inlined call can share a PC with its
// caller), and replaced otherwise, so memory stays bounded.
var callerTexts [callerTextSlots]atomic.Pointer[callerTextSlot]

// callerText returns `"dir/file.go:line"` for c, from callerTexts when it
// is there.
func callerText(c zapcore.EntryCaller) string {
	slot := &callerTexts[(c.PC^c.PC>>10^c.PC>>20)&(callerTextSlots-1)]
	if e := slot.Load(); e != nil && e.pc == c.PC && e.line == c.Line && e.file == c.File {
		return e.text
	}
	b := bufPool.Get()
	b.AppendByte('"')
	// File paths come from the runtime; escape them anyway.
	appendEscaped(b, trimmedPath(c.File))
	b.AppendByte(':')
	b.AppendInt(int64(c.Line))
	b.AppendByte('"')
	text := b.String()
	b.Free()
	slot.Store(&callerTextSlot{pc: c.PC, file: c.File, line: c.Line, text: text})
	return text
}

// Cloud Logging's special fields this package writes.
const (
	gcpSourceLocation = "logging.googleapis.com/sourceLocation"
	gcpTrace          = "logging.googleapis.com/trace"
	gcpSpanID         = "logging.googleapis.com/spanId"
	gcpTraceSampled   = "logging.googleapis.com/trace_sampled"
	gcpLabels         = "logging.googleapis.com/labels"
	gcpHTTPRequest    = "httpRequest"
)

// writeCallerGCP writes Cloud Logging's sourceLocation object.
func writeCallerGCP(_ *profile, b *buffer.Buffer, c zapcore.EntryCaller) {
	appendKey(b, gcpSourceLocation, false)
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

// requestField returns f, one of the fields a transport binds to a
// request, with the profile's keys: the method and path renamed, the
// error keys rewritten.
func (p *profile) requestField(f zapcore.Field) zapcore.Field {
	switch f.Key {
	case reqlog.KeyMethod:
		f.Key = p.method
	case reqlog.KeyPath:
		f.Key = p.path
	}
	return p.rewrite(f)
}
