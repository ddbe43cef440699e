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

func (s sdkLogSink) Info(level int, msg string, kv ...any) {
	if level > maxSDKVerbosity {
		return
	}
	if h := globalErrors.warnings.Load(); h != nil {
		h.Handle(newSDKLogEntry(s, nil, msg, kv))
	}
}

func (s sdkLogSink) Error(err error, msg string, kv ...any) {
	globalErrors.Handle(newSDKLogEntry(s, err, msg, kv))
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

// text is msg with the logger's name before it, and the logger's and
// the message's key/value pairs: "name: msg", "(k=v, k=v)".
func (s sdkLogSink) text(msg string, kv []any) (text, pairs string) {
	if s.name != "" {
		msg = s.name + ": " + msg
	}
	all := append(s.values[:len(s.values):len(s.values)], kv...)
	if len(all) == 0 {
		return msg, ""
	}
	var b strings.Builder
	b.WriteString("(")
	for i := 0; i < len(all); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		if i+1 < len(all) {
			fmt.Fprintf(&b, "%v=%v", all[i], all[i+1])
		} else {
			fmt.Fprintf(&b, "%v", all[i]) // a key without a value
		}
	}
	b.WriteString(")")
	return msg, b.String()
}

// sdkLogEntry is a message of the SDK's logger as an error: the message,
// the error it reported (if any), then its key/value pairs.
type sdkLogEntry struct {
	text, pairs string
	err         error
}

func newSDKLogEntry(s sdkLogSink, err error, msg string, kv []any) sdkLogEntry {
	text, pairs := s.text(msg, kv)
	return sdkLogEntry{text: text, pairs: pairs, err: err}
}

func (e sdkLogEntry) Error() string {
	s := e.text
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	if e.pairs != "" {
		s += " " + e.pairs
	}
	return s
}

func (e sdkLogEntry) Unwrap() error { return e.err }
