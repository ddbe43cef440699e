package logging_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// Values whose logging methods panic.
type (
	badErr      struct{}
	badStringer struct{}
	badObj      struct{}
	badArr      struct{}
	badJSON     struct{}
)

func (badErr) Error() string       { panic("error boom") }
func (badStringer) String() string { panic("stringer boom") }
func (badObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("partial", "1")
	panic("object boom")
}
func (badArr) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	enc.AppendString("a")
	panic("array boom")
}
func (badJSON) MarshalJSON() ([]byte, error) { panic("json boom") }

// badFields is one field of every kind whose encoding runs user code, and
// a plain field after them that must still be written.
func badFields() []zap.Field {
	return []zap.Field{
		zap.Error(badErr{}), zap.NamedError("cause", badErr{}), zap.Stringer("s", badStringer{}),
		zap.Object("obj", badObj{}), zap.Array("arr", badArr{}), zap.Inline(badObj{}),
		zap.Any("refl", badJSON{}), zap.String("after", "ok"),
	}
}

// wantNotes are the "<field>Error" notes a line with badFields carries, as
// zap's own convention writes them, and the panic text each holds.
var wantNotes = map[string]string{
	"errorError": "error boom", "causeError": "error boom", "sError": "stringer boom",
	"objError": "object boom", "arrError": "array boom", "inlineError": "object boom", "reflError": "json boom",
}

func checkJSONLine(t *testing.T, line string) {
	t.Helper()
	m := decode(t, line)
	if m["after"] != "ok" {
		t.Errorf("the field after the bad ones is missing: %s", line)
	}
	for k, want := range wantNotes {
		if s, _ := m[k].(string); !strings.Contains(s, want) {
			t.Errorf("%s = %v, want a note holding %q: %s", k, m[k], want, line)
		}
	}
}

// TestPanickingFieldsOwnCore: through the logger New builds, JSON and
// console, a line with fields whose Error, String, MarshalLogObject,
// MarshalLogArray or MarshalJSON panics is written, each panic noted as
// "<field>Error"; bound fields too; nothing panics.
func TestPanickingFieldsOwnCore(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().Error("bad_fields", badFields()...)
	lines := buf.Lines()
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	checkJSONLine(t, lines[0])

	l.Zap().With(badFields()...).Warn("bound_bad_fields")
	checkJSONLine(t, buf.Lines()[1])

	ctx := logging.With(logging.NewContext(context.Background(), l.Zap()), badFields()...)
	logging.FromContext(ctx).Info("ctx_bad_fields")
	checkJSONLine(t, buf.Lines()[2])

	cbuf := &syncBuffer{}
	cl, err := logging.New(logging.WithFormat("console"), logging.WithOutput(cbuf), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	cl.Zap().Error("bad_fields", badFields()...)
	cl.Zap().With(badFields()...).Error("bound_bad_fields")
	out := cbuf.String()
	for _, want := range []string{"bad_fields", "bound_bad_fields", ` after=ok `, "object boom", "array boom", "json boom", "error boom", "stringer boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
}

// TestPanickingFieldsBridge: with the OTLP bridge on, the same line still
// reaches stdout and the bridge emits the record, at error level too
// (where zap.Error becomes the record's error).
func TestPanickingFieldsBridge(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, buf := newJSON(t, logging.WithLoggerProvider(lp))
	tp, _ := newTracer(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	defer span.End()
	log := logging.FromContext(logging.NewContext(ctx, l.Zap()))
	log.Error("bad_fields", badFields()...)
	log.With(badFields()...).Error("bound_bad_fields", zap.Error(badErr{}))
	lines := buf.Lines()
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	checkJSONLine(t, lines[0])
	checkJSONLine(t, lines[1])
	recs := mp.Records()
	if len(recs) != 2 || recs[0].Body().AsString() != "bad_fields" || recs[1].Body().AsString() != "bound_bad_fields" {
		t.Fatalf("records %v", recs)
	}
	a := attrs(recs[0])
	if a["after"] != "ok" || !strings.Contains(a["objError"], "object boom") || !strings.Contains(a["errorError"], "error boom") {
		t.Errorf("record attributes %v", a)
	}
}

// TestPanickingErrorAtErrorLevelBridge is the case as reported: zap.Error
// of an error whose Error panics, at error level, with the bridge on.
func TestPanickingErrorAtErrorLevelBridge(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, buf := newJSON(t, logging.WithLoggerProvider(lp))
	l.Zap().Error("failed", zap.Error(badErr{}))
	if m := decode(t, buf.Lines()[0]); !strings.Contains(m["errorError"].(string), "error boom") {
		t.Errorf("line %v", m)
	}
	if recs := mp.Records(); len(recs) != 1 || !strings.Contains(attrs(recs[0])["errorError"], "error boom") {
		t.Errorf("records %v", recs)
	}
}

// Values whose nested values panic: an object whose inner object panics,
// an array whose object element panics, and an object holding such an
// array.
type (
	nestedObj struct{}
	nestedArr struct{}
	deepObj   struct{}
)

func (nestedObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("a", "1")
	if err := enc.AddObject("inner", badObj{}); err != nil {
		return err
	}
	enc.AddString("b", "2")
	return nil
}

func (nestedArr) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	enc.AppendString("x")
	_ = enc.AppendObject(badObj{}) // the error is ignored: the note must still be written
	return enc.AppendArray(badArr{})
}

func (deepObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	return enc.AddArray("list", nestedArr{})
}

// contObj goes on after a value it nests has failed.
type contObj struct{}

func (contObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("c1", "1")
	_ = enc.AddObject("inner", badObj{})
	enc.AddString("c2", "2")
	return nil
}

// nestedFields are fields whose nested values panic, and a plain field
// after them.
func nestedFields() []zap.Field {
	return []zap.Field{
		zap.Object("nested", nestedObj{}), zap.Array("narr", nestedArr{}), zap.Object("deep", deepObj{}),
		zap.Inline(nestedObj{}), zap.String("after", "ok"),
	}
}

// checkNestedLine checks a line with nestedFields: one JSON object, every
// value that held a panic noted, what was written before it kept.
func checkNestedLine(t *testing.T, line string) {
	t.Helper()
	m := decode(t, line)
	if m["after"] != "ok" {
		t.Errorf("the field after the bad ones is missing: %s", line)
	}
	for _, k := range []string{"nestedError", "narrError", "deepError", "inlineError"} {
		if s, _ := m[k].(string); !strings.Contains(s, "boom") {
			t.Errorf("%s = %v, want a panic note: %s", k, m[k], line)
		}
	}
	if n, _ := m["nested"].(map[string]any); n == nil || n["a"] != "1" {
		t.Errorf("nested = %v: %s", m["nested"], line)
	}
}

// TestPanickingNestedValues: a panic inside a value nested in a logged
// object or array (a marshaler calling AddObject, AddArray, AppendObject or
// AppendArray with a value that panics) leaves every object and array
// closed, through the logger New builds and through a zap logger of one's
// own bound to a request, so the line stays JSON and carries the note.
func TestPanickingNestedValues(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().Error("nested_bad", nestedFields()...)
	l.Zap().With(nestedFields()...).Warn("bound_nested_bad")
	fl, fbuf := foreignJSON(zapcore.InfoLevel)
	rctx, _ := bind(context.Background(), fl, "req-1", nil)
	logging.FromContext(rctx).Error("nested_bad", nestedFields()...)
	rctx, _ = bind(context.Background(), fl, "req-2", nil, nestedFields()...)
	logging.FromContext(rctx).Info("request_fields_nested_bad")
	lines := append(buf.Lines(), fbuf.Lines()...)
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s%s", len(lines), buf.String(), fbuf.String())
	}
	for _, line := range lines {
		checkNestedLine(t, line)
	}
}

// errObj writes a field, then fails.
type errObj struct{}

func (errObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("partial", "1")
	return errors.New("object failed")
}

// TestConsoleKeepsWhatNestedValuesWrote: the console format writes an
// object whose marshaler failed, or panicked inside a value it nests, as
// far as it got, as zap's JSON encoder does, with the note after it.
func TestConsoleKeepsWhatNestedValuesWrote(t *testing.T) {
	cbuf := &syncBuffer{}
	cl, err := logging.New(logging.WithFormat("console"), logging.WithOutput(cbuf), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	cl.Zap().Error("nested_bad", append(nestedFields(), zap.Object("failed", errObj{}), zap.Any("refl", badJSON{}))...)
	out := cbuf.String()
	for _, want := range []string{
		`nested={"a":"1","inner":{"partial":"1"}} nestedError="PANIC=object boom"`,
		`narr=["x",{"partial":"1"},["a"]]`, `deep={"list":["x",{"partial":"1"},["a"]]}`,
		`failed={"partial":"1"} failedError="object failed"`,
		`reflError="PANIC=json boom"`, ` after=ok`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "refl=") {
		t.Errorf("a reflected value that failed is written:\n%s", out)
	}
}

// A request's guarded fields are encoded by every line of the request,
// from as many goroutines as the handler starts: guarding them is no data
// race (go test -race), and every line is whole.
func TestPanickingNestedRequestFieldsConcurrently(t *testing.T) {
	fl, fbuf := foreignJSON(zapcore.InfoLevel)
	rctx, _ := bind(context.Background(), fl, "req-c", nil, nestedFields()...)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				logging.FromContext(rctx).Info("concurrent", zap.Object("own", nestedObj{}))
			}
		}()
	}
	wg.Wait()
	lines := fbuf.Lines()
	if len(lines) != 160 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, line := range lines {
		checkNestedLine(t, line)
		if m := decode(t, line); !strings.Contains(fmt.Sprint(m["ownError"]), "boom") {
			t.Fatalf("ownError missing: %s", line)
		}
	}
}

// A core that keeps the fields it is given (zaptest/observer, an
// asynchronous core) sees each line's own fields, guarded where they may
// panic, not pooled ones a later line has reused.
func TestForeignCoreThatKeepsFields(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	rctx, _ := bind(context.Background(), zap.New(core), "req-o", nil, zap.String("method", "GET"))
	logging.FromContext(rctx).Info("first", zap.Object("obj", zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		enc.AddString("k", "v")
		return nil
	})))
	logging.FromContext(rctx).Info("second", zap.Object("nested", nestedObj{}))
	all := logs.All()
	if len(all) != 2 {
		t.Fatalf("%d entries", len(all))
	}
	first, second := all[0].ContextMap(), all[1].ContextMap()
	if obj, _ := first["obj"].(map[string]any); obj["k"] != "v" || first["objError"] != nil || first["method"] != "GET" {
		t.Errorf("first line as kept: %v", first)
	}
	if !strings.Contains(fmt.Sprint(second["nestedError"]), "object boom") || second["method"] != "GET" {
		t.Errorf("second line as kept: %v", second)
	}
}

// evilPanic is a panic value whose String panics with itself, which makes
// fmt panic again while formatting it.
type evilPanic struct{}

func (evilPanic) String() string { panic(evilPanic{}) }

// A panic value that cannot be formatted is noted by its type; nothing
// crashes.
func TestPanicValueThatCannotBeFormatted(t *testing.T) {
	l, buf := newJSON(t)
	bad := zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		return enc.AddObject("in", zapcore.ObjectMarshalerFunc(func(zapcore.ObjectEncoder) error { panic(evilPanic{}) }))
	})
	l.Zap().Info("evil", zap.Object("o", bad), zap.String("after", "ok"))
	fl, fbuf := foreignJSON(zapcore.InfoLevel)
	rctx, _ := bind(context.Background(), fl, "req-e", nil)
	logging.FromContext(rctx).Info("evil", zap.Object("o", bad), zap.String("after", "ok"))
	for _, line := range append(buf.Lines(), fbuf.Lines()...) {
		if m := decode(t, line); m["after"] != "ok" || !strings.Contains(fmt.Sprint(m["oError"]), "evilPanic") {
			t.Errorf("line %s", line)
		}
	}
}

// A marshaler that goes on after a nested value's panic and returns an
// error of its own keeps it beside the panic's note.
func TestMarshalerErrorKeptBesideNestedPanic(t *testing.T) {
	fl, fbuf := foreignJSON(zapcore.InfoLevel)
	rctx, _ := bind(context.Background(), fl, "req-x", nil)
	logging.FromContext(rctx).Info("both", zap.Object("x", zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		_ = enc.AddObject("a", badObj{})
		return errors.New("invalid X")
	})))
	note := fmt.Sprint(decode(t, fbuf.Lines()[0])["xError"])
	if !strings.Contains(note, "object boom") || !strings.Contains(note, "invalid X") {
		t.Errorf("xError = %q", note)
	}
}

// TestMarshalerErrorNotes: a marshaler that returns an error is noted as
// zap notes it, "<key>Error", and a key-less zap.Inline as "inlineError"
// (as when it panics), whichever way the line is written: at once, bound
// with With, buffered, inside a namespace, by New's logger or one's own,
// and in the OTLP record.
func TestMarshalerErrorNotes(t *testing.T) {
	fields := []zap.Field{zap.Object("eobj", errObj{}), zap.Inline(errObj{}), zap.String("after", "ok")}
	check := func(t *testing.T, m map[string]any) {
		t.Helper()
		eobj, _ := m["eobj"].(map[string]any)
		if m["eobjError"] != "object failed" || m["inlineError"] != "object failed" || m["Error"] != nil ||
			eobj["partial"] != "1" || m["partial"] != "1" || m["after"] != "ok" {
			t.Errorf("line %v", m)
		}
	}
	l, buf := newJSON(t)
	l.Zap().Info("at_once", fields...)
	l.Zap().With(fields...).Info("bound")
	l.Zap().Info("in_namespace", append([]zap.Field{zap.Namespace("ns")}, fields...)...)
	for _, msg := range []string{"at_once", "bound", "in_namespace"} {
		for _, m := range byMsg(t, buf, msg) {
			if ns, ok := m["ns"].(map[string]any); ok {
				m = ns
			}
			check(t, m)
		}
	}
	lp, mp := newLogProvider(t)
	bl, _ := newJSON(t, logging.WithLoggerProvider(lp))
	bl.Zap().Info("at_once", fields...)
	bl.Zap().With(fields...).Info("bound")
	for _, rec := range mp.Records() {
		if a := attrs(rec); a["inlineError"] != "object failed" || a["Error"] != "" || a["eobjError"] != "object failed" {
			t.Errorf("OTLP record %s: attributes %v", rec.Body().AsString(), a)
		}
	}
	if len(mp.Records()) != 2 {
		t.Errorf("%d OTLP records, want 2", len(mp.Records()))
	}
	forBufferingBases(t, func(t *testing.T, base *zap.Logger, buf *syncBuffer) {
		r := begin(context.Background(), base, "r1", nil)
		r.log().Info("at_once", fields...)
		r.log().With(fields...).Info("bound")
		r.log().Debug("buffered", fields...)
		r.log().Info("in_namespace", append([]zap.Field{zap.Namespace("ns")}, fields...)...)
		r.end(reqscope.ServerError)
		for _, msg := range []string{"at_once", "bound", "buffered", "in_namespace"} {
			lines := byMsg(t, buf, msg)
			if len(lines) != 1 {
				t.Fatalf("%d %s lines:\n%s", len(lines), msg, buf)
			}
			m := lines[0]
			if ns, ok := m["ns"].(map[string]any); ok {
				m = ns
			}
			check(t, m)
		}
	})
}

// malformedFields are fields zap itself panics on: the zero Field (what
// `var f zap.Field` leaves), a type zap does not know, and marshaler
// fields holding nil; and a plain field after them.
func malformedFields() []zap.Field {
	return []zap.Field{
		{}, {Key: "k", Type: zapcore.FieldType(200)},
		zap.Object("o", nil), zap.Array("a", nil), zap.Inline(nil), zap.String("after", "ok"),
	}
}

var wantMalformedNotes = []string{"fieldError", "kError", "aError", "inlineError"}

// TestMalformedFields: a line with fields zap panics on is written with a
// note for each, as for a panicking marshaler, through the logger New
// builds (JSON, console, bound fields, the OTLP bridge); nothing panics.
// (A zap logger of your own, bound with NewContext, is zap's: it panics as
// zap does.)
func TestMalformedFields(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, buf := newJSON(t, logging.WithLoggerProvider(lp))
	l.Zap().Info("malformed", malformedFields()...)
	logging.FromContext(logging.With(logging.NewContext(context.Background(), l.Zap()), malformedFields()...)).Info("bound_malformed")
	lines := buf.Lines()
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	for _, line := range lines {
		m := decode(t, line)
		if m["after"] != "ok" {
			t.Errorf("the field after the malformed ones is missing: %s", line)
		}
		for _, k := range wantMalformedNotes {
			if s, _ := m[k].(string); !strings.HasPrefix(s, "PANIC=") {
				t.Errorf("%s = %v, want a note: %s", k, m[k], line)
			}
		}
	}
	if recs := mp.Records(); len(recs) != 2 || attrs(recs[0])["after"] != "ok" {
		t.Errorf("bridge records %v", recs)
	}

	cbuf := &syncBuffer{}
	cl, err := logging.New(logging.WithFormat("console"), logging.WithOutput(cbuf), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	cl.Zap().Info("malformed", malformedFields()...)
	if !strings.Contains(cbuf.String(), "after=ok") {
		t.Errorf("console line: %s", cbuf.String())
	}

	// A request's scope on a zap logger of your own guards them too.
	fl, fbuf := foreignJSON(zapcore.DebugLevel)
	rctx, _ := bind(context.Background(), fl, "", nil)
	logging.FromContext(rctx).Info("request_malformed", malformedFields()...)
	if m := decode(t, fbuf.String()); m["after"] != "ok" || m["fieldError"] == nil {
		t.Errorf("request line on a foreign logger: %s", fbuf.String())
	}
}

// TestZapKnowsNoTypePastInlineMarshaler pins what the guard (logging's
// malformed) takes for a type zap does not know: every type above
// InlineMarshalerType. zap's own encoder panics on the next one; a zap
// release that adds a type makes this test fail, and malformed must then
// learn the new type, or its fields would be noted instead of encoded.
func TestZapKnowsNoTypePastInlineMarshaler(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("zap encoded a field of type InlineMarshalerType+1: a new field type; update logging's malformed")
		}
	}()
	zapcore.Field{Key: "k", Type: zapcore.InlineMarshalerType + 1}.AddTo(zapcore.NewMapObjectEncoder())
}
