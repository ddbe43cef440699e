package logging

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/visible"
)

// The console line reads like structlog's ConsoleRenderer, for people at a
// terminal:
//
//	2025-06-01 14:03:07.412 [info  ] order_loaded             trace=4bf92f35 request_id=01J… order_id=42 items=2 caller=quickstart/main.go:148
//	2025-06-01 14:03:07.415 [error ] payment_failed           trace=7c1e9a02 request_id=01J… error="payment declined" caller=…
//	    stacktrace:
//	        main.fail
//	            /src/main.go:160
//
// Local time with milliseconds, the level padded to the longest name, the
// event padded to eventWidth, the logger name in brackets, then key=value
// pairs: the trace (first 8 hex of the trace ID, enough to tell the
// requests on a screen apart), the span ID when WithConsoleSpanID asks for
// it, the request ID, the bound fields, the call's fields and the caller.
// A string is quoted only when it must be (empty, or holding a space, a
// quote, '=' or a character that is escaped). Stack traces and multi-line
// errors go below, on lines that start with spaces, so that no line of
// theirs can pass for an entry.
//
// Every character that could forge a line or drive a terminal, and every
// invisible formatting character, is written as an escape (package
// internal/visible); nested objects and arrays are compact JSON with the
// same characters as \u escapes. Colours (ANSI SGR) only on a terminal,
// never with NO_COLOR or TERM=dumb.

const (
	eventWidth = 24 // structlog pads to 30; otelkit's event names are shorter
	levelWidth = 6  // "dpanic"
	traceShort = 8  // hex digits of the trace ID on the line
	timeLayout = "2006-01-02 15:04:05.000"
	blockKey   = "    "     // indent of a block's key
	blockBody  = "        " // indent of a block's lines
)

// ANSI colours: the structlog palette.
const (
	ansiReset   = "\x1b[0m"
	ansiDim     = "\x1b[2m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiBlue    = "\x1b[34m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
	ansiBoldRed = "\x1b[1;31m"
)

// consoleFormat is what the console line looks like: colours and whether
// the span ID is written.
type consoleFormat struct {
	color  bool
	spanID bool
}

// nestedConfig encodes objects, arrays and reflected values as compact JSON.
var nestedConfig = zapcore.EncoderConfig{
	EncodeDuration: encodeDuration,
	EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
}

// writeConsole writes one console line, built whole before it is written
// (so that a panicking field leaves nothing half written, see writeLine).
func (c *core) writeConsole(ent zapcore.Entry, fields []zapcore.Field) error {
	f := c.con
	b := bufPool.Get()
	kv := kvPool.Get().(*kvEncoder)
	*kv = kvEncoder{f: f, b: b, pad: eventWidth - f.head(b, ent)}
	defer kv.free()
	if c.sc.IsValid() {
		kv.traceFields(c.sc)
	}
	if c.hasReqID {
		kv.AddString(requestIDKey, c.reqID)
	}
	kv.fields(c.bound)
	kv.fields(c.lazy)
	kv.fields(fields)
	if ent.Caller.Defined {
		kv.prefix = ""
		kv.caller(ent.Caller)
	}
	b.AppendByte('\n')
	if kv.blocks != nil {
		_, _ = b.Write(kv.blocks.Bytes())
		kv.blocks.Free()
	}
	if ent.Stack != "" {
		f.block(b, "stacktrace", ent.Stack)
	}
	_, err := c.out.Write(b.Bytes())
	b.Free()
	return err
}

// head writes time, level, event and logger name, and returns the width
// of the last two (for the padding).
func (f *consoleFormat) head(b *buffer.Buffer, ent zapcore.Entry) (width int) {
	if !ent.Time.IsZero() {
		f.paint(b, ansiDim)
		b.AppendTime(ent.Time.Local(), timeLayout)
		f.paint(b, ansiReset)
		b.AppendByte(' ')
	}
	name := ent.Level.String()
	b.AppendByte('[')
	f.paint(b, levelColor(ent.Level))
	b.AppendString(name)
	f.paint(b, ansiReset)
	for i := len(name); i < levelWidth; i++ {
		b.AppendByte(' ')
	}
	b.AppendString("] ")
	msg := visible.Escape(ent.Message)
	f.paint(b, ansiBold)
	b.AppendString(msg)
	f.paint(b, ansiReset)
	width = utf8.RuneCountInString(msg)
	if ent.LoggerName != "" {
		name := visible.Escape(ent.LoggerName)
		b.AppendString(" [")
		f.paint(b, ansiBlue)
		b.AppendString(name)
		f.paint(b, ansiReset)
		b.AppendByte(']')
		width += 3 + utf8.RuneCountInString(name)
	}
	return width
}

func levelColor(l zapcore.Level) string {
	switch {
	case l <= zapcore.DebugLevel:
		return ansiBlue
	case l == zapcore.InfoLevel:
		return ansiGreen
	case l == zapcore.WarnLevel:
		return ansiYellow
	case l == zapcore.ErrorLevel:
		return ansiRed
	}
	return ansiBoldRed
}

// paint writes an SGR sequence when colours are on.
func (f *consoleFormat) paint(b *buffer.Buffer, sgr string) {
	if f.color {
		b.AppendString(sgr)
	}
}

// block writes a multi-line value below the line: its key on a line of its
// own, then each of its lines indented (tabs as four spaces), escaped.
func (f *consoleFormat) block(b *buffer.Buffer, key, text string) {
	b.AppendString(blockKey)
	f.paint(b, ansiRed)
	b.AppendString(visible.Escape(key))
	f.paint(b, ansiReset)
	b.AppendString(":\n")
	for len(text) > 0 {
		line := text
		if i := indexNewline(text); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		b.AppendString(blockBody)
		for len(line) > 0 && line[0] == '\t' {
			b.AppendString("    ")
			line = line[1:]
		}
		b.AppendString(visible.Escape(line))
		b.AppendByte('\n')
	}
}

func indexNewline(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return i
		}
	}
	return -1
}

// kvEncoder writes fields as key=value pairs after the event; multi-line
// errors and stacks go to blocks, written after the line.
type kvEncoder struct {
	f         *consoleFormat
	b         *buffer.Buffer
	blocks    *buffer.Buffer // nil until a block is written
	pad       int            // spaces still owed to the event's column before the first pair
	started   bool
	prefix    string // namespace: "ns." (zap.Namespace)
	blockKeys bool   // multi-line strings of the current field go to a block
}

var _ zapcore.ObjectEncoder = (*kvEncoder)(nil)

var kvPool = sync.Pool{New: func() any { return new(kvEncoder) }}

func (e *kvEncoder) free() {
	*e = kvEncoder{}
	kvPool.Put(e)
}

// fields adds each field; an error's or a stack's multi-line text goes to
// a block.
func (e *kvEncoder) fields(fs []zapcore.Field) {
	for _, fl := range fs {
		if isContextField(fl) {
			continue
		}
		e.blockKeys = fl.Type == zapcore.ErrorType || isErrField(fl) || fl.Key == "stack" || fl.Key == "stacktrace"
		fl.AddTo(e) // a Namespace holds for the fields after it, as in zap's JSON
		e.blockKeys = false
	}
}

// caller writes caller=dir/file.go:line.
func (e *kvEncoder) caller(c zapcore.EntryCaller) {
	file := trimmedPath(c.File)
	if needsQuotes(file) {
		e.AddString("caller", file+":"+strconv.Itoa(c.Line))
		return
	}
	e.key("caller")
	e.f.paint(e.b, ansiMagenta)
	e.b.AppendString(file)
	e.b.AppendByte(':')
	e.b.AppendInt(int64(c.Line))
	e.f.paint(e.b, ansiReset)
}

// traceFields writes the short trace ID and, when asked for, the span ID.
func (e *kvEncoder) traceFields(sc trace.SpanContext) {
	tid := sc.TraceID()
	var hex [32]byte
	const digits = "0123456789abcdef"
	for i, v := range tid[:traceShort/2] {
		hex[2*i], hex[2*i+1] = digits[v>>4], digits[v&0xf]
	}
	e.key("trace")
	e.value(hex[:traceShort])
	if e.f.spanID {
		e.key("span")
		e.value([]byte(sc.SpanID().String()))
	}
}

// key writes the separator and key=.
func (e *kvEncoder) key(k string) {
	if !e.started {
		e.started = true
		for ; e.pad > 0; e.pad-- {
			e.b.AppendByte(' ')
		}
	}
	e.b.AppendByte(' ')
	e.f.paint(e.b, ansiCyan)
	if e.prefix != "" {
		appendMaybeQuoted(e.b, e.prefix+k)
	} else {
		appendMaybeQuoted(e.b, k)
	}
	e.f.paint(e.b, ansiReset)
	e.b.AppendByte('=')
}

// value writes text that needs no quoting (numbers, JSON, hex).
func (e *kvEncoder) value(v []byte) {
	e.f.paint(e.b, ansiMagenta)
	_, _ = e.b.Write(v)
	e.f.paint(e.b, ansiReset)
}

func (e *kvEncoder) raw(k, v string) {
	e.key(k)
	e.f.paint(e.b, ansiMagenta)
	e.b.AppendString(v)
	e.f.paint(e.b, ansiReset)
}

func (e *kvEncoder) AddString(k, v string) {
	if e.blockKeys && indexNewline(v) >= 0 {
		if e.blocks == nil {
			e.blocks = bufPool.Get()
		}
		e.f.block(e.blocks, e.prefix+k, v)
		return
	}
	e.key(k)
	e.f.paint(e.b, ansiMagenta)
	appendMaybeQuoted(e.b, v)
	e.f.paint(e.b, ansiReset)
}

func (e *kvEncoder) AddByteString(k string, v []byte) { e.AddString(k, string(v)) }
func (e *kvEncoder) AddBinary(k string, v []byte) {
	e.raw(k, base64.StdEncoding.EncodeToString(v))
}
func (e *kvEncoder) AddBool(k string, v bool) { e.raw(k, strconv.FormatBool(v)) }
func (e *kvEncoder) AddComplex128(k string, v complex128) {
	e.raw(k, strconv.FormatComplex(v, 'g', -1, 128))
}
func (e *kvEncoder) AddComplex64(k string, v complex64) {
	e.raw(k, strconv.FormatComplex(complex128(v), 'g', -1, 64))
}
func (e *kvEncoder) AddDuration(k string, v time.Duration) { e.raw(k, v.String()) }
func (e *kvEncoder) AddFloat64(k string, v float64)        { e.raw(k, formatFloat(v, 64)) }
func (e *kvEncoder) AddFloat32(k string, v float32)        { e.raw(k, formatFloat(float64(v), 32)) }
func (e *kvEncoder) AddInt(k string, v int)                { e.AddInt64(k, int64(v)) }
func (e *kvEncoder) AddInt64(k string, v int64)            { e.raw(k, strconv.FormatInt(v, 10)) }
func (e *kvEncoder) AddInt32(k string, v int32)            { e.AddInt64(k, int64(v)) }
func (e *kvEncoder) AddInt16(k string, v int16)            { e.AddInt64(k, int64(v)) }
func (e *kvEncoder) AddInt8(k string, v int8)              { e.AddInt64(k, int64(v)) }
func (e *kvEncoder) AddTime(k string, v time.Time)         { e.raw(k, v.Format(time.RFC3339Nano)) }
func (e *kvEncoder) AddUint(k string, v uint)              { e.AddUint64(k, uint64(v)) }
func (e *kvEncoder) AddUint64(k string, v uint64)          { e.raw(k, strconv.FormatUint(v, 10)) }
func (e *kvEncoder) AddUint32(k string, v uint32)          { e.AddUint64(k, uint64(v)) }
func (e *kvEncoder) AddUint16(k string, v uint16)          { e.AddUint64(k, uint64(v)) }
func (e *kvEncoder) AddUint8(k string, v uint8)            { e.AddUint64(k, uint64(v)) }
func (e *kvEncoder) AddUintptr(k string, v uintptr)        { e.AddUint64(k, uint64(v)) }

func (e *kvEncoder) OpenNamespace(k string) { e.prefix += k + "." }

func (e *kvEncoder) AddArray(k string, v zapcore.ArrayMarshaler) error {
	return e.nested(k, func(j zapcore.Encoder) error { return j.AddArray("v", v) })
}

func (e *kvEncoder) AddObject(k string, v zapcore.ObjectMarshaler) error {
	return e.nested(k, func(j zapcore.Encoder) error { return j.AddObject("v", v) })
}

func (e *kvEncoder) AddReflected(k string, v any) error {
	return e.nested(k, func(j zapcore.Encoder) error { return j.AddReflected("v", v) })
}

// nested writes a value as compact JSON, encoded apart first so that a
// panic leaves nothing half written. A marshaler's error (or a panic a
// guard turned into one, inside the value) comes after zap has closed what
// it opened: the value is written as far as it got, as zap's JSON encoder
// writes it, and the caller adds "<key>Error".
func (e *kvEncoder) nested(k string, add func(zapcore.Encoder) error) error {
	j := zapcore.NewJSONEncoder(nestedConfig)
	addErr := add(j)
	out, err := j.EncodeEntry(zapcore.Entry{}, nil)
	if err != nil {
		return errors.Join(addErr, err)
	}
	p := out.Bytes() // {"v":<value>}\n, or {}\n when nothing was written
	if !bytes.HasPrefix(p, []byte(`{"v":`)) {
		out.Free()
		return addErr
	}
	e.key(k)
	e.f.paint(e.b, ansiMagenta)
	appendVisibleJSON(e.b, p[len(`{"v":`):len(p)-len("}\n")])
	e.f.paint(e.b, ansiReset)
	out.Free()
	return addErr
}

// formatFloat writes v as zap's JSON encoder does, NaN and infinities by
// name.
func formatFloat(v float64, bits int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, bits)
}

// appendMaybeQuoted writes s bare when a reader cannot misread it, else
// quoted with its quotes, backslashes and invisible characters escaped.
func appendMaybeQuoted(b *buffer.Buffer, s string) {
	if !needsQuotes(s) {
		b.AppendString(s)
		return
	}
	b.AppendByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			appendEscapedTo(b, s[start:i])
			b.AppendString(`\"`)
			start = i + 1
		}
	}
	appendEscapedTo(b, s[start:])
	b.AppendByte('"')
}

func appendEscapedTo(b *buffer.Buffer, s string) {
	if visible.Clean(s) {
		b.AppendString(s)
		return
	}
	var tmp [128]byte
	_, _ = b.Write(visible.AppendEscaped(tmp[:0], s))
}

// needsQuotes reports whether s must be quoted: empty, or holding a space,
// a quote, '=', or anything visible.Escape changes.
func needsQuotes(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unicode.IsSpace(r) || visible.NeedsEscape(r) {
			return true
		}
		i += size
	}
	return false
}

// appendVisibleJSON appends JSON text that zap encoded, with every
// character visible.NeedsEscape names that zap left raw written as a JSON
// \u escape (a surrogate pair above U+FFFF), which decodes to the same
// value. Such characters only occur inside JSON strings.
func appendVisibleJSON(b *buffer.Buffer, p []byte) {
	start := 0
	for i := 0; i < len(p); {
		if p[i] < utf8.RuneSelf {
			if p[i] == 0x7f {
				_, _ = b.Write(p[start:i])
				appendUEscape(b, 0x7f)
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if visible.NeedsEscape(r) {
			_, _ = b.Write(p[start:i])
			if r > 0xffff {
				r -= 0x10000
				appendUEscape(b, 0xd800+(r>>10))
				appendUEscape(b, 0xdc00+(r&0x3ff))
			} else {
				appendUEscape(b, r)
			}
			start = i + size
		}
		i += size
	}
	_, _ = b.Write(p[start:])
}
