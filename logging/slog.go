package logging

import (
	"context"
	"log/slog"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Slog returns a log/slog logger writing through l with the same
// correlation (see NewSlogHandler).
func (l *Logger) Slog() *slog.Logger { return slog.New(NewSlogHandler(l.Zap())) }

// slogHandler is a slog.Handler writing through a zap logger.
type slogHandler struct {
	base  *zap.Logger
	pre   []zapcore.Field // WithAttrs fields and WithGroup namespaces, in order
	cache *atomic.Pointer[spanLogger]
}

var _ slog.Handler = (*slogHandler)(nil)

// NewSlogHandler returns a slog.Handler that writes through l with the same
// correlation as FromContext: the context passed to the slog call decides
// the trace fields (trace_id, span_id, trace_flags of its span), and when
// that context carries fields bound with With or a logger from NewContext,
// the line is written through that logger, with those fields. Groups become
// nested objects. Each line carries the caller of the slog call (unless the
// logger was built WithoutCaller) and slog's own timestamp; slog lines carry
// no stack trace. Levels map to zap's: below info is debug, below warn is
// info, below error is warn, the rest is error. A nil l means the global
// logger at each call. Over a zap logger not built by New, a value whose
// encoding panics is written as a note, as with New's (see Safety in the
// package doc). It passes testing/slogtest.
func NewSlogHandler(l *zap.Logger) slog.Handler {
	return &slogHandler{base: l, cache: new(atomic.Pointer[spanLogger])}
}

func (h *slogHandler) root() *zap.Logger {
	if h.base != nil {
		return h.base
	}
	return global()
}

func (h *slogHandler) Enabled(ctx context.Context, lv slog.Level) bool {
	return h.root().Core().Enabled(zapLevel(lv)) || bufferTakes(ctx, zapLevel(lv))
}

func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	n := &slogHandler{base: h.base, cache: h.cache}
	n.pre = appendAttrs(append([]zapcore.Field(nil), h.pre...), attrs)
	return n
}

func (h *slogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := &slogHandler{base: h.base, cache: h.cache}
	n.pre = append(append([]zapcore.Field(nil), h.pre...), zap.Namespace(name))
	return n
}

func (h *slogHandler) Handle(ctx context.Context, r slog.Record) error {
	l := h.logger(ctx)
	ent := zapcore.Entry{
		Level:      zapLevel(r.Level),
		Time:       r.Time,
		Message:    r.Message,
		LoggerName: l.Name(),
	}
	c := l.Core()
	if oc, ok := c.(*core); (!ok || !oc.noCaller) && r.PC != 0 {
		ent.Caller = callerOf(r.PC)
	}
	if !guardsItself(c) {
		return h.handleForeign(c, ent, r)
	}
	ce := c.Check(ent, nil)
	if ce == nil {
		return nil
	}
	return h.withFields(c, r, func(fields []zapcore.Field) error {
		ce.Write(fields...)
		return nil
	})
}

// withFields calls write with the handler's fields and r's attributes: in
// a slice of the line's own when c may keep it (mayKeep), else in a pooled
// one. Cores encode (or copy) the fields during Write, so the pooled slice
// goes back to the pool after it, emptied so it keeps no values alive
// (what is past what this line used is empty already); an unusually large
// one is left to the garbage collector.
func (h *slogHandler) withFields(c zapcore.Core, r slog.Record, write func([]zapcore.Field) error) error {
	if mayKeep(c) {
		fields, _ := h.fields(make([]zapcore.Field, 0, len(h.pre)+r.NumAttrs()), r)
		return write(fields)
	}
	p := fieldPool.Get().(*[]zapcore.Field)
	fields, used := h.fields((*p)[:0], r)
	err := write(fields)
	putFields(p, fields, used)
	return err
}

// fields appends to dst the handler's fields and the record's attributes,
// and returns them without the groups left empty at the end, and how many
// were appended.
func (h *slogHandler) fields(dst []zapcore.Field, r slog.Record) ([]zapcore.Field, int) {
	fields := append(dst, h.pre...)
	r.Attrs(func(a slog.Attr) bool {
		fields = appendAttr(fields, a)
		return true
	})
	used := len(fields)
	// A group with nothing in it is left out.
	for len(fields) > 0 && fields[len(fields)-1].Type == zapcore.NamespaceType {
		fields = fields[:len(fields)-1]
	}
	return fields, used
}

// putFields returns fields, of which used were set, to fieldPool as p.
func putFields(p *[]zapcore.Field, fields []zapcore.Field, used int) {
	if cap(fields) <= maxPooledFields {
		clear(fields[:used])
		*p = fields[:0]
		fieldPool.Put(p)
	}
}

// guardsItself reports whether c is a core of this package, which guards
// the fields whose encoding may panic (safe.go) and encodes or copies the
// fields it is given during Write.
func guardsItself(c zapcore.Core) bool {
	switch c.(type) {
	case *core, *foreignCore:
		return true
	}
	return false
}

// mayKeep reports whether c may keep the fields slice its Write is given
// (zaptest/observer does, an asynchronous core may): every core but New's
// and zap's ioCore, alone or in a request's foreignCore. Such a core gets
// a slice of the line's own, not a pooled one the next line reuses.
func mayKeep(c zapcore.Core) bool {
	switch t := c.(type) {
	case *core:
		return false
	case *foreignCore:
		return !t.direct
	}
	return reflect.TypeOf(c) != ioCoreType
}

// handleForeign writes a record through a core not built by New (the
// handler's logger, or zap's global one, outside a request) as a
// request's foreign logger writes (foreignCore.writeLine; there is no
// request buffer outside a request): fields whose encoding may panic are
// guarded, as slog's own handlers recover such a panic.
func (h *slogHandler) handleForeign(c zapcore.Core, ent zapcore.Entry, r slog.Record) error {
	if !c.Enabled(ent.Level) {
		return nil
	}
	fc := foreignCore{Core: c, direct: reflect.TypeOf(c) == ioCoreType}
	return h.withFields(c, r, func(fields []zapcore.Field) error { return fc.writeLine(ent, fields) })
}

// maxPooledFields bounds the field slices kept in fieldPool.
const maxPooledFields = 64

// fieldPool holds the per-line field slices of the slog handler.
var fieldPool = sync.Pool{New: func() any {
	s := make([]zapcore.Field, 0, 16)
	return &s
}}

// callerSlots is the size of callerCache (a power of two).
const callerSlots = 1024

// callerSlot is one resolved call site.
type callerSlot struct {
	pc     uintptr
	caller zapcore.EntryCaller
}

// callerCache maps a slog record's PC to its caller, so that
// runtime.CallersFrames runs once per call site rather than once per line.
// It is direct-mapped and fixed in size: a PC whose slot holds another PC
// replaces it, so memory stays bounded however many call sites a program
// has, and a program with more hot call sites than slots only resolves
// some of them again.
var callerCache [callerSlots]atomic.Pointer[callerSlot]

// callerOf returns the caller at pc, from callerCache when it is there.
func callerOf(pc uintptr) zapcore.EntryCaller {
	slot := &callerCache[(pc^pc>>10^pc>>20)&(callerSlots-1)]
	if e := slot.Load(); e != nil && e.pc == pc {
		return e.caller
	}
	pcs := [1]uintptr{pc}
	f, _ := runtime.CallersFrames(pcs[:]).Next()
	c := zapcore.EntryCaller{Defined: true, PC: f.PC, File: f.File, Line: f.Line, Function: f.Function}
	slot.Store(&callerSlot{pc: pc, caller: c})
	return c
}

// logger picks the logger for one record: the context's (bound fields and
// span) when it carries one, else the handler's with the context's span.
func (h *slogHandler) logger(ctx context.Context) *zap.Logger {
	if ctx == nil {
		return h.root()
	}
	if _, ok := ctx.Value(ctxKey{}).(*ctxLogger); ok {
		return FromContext(ctx)
	}
	span := trace.SpanFromContext(ctx)
	sc := span.SpanContext()
	root := h.root()
	if !sc.IsValid() {
		return root
	}
	if h.base == nil {
		return globalWithSpan(root, span, sc)
	}
	if e := h.cache.Load(); e != nil && sameSpan(e.sc, sc) {
		return e.l
	}
	e := bindSpan(root, span, sc)
	h.cache.Store(e)
	return e.l
}

func zapLevel(lv slog.Level) zapcore.Level {
	switch {
	case lv < slog.LevelInfo:
		return zapcore.DebugLevel
	case lv < slog.LevelWarn:
		return zapcore.InfoLevel
	case lv < slog.LevelError:
		return zapcore.WarnLevel
	}
	return zapcore.ErrorLevel
}

func appendAttrs(fields []zapcore.Field, attrs []slog.Attr) []zapcore.Field {
	for _, a := range attrs {
		fields = appendAttr(fields, a)
	}
	return fields
}

// appendAttr converts a to zap fields following the slog.Handler rules:
// values are resolved, empty attrs and empty groups are dropped, groups
// without a key are inlined.
func appendAttr(fields []zapcore.Field, a slog.Attr) []zapcore.Field {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return fields
	}
	v := a.Value
	switch v.Kind() {
	case slog.KindString:
		return append(fields, zap.String(a.Key, v.String()))
	case slog.KindInt64:
		return append(fields, zap.Int64(a.Key, v.Int64()))
	case slog.KindUint64:
		return append(fields, zap.Uint64(a.Key, v.Uint64()))
	case slog.KindFloat64:
		return append(fields, zap.Float64(a.Key, v.Float64()))
	case slog.KindBool:
		return append(fields, zap.Bool(a.Key, v.Bool()))
	case slog.KindDuration:
		return append(fields, zap.Duration(a.Key, v.Duration()))
	case slog.KindTime:
		return append(fields, zap.Time(a.Key, v.Time()))
	case slog.KindGroup:
		attrs := v.Group()
		if len(attrs) == 0 {
			return fields
		}
		if a.Key == "" {
			return appendAttrs(fields, attrs)
		}
		return append(fields, zap.Object(a.Key, slogGroup(attrs)))
	}
	if err, ok := v.Any().(error); ok {
		return append(fields, zap.NamedError(a.Key, err))
	}
	return append(fields, zap.Any(a.Key, v.Any()))
}

// slogGroup writes a slog group as a nested object.
type slogGroup []slog.Attr

func (g slogGroup) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range appendAttrs(nil, g) {
		if isContextField(f) {
			continue
		}
		f.AddTo(enc)
	}
	return nil
}
