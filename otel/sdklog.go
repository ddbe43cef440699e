package otel

import (
	"fmt"
	"strings"

	"github.com/go-logr/logr"
)

// The OpenTelemetry SDK's own diagnostic logger (otel.SetLogger) writes
// through logr, by default to stderr, errors only: its warnings (V(1)) are
// not shown at all. Some of them say that telemetry is being lost or
// misreported: a metric instrument registered twice with conflicting
// definitions, span or log attributes dropped at a limit, an invalid
// meter or logger name. Init makes sdkLogger that logger, so that its
// errors become otel_sdk_error lines (through the error handler: counted
// in sdk_errors_total, scrubbed, rate-limited) and its warnings
// otel_sdk_warning lines (scrubbed, rate-limited), in the service's own
// log. Its info and debug messages (V(4), V(8): one per provider and
// tracer created, with their configuration) are left out.

// sdkLogger is the logger Init installs with otel.SetLogger.
var sdkLogger = logr.New(sdkLogSink{})

// maxSDKVerbosity is the highest logr verbosity sdkLogSink writes: the
// SDK's warnings.
const maxSDKVerbosity = 1

// sdkLogSink routes through globalErrors to the live Telemetry, or, with
// none, as OpenTelemetry's default logger would: errors to stderr (as the
// error handler's default does, URL user info removed), warnings nowhere.
type sdkLogSink struct {
	name   string
	values []any // from WithValues
}

var _ logr.LogSink = sdkLogSink{}

func (sdkLogSink) Init(logr.RuntimeInfo) {}

func (sdkLogSink) Enabled(level int) bool { return level <= maxSDKVerbosity }

// Info takes the SDK's warnings (V(1)): held by an Init in progress, as
// its errors are (startup.go), else an otel_sdk_warning line. The text is
// made only if a line is written: the SDK warns on the request path (a
// span's attributes over the limit, once per span).
func (s sdkLogSink) Info(level int, msg string, kv ...any) {
	if level > maxSDKVerbosity {
		return
	}
	e := &sdkLogEntry{sink: s, msg: msg, kv: kv, warning: true}
	if captureInitReport(e) {
		return
	}
	if h := globalErrors.warnings.Load(); h != nil {
		h.handleAsync(e) // the SDK may call from inside a write (handleAsync)
	}
}

func (s sdkLogSink) Error(err error, msg string, kv ...any) {
	globalErrors.handle(&sdkLogEntry{sink: s, msg: msg, kv: kv, err: err}, true)
}

func (s sdkLogSink) WithValues(kv ...any) logr.LogSink {
	s.values = append(s.values[:len(s.values):len(s.values)], kv...)
	return s
}

func (s sdkLogSink) WithName(name string) logr.LogSink {
	if s.name != "" {
		name = s.name + "/" + name
	}
	s.name = name
	return s
}

// sdkLogEntry is a message of the SDK's logger as an error: its logger's
// name, the message, the error it reported (if any), then the logger's and
// the message's key/value pairs: "name: msg: err (k=v, k=v)".
type sdkLogEntry struct {
	sink    sdkLogSink
	msg     string
	kv      []any
	err     error
	warning bool // from Info: an otel_sdk_warning line
}

func (e *sdkLogEntry) Error() string {
	var b strings.Builder
	if e.sink.name != "" {
		b.WriteString(e.sink.name)
		b.WriteString(": ")
	}
	b.WriteString(e.msg)
	if e.err != nil {
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	for i, pairs := 0, append(e.sink.values[:len(e.sink.values):len(e.sink.values)], e.kv...); i < len(pairs); i += 2 {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString(", ")
		}
		if i+1 < len(pairs) {
			fmt.Fprintf(&b, "%v=%v", pairs[i], pairs[i+1])
		} else {
			fmt.Fprintf(&b, "%v", pairs[i]) // a key without a value
		}
		if i+2 >= len(pairs) {
			b.WriteString(")")
		}
	}
	return b.String()
}

func (e *sdkLogEntry) Unwrap() error { return e.err }

// isSDKWarning reports whether err is a warning of the SDK's logger.
func isSDKWarning(err error) bool {
	e, ok := err.(*sdkLogEntry)
	return ok && e.warning
}
