package spanerr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func newSpan(t *testing.T) (trace.Span, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	_, span := tp.Tracer("t").Start(context.Background(), "op")
	return span, rec
}

func TestRecordOnce(t *testing.T) {
	span, rec := newSpan(t)
	err := errors.New("x")
	n := 0
	record := func(e error) { n++; span.RecordError(e) }
	if !Record(span, err, record) || Record(span, err, record) || Record(span, fmt.Errorf("w: %w", err), record) {
		t.Error("recorded twice")
	}
	if !Record(span, errors.New("y"), record) {
		t.Error("a distinct error was not recorded")
	}
	sc := span.SpanContext()
	span.End()
	Forget(sc)
	if Recorded(sc, err) {
		t.Error("remembered after Forget")
	}
	if n != 2 || len(rec.Ended()[0].Events()) != 2 {
		t.Errorf("%d records", n)
	}
}

// A span only remembers MaxErrors errors; the oldest is forgotten first.
func TestRecordKeepsTheLatest(t *testing.T) {
	span, _ := newSpan(t)
	errs := make([]error, MaxErrors+1)
	for i := range errs {
		errs[i] = fmt.Errorf("e%d", i)
		Record(span, errs[i], func(error) {})
	}
	sc := span.SpanContext()
	if Recorded(sc, errs[0]) || !Recorded(sc, errs[MaxErrors]) || !Recorded(sc, errs[1]) {
		t.Error("wrong errors remembered")
	}
	Forget(sc)
}

// A span sharing another's slot never counts the other's errors as its
// own (only the exact trace and span ID match).
func TestSlotCollisionIsNoFalseMatch(t *testing.T) {
	err := errors.New("x")
	a := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{0, 0, 0, 0, 0, 0, 0, 1}})
	b := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{0, 0, 0, 0, 0, 0, 0x10, 1}})
	if slot(a.SpanID()) != slot(b.SpanID()) {
		t.Fatal("the test's span IDs no longer share a slot")
	}
	remember(a, err)
	if Recorded(b, err) {
		t.Error("b matched a's record")
	}
	remember(b, err)
	if Recorded(a, err) || !Recorded(b, err) {
		t.Error("b's record did not replace a's")
	}
	Forget(a) // not a's slot any more: b keeps its record
	if !Recorded(b, err) {
		t.Error("Forget of a dropped b's record")
	}
	Forget(b)
}

type panicIs struct{}

func (panicIs) Error() string { return "p" }
func (panicIs) Is(error) bool { panic("Is") }

func TestNothingPanics(t *testing.T) {
	span, _ := newSpan(t)
	Record(span, errors.New("x"), func(error) {})
	if Recorded(span.SpanContext(), panicIs{}) {
		t.Error("a panicking Is matched")
	}
	if Record(nil, errors.New("x"), func(error) { t.Error("nil span recorded") }) ||
		Record(span, nil, func(error) { t.Error("nil error recorded") }) ||
		Record(trace.SpanFromContext(context.Background()), errors.New("x"), func(error) { t.Error("non-recording span recorded") }) {
		t.Error("recorded")
	}
	Forget(trace.SpanContext{})
	if Recorded(trace.SpanContext{}, errors.New("x")) {
		t.Error("invalid span context matched")
	}
	Forget(span.SpanContext())
}

type nilDeref struct{ msg string }

func (e *nilDeref) Error() string { return e.msg }

func TestSafe(t *testing.T) {
	in := errors.New("x")
	if msg, err := Safe(in); err != in || msg != "x" {
		t.Errorf("Safe(x) = %v, %q", err, msg)
	}
	if msg, err := Safe((*nilDeref)(nil)); msg != "<nil>" || err == nil || err.Error() != msg {
		t.Errorf("Safe(typed nil) = %v, %q, want <nil>", err, msg)
	}
	if msg, err := Safe(panicIs{}); err == nil || msg != "p" {
		t.Errorf("Safe(panicIs) = %v, %q", err, msg)
	}
	if msg, _ := Safe(panicError{}); msg != "<PANIC=Error>" {
		t.Errorf("Safe(panicError) text %q, want <PANIC=Error>", msg)
	}
}

type panicError struct{}

func (panicError) Error() string { panic("Error") }

// selfPanicking's String panics with itself: fmt, formatting it, panics
// again.
type selfPanicking struct{}

func (s selfPanicking) String() string { panic(s) }

// errPanicsWithSelfPanicking is an error whose Error panics with a value
// fmt cannot format.
type errPanicsWithSelfPanicking struct{}

func (errPanicsWithSelfPanicking) Error() string { panic(selfPanicking{}) }

// TestSafeWhenThePanicValueCannotBeFormatted: Safe names the panic value's
// type when formatting it panics too (it panicked in its own recover).
func TestSafeWhenThePanicValueCannotBeFormatted(t *testing.T) {
	msg, err := Safe(errPanicsWithSelfPanicking{})
	if want := "<PANIC=(spanerr.selfPanicking)>"; msg != want || err == nil || err.Error() != want {
		t.Errorf("Safe = %q, %v; want %q", msg, err, want)
	}
}
