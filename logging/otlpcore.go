package logging

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.uber.org/zap/zapcore"
)

// otlpCore is the OTLP bridge of the logger New builds: a zapcore.Core
// that turns an entry and its fields into a log.Record and emits it on a
// log.Logger of the provider WithLoggerProvider gave.
//
// It makes the records the contrib otelzap bridge makes (otlpcore_test.go
// compares the two on a corpus of lines; the differences are listed
// there, and there are none today), at less cost: otelzap builds a new
// encoder, namespace and attribute slice for every line, where this core
// converts plain fields on the stack and the others into a pooled encoder
// (otlpencode.go), and hands the record every attribute in one call. What is left is the SDK's own work:
// Emit copies the attributes into its record (deduplicating keys) and
// the batch processor clones that record.
type otlpCore struct {
	provider otellog.LoggerProvider
	logger   otellog.Logger
	attrs    []attribute.KeyValue // bound fields, converted once; never changed (copied on With)
	ctx      context.Context      // the context records are emitted with (the bound span's)
	err      error                // a bound error field keyed "error": the record's error
}

var _ zapcore.Core = (*otlpCore)(nil)

// newOTLPCore returns the bridge for provider, its records in the
// instrumentation scope name (version: none).
func newOTLPCore(name string, provider otellog.LoggerProvider) *otlpCore {
	return &otlpCore{provider: provider, logger: provider.Logger(name), ctx: context.Background()}
}

func (o *otlpCore) Enabled(l zapcore.Level) bool {
	return o.logger.Enabled(context.Background(), otellog.EnabledParameters{Severity: otlpSeverity(l)})
}

// With converts fields once; a context among them becomes the context
// records are emitted with, an error field keyed "error" the records'
// error (as otelzap does).
func (o *otlpCore) With(fields []zapcore.Field) zapcore.Core {
	if len(fields) == 0 {
		return o // a core never changes once built
	}
	n := *o
	e := getAttrEncoder()
	ctx, err := e.convert(fields)
	if ctx != nil {
		n.ctx = ctx
	}
	if err != nil {
		n.err = err
	}
	n.attrs = append(append(make([]attribute.KeyValue, 0, len(o.attrs)+len(e.kvs)), o.attrs...), e.kvs...)
	e.free()
	return &n
}

func (o *otlpCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if o.loggerFor(ent).Enabled(context.Background(), otellog.EnabledParameters{Severity: otlpSeverity(ent.Level)}) {
		return ce.AddCore(ent, o)
	}
	return ce
}

// loggerFor returns the logger of a named zap logger's entries (the name
// is the scope), else the core's.
func (o *otlpCore) loggerFor(ent zapcore.Entry) otellog.Logger {
	if ent.LoggerName != "" {
		return o.provider.Logger(ent.LoggerName)
	}
	return o.logger
}

// Write emits one record: body the message, severity and its text from
// the level, the entry's time, then the attributes in otelzap's order:
// bound fields, the caller (code.file.path, code.line.number,
// code.function.name), the stack trace, the call's fields.
//
// A line whose fields are all plain values (strings, numbers, bools,
// durations, times) is converted on the stack, without the pooled encoder
// or a call through zapcore.ObjectEncoder per field; any other line goes
// through the encoder.
func (o *otlpCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	var stack [stackAttrs]attribute.KeyValue
	if kvs, call, ok := o.plainAttrs(stack[:0], ent, fields); ok {
		o.emit(ent, kvs, call, o.ctx, o.err)
		return nil
	}
	e := getAttrEncoder()
	e.kvs = o.prefix(e.kvs, ent)
	call := len(e.kvs)
	ctx, recErr := o.ctx, o.err
	if len(fields) > 0 {
		c, err := e.convert(fields)
		if c != nil {
			ctx = c
		}
		if err != nil {
			recErr = err
		}
	}
	o.emit(ent, e.kvs, call, ctx, recErr)
	e.free() // the record holds copies
	return nil
}

// stackAttrs is how many attributes a line may have to be converted on
// the stack.
const stackAttrs = 16

// prefix appends the attributes before the call's: the bound ones and the
// caller.
func (o *otlpCore) prefix(kvs []attribute.KeyValue, ent zapcore.Entry) []attribute.KeyValue {
	kvs = append(kvs, o.attrs...)
	if ent.Caller.Defined {
		kvs = append(kvs,
			attribute.String(string(semconv.CodeFilePathKey), ent.Caller.File),
			attribute.Int(string(semconv.CodeLineNumberKey), ent.Caller.Line),
			attribute.String(string(semconv.CodeFunctionNameKey), ent.Caller.Function))
	}
	return kvs
}

// emit builds the record from kvs (the call's attributes from call on),
// with the stack trace before the call's attributes, and emits it.
func (o *otlpCore) emit(ent zapcore.Entry, kvs []attribute.KeyValue, call int, ctx context.Context, recErr error) {
	var r otellog.Record
	r.SetTimestamp(ent.Time)
	r.SetBody(attribute.StringValue(ent.Message))
	r.SetSeverity(otlpSeverity(ent.Level))
	r.SetSeverityText(ent.Level.String())
	if ent.Stack != "" {
		key := semconv.CodeStacktraceKey
		if recErr != nil || hasException(o.attrs) || hasException(kvs[call:]) {
			key = semconv.ExceptionStacktraceKey
		}
		r.AddAttributes(kvs[:call]...)
		r.AddAttributes(attribute.String(string(key), ent.Stack))
		r.AddAttributes(kvs[call:]...)
	} else {
		r.AddAttributes(kvs...)
	}
	if recErr != nil {
		r.SetErr(recErr)
	}
	o.loggerFor(ent).Emit(ctx, r)
}

func (*otlpCore) Sync() error { return nil }

// hasException reports whether attrs hold exception.message or
// exception.type (a stack trace then goes under exception.stacktrace).
func hasException(attrs []attribute.KeyValue) bool {
	for _, a := range attrs {
		if a.Key == semconv.ExceptionMessageKey || a.Key == semconv.ExceptionTypeKey {
			return true
		}
	}
	return false
}

// otlpSeverity maps zap's levels as otelzap does: debug, info, warn and
// error to their severities, dpanic, panic and fatal to fatal1-3.
func otlpSeverity(l zapcore.Level) otellog.Severity {
	switch l {
	case zapcore.DebugLevel:
		return otellog.SeverityDebug
	case zapcore.InfoLevel:
		return otellog.SeverityInfo
	case zapcore.WarnLevel:
		return otellog.SeverityWarn
	case zapcore.ErrorLevel:
		return otellog.SeverityError
	case zapcore.DPanicLevel:
		return otellog.SeverityFatal1
	case zapcore.PanicLevel:
		return otellog.SeverityFatal2
	case zapcore.FatalLevel:
		return otellog.SeverityFatal3
	}
	return otellog.SeverityUndefined
}

// attrEncoders pools the encoders of Write and With.
var attrEncoders = sync.Pool{New: func() any {
	return &attrEncoder{kvs: make([]attribute.KeyValue, 0, 16), vals: make([]attribute.Value, 0, 8)}
}}

func getAttrEncoder() *attrEncoder { return attrEncoders.Get().(*attrEncoder) }

// free returns e to the pool, dropping what it refers to; an encoder that
// grew large is left to the collector. An encoder a panic left half-way
// is never freed.
func (e *attrEncoder) free() {
	if cap(e.kvs) > 256 || cap(e.vals) > 256 || cap(e.ns) > 64 {
		return
	}
	// Nested objects, arrays and namespaces clear what they used above
	// the length as they end (otlpencode.go).
	clear(e.kvs)
	clear(e.vals)
	clear(e.ns)
	e.kvs, e.vals, e.ns = e.kvs[:0], e.vals[:0], e.ns[:0]
	attrEncoders.Put(e)
}
