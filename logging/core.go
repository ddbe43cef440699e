package logging

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/multierr"
	"go.uber.org/zap"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/redact"
)

// requestIDKey is the field name a request's ID is bound under; the core
// writes it right after the trace fields, under the profile's key.
const requestIDKey = "request_id"

// Internal marker fields (SkipType, so other cores ignore them):
//
//   - spanBindKey with a *core hands a core already bound to a span to
//     zap.Logger.With (FromContext for a new span); with a *foreignCore, a
//     foreign core (see foreign.go);
//   - spanBindKey with a trace.Span binds that span in the same clone as the
//     other fields of the call (With in a context with a span);
//   - spanUnbindKey removes the bound span.
const (
	spanBindKey   = "\x00otelkit.span"
	spanUnbindKey = "\x00otelkit.nospan"
)

// core is the zapcore.Core behind every Logger built by New. It writes the
// line contract itself (time, level, msg, caller, trace fields, request ID)
// and leaves the bound and call fields to a zap JSON encoder, tees every
// entry to the OTLP bridge, and records error lines on the span.
type core struct {
	level      zapcore.LevelEnabler
	out        zapcore.WriteSyncer
	prof       *profile
	json       bool
	enc        zapcore.Encoder // json: fields only (no entry keys); nil for the console
	encFields  bool            // json: enc holds bound fields (else a line without fields needs no encoder)
	con        *consoleFormat  // console: how lines look (console.go); nil for JSON
	extra      string          // pre-encoded members after the message: the profile's constants, the service (service.go)
	gcpProject string
	spanErrors bool
	noCaller   bool                // WithoutCaller: the slog handler leaves the caller out too
	errOut     zapcore.WriteSyncer // the Logger's zap ErrorOutput (output.go), for lines not checked through it
	keys       *redact.Rule        // keys whose values are written as REDACTED (redact.go); nil: WithoutKeyRedaction

	span     trace.Span // nil when no span is bound
	sc       trace.SpanContext
	reqID    string
	hasReqID bool
	tail     []byte          // pre-encoded trace fields and request ID (JSON only)
	bound    []zapcore.Field // bound fields (console only: written after the trace fields)
	lazy     []zapcore.Field // Inline fields encoded on every line (a request's, see request.go); shared, never changed

	inRequest bool // a request's logger: the request keys are reserved too (reserved.go)
	nested    bool // a bound zap.Namespace: later fields are nested, no key of theirs is reserved

	bridge zapcore.Core // OTLP bridge (otlpcore.go), nil when off

	// buf is the log buffer of the request this core is bound to; in a
	// core New built with buffering on, one that only holds the policy
	// (buffer.go). nil: buffering off.
	buf *reqBuffer
}

var _ zapcore.Core = (*core)(nil)

func (c *core) Enabled(l zapcore.Level) bool { return c.level.Enabled(l) || c.buf.takes(l) }

func (c *core) clone() *core {
	n := *c
	return &n
}

// With binds fields. A string field request_id is kept apart and written
// after the trace fields; context.Context values are never encoded (the
// bridge still receives them and uses them as the record's context). A
// field whose encoding panics is bound as a note (see safe.go).
func (c *core) With(fields []zapcore.Field) zapcore.Core {
	// guardErrors first: the bridge keeps a bound error to call later.
	return withGuarded(guardErrors(fields), c.with)
}

func (c *core) with(fields []zapcore.Field) zapcore.Core {
	if len(fields) == 1 && fields[0].Type == zapcore.SkipType && fields[0].Key == spanBindKey {
		if n, ok := fields[0].Interface.(*core); ok {
			return n
		}
	}
	if len(fields) == 0 {
		return c
	}
	fields = redactBound(c.keys, fields)
	n := c.clone()
	// Once a request's fields are bound (lazy), later fields follow them
	// (fields come in the order they were bound): they join the lazy
	// fields, encoded on every line, and reach the bridge from there.
	after := len(c.lazy) > 0
	switch {
	case after:
		n.lazy = append(make([]zapcore.Field, 0, len(c.lazy)+len(fields)), c.lazy...)
	case n.json:
		n.enc = c.enc.Clone()
	default:
		n.bound = append([]zapcore.Field(nil), c.bound...)
	}
	rebind := false
	for _, f := range fields {
		rebind = n.bind(f, after) || rebind
	}
	if n.bridge != nil {
		if !after {
			n.bridge = n.bridge.With(fields)
		} else if n.hasReqID && n.reqID != c.reqID {
			n.bridge = n.bridge.With([]zapcore.Field{zap.String(requestIDKey, n.reqID)})
		}
		if rebind {
			n.bridge = withSpanContext(n.bridge, n.span)
		}
	}
	if n.json {
		n.tail = nil
		if n.sc.IsValid() || n.hasReqID {
			n.tail = n.prof.buildTail(make([]byte, 0, tailHint(n)), n.sc, n.gcpProject, n.reqID, n.hasReqID)
		}
	}
	return n
}

// bind binds one field to n, a fresh clone: a span marker, the request
// ID, or a field encoded now (JSON), kept for every line (console) or,
// after a request's fields, appended to the lazy ones. It reports whether
// f bound or unbound a span.
func (n *core) bind(f zapcore.Field, after bool) (rebind bool) {
	switch {
	case f.Type == zapcore.SkipType && (f.Key == spanBindKey || f.Key == spanUnbindKey):
		n.span, n.sc = nil, trace.SpanContext{}
		if sp, ok := f.Interface.(trace.Span); ok && f.Key == spanBindKey {
			n.span, n.sc = sp, sp.SpanContext()
		}
		return true
	case f.Type == zapcore.StringType && f.Key == requestIDKey:
		n.reqID, n.hasReqID = f.String, true
	case isContextField(f):
	default:
		f = n.prof.rewrite(f)
		if isUserInline(f) {
			f = inlineKey(f)
		}
		if !n.nested {
			f = n.prof.boundField(f)
		}
		switch {
		case after:
			n.lazy = append(n.lazy, f)
		case n.json:
			f.AddTo(n.enc)
			n.encFields = true
		default:
			n.bound = append(n.bound, f)
		}
		n.nested = n.nested || f.Type == zapcore.NamespaceType
	}
	return false
}

// tailHint is room enough for the pre-encoded trace fields and request ID
// of n in any profile (escaping may still grow it).
func tailHint(n *core) int {
	return 176 + len(n.gcpProject) + len(n.reqID)
}

// withSpanContext returns bridge with the context the OTLP bridge emits
// records with: one holding span (none when span is nil), in a field zap
// encoders skip.
func withSpanContext(bridge zapcore.Core, span trace.Span) zapcore.Core {
	return bridge.With([]zapcore.Field{{Key: "context", Type: zapcore.SkipType, Interface: spanContext(span)}})
}

// spanContext returns a context holding span (none when span is nil), the
// context the OTLP bridge emits records with.
func spanContext(span trace.Span) context.Context {
	if span == nil {
		return context.Background()
	}
	return trace.ContextWithSpan(context.Background(), span)
}

// withSpanInto makes n a copy of c bound to span (whose context sc is
// valid), building the trace fields in tailBuf when they fit.
func (c *core) withSpanInto(n *core, span trace.Span, sc trace.SpanContext, tailBuf []byte) {
	*n = *c
	n.span, n.sc = span, sc
	if n.json {
		n.tail = n.prof.buildTail(tailBuf[:0], sc, n.gcpProject, n.reqID, n.hasReqID)
	}
	if n.bridge != nil {
		n.bridge = withSpanContext(n.bridge, span)
	}
}

// Check adds c, with the Logger's error output: the slog handler and the
// access line check the core directly, not through zap.Logger.Check (which
// sets its own error output over this one), and without it zap would not
// report their failed writes on stderr.
func (c *core) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.level.Enabled(ent.Level) || c.buf.takes(ent.Level) {
		ce = ce.AddCore(ent, c)
		if ce.ErrorOutput == nil {
			ce.ErrorOutput = c.errOut
		}
	}
	return ce
}

func (c *core) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	if c.buf != nil && c.buffered(ent, fields) {
		return nil // kept in the request's buffer, or dropped
	}
	return c.write(ent, fields)
}

// write writes the line: the output, the OTLP bridge, the span's error,
// each with the credentials among fields redacted (redact.go).
func (c *core) write(ent zapcore.Entry, fields []zapcore.Field) error {
	fields, rf := c.redactFields(fields)
	if rf != nil {
		defer rf.free()
	}
	std, lf := c.scrub(fields)
	err := c.writeLine(ent, std)
	if lf != nil {
		lf.free()
	}
	if c.bridge != nil && c.bridge.Enabled(ent.Level) {
		err = multierr.Append(err, c.writeBridge(ent, fields))
	}
	if c.spanErrors && c.span != nil && ent.Level >= zapcore.ErrorLevel {
		c.recordError(fields)
	}
	if ent.Level > zapcore.ErrorLevel {
		_ = c.out.Sync()
	}
	return err
}

// scrub returns the fields to write: without context.Context values,
// with the profile's error keys, and with a user's field that would repeat
// a key of the line renamed (reserved.go). It copies, into a pooled
// lineFields it returns for freeing once the line is written, only when it
// has to change something.
func (c *core) scrub(fields []zapcore.Field) ([]zapcore.Field, *lineFields) {
	keys, nested, errKeys := c.prof.reservedFor(c.inRequest), c.nested, c.prof.errMsg != "error"
	for i := range fields {
		f := &fields[i]
		if isContextField(*f) || (errKeys && isErrField(*f)) ||
			(!nested && (keys.mayHave(f.Key) || f.Type == zapcore.InlineMarshalerType) && c.prof.needsRename(*f, c.inRequest)) ||
			(f.Key == "" && isUserInline(*f)) {
			return c.scrubFrom(fields, i, nested)
		}
		nested = nested || f.Type == zapcore.NamespaceType
	}
	return fields, nil
}

// scrubFrom is scrub from fields[i], the first field it has to change.
func (c *core) scrubFrom(fields []zapcore.Field, i int, nested bool) ([]zapcore.Field, *lineFields) {
	lf := getLineFields()
	out := append(lf.buf[:0], fields[:i]...)
	for _, g := range fields[i:] {
		if isContextField(g) {
			continue
		}
		g = c.prof.rewrite(g)
		if isUserInline(g) {
			g = inlineKey(g)
		}
		if !nested {
			if isUserInline(g) {
				g = c.prof.wrapInline(g, c.inRequest, lf.renamer(), false)
			} else {
				g = c.prof.renameKey(g, c.inRequest)
			}
		}
		nested = nested || g.Type == zapcore.NamespaceType
		out = append(out, g)
	}
	lf.buf = out
	return out, lf
}

// writeLine writes the line to the output, again with guarded fields if
// encoding panics (nothing is written before encoding ends).
func (c *core) writeLine(ent zapcore.Entry, fields []zapcore.Field) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if !anyRisky(fields, c.lazy, c.bound) {
				panic(v)
			}
			g := *c
			g.lazy, g.bound = guardFields(c.lazy), guardFields(c.bound)
			err = g.writeEncoded(ent, guardFields(fields))
		}
	}()
	return c.writeEncoded(ent, fields)
}

func (c *core) writeEncoded(ent zapcore.Entry, fields []zapcore.Field) error {
	if c.json {
		return c.writeJSON(ent, fields)
	}
	return c.writeConsole(ent, fields)
}

// writeBridge hands the line to the OTLP bridge, again with guarded fields
// if it panics (the bridge emits only after converting every field).
func (c *core) writeBridge(ent zapcore.Entry, fields []zapcore.Field) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if !anyRisky(fields, c.lazy) {
				panic(v)
			}
			g := *c
			g.lazy = guardFields(c.lazy)
			err = g.emit(ent, guardFields(fields))
		}
	}()
	return c.emit(ent, fields)
}

// emit writes the lazy fields and fields to the bridge.
func (c *core) emit(ent zapcore.Entry, fields []zapcore.Field) error {
	if len(c.lazy) == 0 {
		return c.bridge.Write(ent, fields)
	}
	lf := getLineFields()
	lf.buf = append(append(lf.buf[:0], c.lazy...), fields...)
	err := c.bridge.Write(ent, lf.buf)
	lf.free()
	return err
}

// writeJSON writes one JSON line (see profile for the order of members).
func (c *core) writeJSON(ent zapcore.Entry, fields []zapcore.Field) error {
	p := c.prof
	b := bufPool.Get()
	if !ent.Time.IsZero() {
		b.AppendString(p.openTime)
		appendTime(b, ent.Time)
		b.AppendString(p.timeToLevel)
	} else {
		b.AppendString(p.openLevel)
	}
	b.AppendString(p.levelName(ent.Level))
	b.AppendString(p.levelToMsg)
	appendJSONString(b, ent.Message)
	if p.errorExtra != "" && ent.Level >= zapcore.ErrorLevel {
		b.AppendString(p.errorExtra)
	}
	b.AppendString(c.extra)
	if ent.Caller.Defined {
		p.writeCaller(p, b, ent.Caller)
	}
	_, _ = b.Write(c.tail)
	if ent.LoggerName != "" {
		appendKey(b, p.logger, false)
		appendJSONString(b, ent.LoggerName)
	}
	if len(fields) == 0 && len(c.lazy) == 0 && !c.encFields && ent.Stack == "" {
		// Nothing for the encoder to write: skip cloning it.
		b.AppendString("}\n")
		_, err := c.out.Write(b.Bytes())
		b.Free()
		return err
	}
	var fb *buffer.Buffer
	var err error
	if len(c.lazy) == 0 {
		fb, err = c.enc.EncodeEntry(zapcore.Entry{Stack: ent.Stack}, fields)
	} else {
		// The lazy fields go between the bound fields and the call's,
		// through one Inline field so that no slice is built per line.
		lf := getLineFields()
		lf.lazy, lf.fields = c.lazy, fields
		lf.one[0] = zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: lf}
		fb, err = c.enc.EncodeEntry(zapcore.Entry{Stack: ent.Stack}, lf.one[:])
		lf.free()
	}
	if err != nil {
		b.Free()
		return err
	}
	if fb.Len() > 3 { // more than "{}\n"
		b.AppendByte(',')
		appendSafe(b, fb.Bytes()[1:])
	} else {
		b.AppendString("}\n")
	}
	fb.Free()
	_, err = c.out.Write(b.Bytes())
	b.Free()
	return err
}

// recordError records the first error among fields on the bound span as an
// exception event, when the span records and has not recorded that error
// yet (internal/spanerr: tracing.End then records no second one).
func (c *core) recordError(fields []zapcore.Field) {
	for _, f := range fields {
		if err := fieldError(f); err != nil {
			recordSafely(c.span, err)
			return
		}
	}
}

// Sync flushes the output and the bridge. Errors a terminal or a pipe
// returns for fsync (EINVAL, ENOTTY, ENOTSUP) are not errors of the logger.
func (c *core) Sync() error {
	err := noSyncLoss(c.out.Sync())
	if c.bridge != nil {
		err = multierr.Append(err, c.bridge.Sync())
	}
	return err
}

// isContextField reports whether f carries a context.Context. zap.Any
// turns a context into a Stringer or Reflect field (contexts implement
// String); zap.Inline, Object or Array can carry one only if the context
// type implements zap's marshalers, which no context type does; those are
// checked too, at the price of a type assertion.
func isContextField(f zapcore.Field) bool {
	switch f.Type {
	case zapcore.StringerType, zapcore.ReflectType, zapcore.SkipType,
		zapcore.ObjectMarshalerType, zapcore.InlineMarshalerType, zapcore.ArrayMarshalerType:
		if f.Interface == nil {
			return false
		}
		_, ok := f.Interface.(context.Context)
		return ok
	}
	return false
}

// lineFields holds the fields of one line being written: a core's lazy
// fields followed by the call's, as one Inline field or one slice. Pooled,
// so writing a line with lazy fields allocates nothing.
type lineFields struct {
	lazy   []zapcore.Field
	fields []zapcore.Field
	one    [1]zapcore.Field
	buf    []zapcore.Field
	guards []guard              // for foreignCore.Write
	ren    []renamingMarshaler  // for core.scrub
	red    []redactingMarshaler // for core.redactFields
}

// renamer returns an unused renamingMarshaler of lf.
func (lf *lineFields) renamer() *renamingMarshaler {
	if len(lf.ren) == cap(lf.ren) {
		lf.ren = append(make([]renamingMarshaler, 0, 2*cap(lf.ren)+2), lf.ren...)
	}
	lf.ren = lf.ren[:len(lf.ren)+1]
	return &lf.ren[len(lf.ren)-1]
}

// redacter returns an unused redactingMarshaler of lf.
func (lf *lineFields) redacter() *redactingMarshaler {
	if len(lf.red) == cap(lf.red) {
		lf.red = append(make([]redactingMarshaler, 0, 2*cap(lf.red)+2), lf.red...)
	}
	lf.red = lf.red[:len(lf.red)+1]
	return &lf.red[len(lf.red)-1]
}

var linePool = sync.Pool{New: func() any { return &lineFields{buf: make([]zapcore.Field, 0, 16)} }}

func getLineFields() *lineFields { return linePool.Get().(*lineFields) }

func (lf *lineFields) free() {
	lf.lazy, lf.fields, lf.one[0] = nil, nil, zapcore.Field{}
	if cap(lf.guards) > 64 {
		lf.guards = nil
	} else {
		clear(lf.guards)
	}
	if cap(lf.ren) > 16 {
		lf.ren = nil
	} else {
		clear(lf.ren)
		lf.ren = lf.ren[:0]
	}
	if cap(lf.red) > 16 {
		lf.red = nil
	} else {
		clear(lf.red)
		lf.red = lf.red[:0]
	}
	if cap(lf.buf) > 64 {
		lf.buf = make([]zapcore.Field, 0, 16)
	} else {
		clear(lf.buf)
		lf.buf = lf.buf[:0]
	}
	linePool.Put(lf)
}

func (lf *lineFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range lf.lazy {
		f.AddTo(enc)
	}
	for _, f := range lf.fields {
		f.AddTo(enc)
	}
	return nil
}
