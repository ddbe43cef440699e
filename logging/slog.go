package logging

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

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
// logger at each call. It passes testing/slogtest.
func NewSlogHandler(l *zap.Logger) slog.Handler {
	return &slogHandler{base: l, cache: new(atomic.Pointer[spanLogger])}
}

func (h *slogHandler) root() *zap.Logger {
	if h.base != nil {
		return h.base
	}
	return global()
}

func (h *slogHandler) Enabled(_ context.Context, lv slog.Level) bool {
	return h.root().Core().Enabled(zapLevel(lv))
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
	if c, ok := l.Core().(*core); (!ok || !c.noCaller) && r.PC != 0 {
		fs := runtime.CallersFrames([]uintptr{r.PC})
		f, _ := fs.Next()
		ent.Caller = zapcore.EntryCaller{Defined: true, PC: f.PC, File: f.File, Line: f.Line, Function: f.Function}
	}
	ce := l.Core().Check(ent, nil)
	if ce == nil {
		return nil
	}
	fields := make([]zapcore.Field, 0, len(h.pre)+r.NumAttrs())
	fields = append(fields, h.pre...)
	r.Attrs(func(a slog.Attr) bool {
		fields = appendAttr(fields, a)
		return true
	})
	// A group with nothing in it is left out.
	for len(fields) > 0 && fields[len(fields)-1].Type == zapcore.NamespaceType {
		fields = fields[:len(fields)-1]
	}
	ce.Write(fields...)
	return nil
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
