package logtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/logging/logtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestContextRecordsCorrelatedLines(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	ctx, logs := logtest.Context(ctx, zapcore.InfoLevel)
	ctx = logging.With(ctx, zap.String("request_id", "r-1"))

	logging.FromContext(ctx).Debug("below_level")
	logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "42"), zap.Int("n", 3))
	logging.FromContext(ctx).Error("failed", logging.Err(errors.New("boom")))

	if logs.Len() != 2 {
		t.Fatalf("recorded %d: %v", logs.Len(), logs.Messages())
	}
	e := logs.Require(t, "order_loaded")
	if e.String("order_id") != "42" || e.String("n") != "3" || e.String("request_id") != "r-1" {
		t.Fatalf("fields %v", e.Fields())
	}
	if e.String("trace_id") != sc.TraceID().String() || e.String("span_id") != sc.SpanID().String() || e.String("trace_flags") != "01" {
		t.Fatalf("trace fields %v", e.Fields())
	}
	f := logs.Require(t, "failed")
	if f.String("error") != "boom" || f.String("error_type") != "*errors.errorString" || f.Level != zapcore.ErrorLevel {
		t.Fatalf("error entry %v", f.Fields())
	}
	if f.Has("missing") || f.String("missing") != "" {
		t.Fatal("absent field reported")
	}
	logs.Reset()
	if logs.Len() != 0 || len(logs.All()) != 0 {
		t.Fatal("Reset kept entries")
	}
}

func TestReplaceGlobal(t *testing.T) {
	logs := logtest.ReplaceGlobal(t, nil)
	logging.FromContext(context.Background()).Debug("via_global")
	if got := logs.Messages(); len(got) != 1 || got[0] != "via_global" {
		t.Fatalf("messages %v", got)
	}
}

// fakeT records Fatalf instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

func TestRequireFailsWhenMissing(t *testing.T) {
	_, logs := logtest.New(zapcore.DebugLevel)
	ft := &fakeT{TB: t}
	logs.Require(ft, "never_logged")
	if !ft.failed {
		t.Fatal("Require did not fail")
	}
}

// TestNilLogsRecordedNothing: a nil or zero *Logs (a variable never set)
// has recorded nothing; it does not panic.
func TestNilLogsRecordedNothing(t *testing.T) {
	for name, logs := range map[string]*logtest.Logs{"nil": nil, "zero": new(logtest.Logs)} {
		if logs.Len() != 0 || logs.All() == nil || len(logs.All()) != 0 || logs.Messages() != nil || logs.WithMessage("x") != nil {
			t.Errorf("%s *Logs: recorded something", name)
		}
		logs.Reset()
	}
}

// order is a value logged with zap.Object and zap.Stringer, changed after.
type order struct{ id string }

func (o *order) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", o.id)
	return nil
}
func (o *order) String() string { return o.id }

type panicking struct{}

func (panicking) MarshalLogObject(zapcore.ObjectEncoder) error { panic("boom") }

// TestFieldsAreWhatWasLogged: an entry's fields are what the line held
// when it was written, as in a service's output: values changed later do
// not show, and a marshaler that panics gives "<key>Error" (its line and
// other fields kept) instead of panicking the test that reads it.
func TestFieldsAreWhatWasLogged(t *testing.T) {
	ctx, logs := logtest.Context(context.Background(), zapcore.DebugLevel)
	o, raw := &order{id: "7"}, []byte("abc")
	log := logging.FromContext(ctx).With(zap.Object("bound", o))
	log.Info("placed", zap.Object("order", o), zap.Stringer("name", o), zap.Binary("raw", raw), zap.ByteString("text", raw))
	log.Info("failed", zap.Object("bad", panicking{}), zap.Inline(panicking{}), zap.Field{}, zap.String("k", "v"))
	o.id, raw[0] = "changed", 'z'

	placed := logs.Require(t, "placed").Fields()
	want := map[string]any{"id": "7"}
	if !reflect.DeepEqual(placed["order"], want) || !reflect.DeepEqual(placed["bound"], want) ||
		placed["name"] != "7" || !bytes.Equal(placed["raw"].([]byte), []byte("abc")) || placed["text"] != "abc" {
		t.Errorf("placed: %v, want the values as logged", placed)
	}
	failed := logs.Require(t, "failed")
	if got := failed.String("badError"); got != "PANIC=boom" {
		t.Errorf("badError %q, want PANIC=boom (fields %v)", got, failed.Fields())
	}
	if failed.String("inlineError") != "PANIC=boom" || !failed.Has("fieldError") || failed.String("k") != "v" || !failed.Has("bound") {
		t.Errorf("failed: %v", failed.Fields())
	}
}

// namedT is a fakeT with a test name of its own.
type namedT struct {
	fakeT
	name string
}

func (n *namedT) Name() string { return n.name }

// TestReplaceGlobalOfTwoTestsAtOnce: while a test that replaced the global
// logger runs, its subtest may replace it again, but another test may not
// (tests in parallel): that one fails, instead of taking the lines of the
// first and, at the end, putting back the first's logger for good.
func TestReplaceGlobalOfTwoTestsAtOnce(t *testing.T) {
	orig := zap.L()
	t.Run("overlap", func(t *testing.T) {
		a := &namedT{fakeT{TB: t}, "TestA"}
		logtest.ReplaceGlobal(a, nil)
		sub := &namedT{fakeT{TB: t}, "TestA/sub"}
		subLogs := logtest.ReplaceGlobal(sub, nil)
		b := &namedT{fakeT{TB: t}, "TestB"}
		logtest.ReplaceGlobal(b, nil)
		if a.failed || sub.failed || !b.failed {
			t.Fatalf("failed: TestA %v, TestA/sub %v, TestB %v; want TestB alone", a.failed, sub.failed, b.failed)
		}
		zap.L().Info("to_sub")
		if subLogs.Len() != 1 {
			t.Errorf("the subtest's logger recorded %v", subLogs.Messages())
		}
	})
	if zap.L() != orig {
		t.Error("the global logger was not put back")
	}
}

// TestReplaceGlobalLeavesALaterReplacement: a global logger installed
// after ReplaceGlobal's (as oteltest.New installs its own for good) stays
// when the test ends.
func TestReplaceGlobalLeavesALaterReplacement(t *testing.T) {
	orig := zap.L()
	t.Cleanup(func() { zap.ReplaceGlobals(orig) })
	later := zap.NewNop()
	t.Run("replaced", func(t *testing.T) {
		logtest.ReplaceGlobal(t, nil)
		zap.ReplaceGlobals(later)
	})
	if zap.L() != later {
		t.Error("the logger installed later was replaced by the one before the test")
	}
}

// packet is a value whose marshalers write a byte slice nested in an
// object and in an array, changed after the line is written.
type packet struct{ body []byte }

func (p *packet) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddBinary("body", p.body)
	return enc.AddObject("inner", zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		enc.AddBinary("body", p.body)
		return nil
	}))
}

func (p *packet) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	return enc.AppendObject(p)
}

// TestNestedBytesAreWhatWasLogged: a byte slice a marshaler writes inside
// an object or an array is copied when the line is written, as one at the
// top of the line is: the entry does not show the bytes changed since.
func TestNestedBytesAreWhatWasLogged(t *testing.T) {
	log, logs := logtest.New(nil)
	p := &packet{body: []byte("abc")}
	log.Info("sent", zap.Object("packet", p), zap.Array("packets", p), zap.Inline(p))
	p.body[0] = 'z'

	e := logs.Require(t, "sent")
	obj, _ := e.Fields()["packet"].(map[string]any)
	arr, _ := e.Fields()["packets"].([]any)
	var elem map[string]any
	if len(arr) == 1 {
		elem, _ = arr[0].(map[string]any)
	}
	inline, _ := e.Fields()["inner"].(map[string]any)
	for name, m := range map[string]map[string]any{"object": obj, "array element": elem} {
		inner, _ := m["inner"].(map[string]any)
		if b, _ := m["body"].([]byte); string(b) != "abc" {
			t.Errorf("%s: body %q, want the bytes as logged (fields %v)", name, b, e.Fields())
		}
		if b, _ := inner["body"].([]byte); string(b) != "abc" {
			t.Errorf("%s: inner body %q, want the bytes as logged (fields %v)", name, b, e.Fields())
		}
	}
	if b, _ := inline["body"].([]byte); string(b) != "abc" {
		t.Errorf("inline: inner body %q, want the bytes as logged (fields %v)", b, e.Fields())
	}
}

// longPanic is a marshaler that panics with a long text.
type longPanic struct{}

func (longPanic) MarshalLogObject(zapcore.ObjectEncoder) error { panic(strings.Repeat("x", 5000)) }

// TestPanicNoteAsInAServicesLine: the note for a marshaler's panic is the
// one a service's line holds, cut to the same length.
func TestPanicNoteAsInAServicesLine(t *testing.T) {
	var out bytes.Buffer
	svc, err := logging.New(logging.WithOutput(zapcore.AddSync(&out)), logging.WithFormat(logging.FormatJSON),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	svc.Zap().Info("failed", zap.Object("bad", longPanic{}))
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, out.Bytes())
	}
	want, _ := line["badError"].(string)
	if want == "" {
		t.Fatalf("the service's line has no note: %s", out.Bytes())
	}
	log, logs := logtest.New(nil)
	log.Info("failed", zap.Object("bad", longPanic{}))
	if got := logs.Require(t, "failed").String("badError"); got != want {
		t.Errorf("note of %d bytes, want the service's %d bytes", len(got), len(want))
	}
}

// TestNilPointerLevelRecordsEverything: a nil *zap.AtomicLevel behind the
// level (a variable never set) is a nil level, as options take a typed
// nil; it made the first line panic.
func TestNilPointerLevelRecordsEverything(t *testing.T) {
	var lv *zap.AtomicLevel
	l, logs := logtest.New(lv)
	l.Debug("recorded")
	if logs.Len() != 1 {
		t.Fatalf("recorded %v, want one debug line", logs.Messages())
	}
}
