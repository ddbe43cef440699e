// Package spanerr remembers which errors have been recorded on which span,
// so that one failure gives one exception event, however many of
// logging's error lines (logging.Err at error level) and tracing's helpers
// (tracing.End, tracing.RecordError) report it.
//
// It sits below logging and tracing, which must not import each other.
// Both call Record instead of trace.Span.RecordError; tracing.End calls
// Forget once the span has ended.
//
// # What counts as the same failure
//
// An error is already recorded on a span when one recorded there earlier
// is in its chain (errors.Is): logging.Err(err) followed by
// `return fmt.Errorf("load: %w", err)` and tracing.End(span, &err) records
// one event, the first, with the inner message (the span's status still
// says "load: ..."). A sentinel logged at error level earlier in the span
// makes a later failure that wraps it count as the same; that costs at
// most an event, never a status.
//
// # Memory
//
// The table is direct-mapped on the span ID and fixed in size: a span
// whose slot another span took since forgets what it recorded, so the
// worst case is the old behaviour (a second event), never a lost one.
// Entries of spans ended without tracing.End stay until another span
// takes their slot; at most Slots entries of at most MaxErrors errors
// each are ever held.
package spanerr

import (
	"errors"
	"reflect"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/panictext"
)

// Slots is the size of the table (a power of two).
const Slots = 4096

// MaxErrors bounds the distinct errors remembered per span; past it the
// oldest is forgotten.
const MaxErrors = 4

// entry is what one span recorded; replaced, never changed, once stored.
type entry struct {
	tid  trace.TraceID
	sid  trace.SpanID
	errs []error
}

var table [Slots]atomic.Pointer[entry]

func slot(sid trace.SpanID) *atomic.Pointer[entry] {
	var h uint64
	for _, b := range sid {
		h = h<<8 | uint64(b)
	}
	h ^= h >> 29
	return &table[h&(Slots-1)]
}

// Recorded reports whether err, or an error in its chain, was recorded
// on the span of sc. An error whose Is or Unwrap panics counts as not
// recorded.
func Recorded(sc trace.SpanContext, err error) (found bool) {
	if err == nil || !sc.IsValid() {
		return false
	}
	e := slot(sc.SpanID()).Load()
	if e == nil || e.tid != sc.TraceID() || e.sid != sc.SpanID() {
		return false
	}
	defer func() {
		if recover() != nil {
			found = false
		}
	}()
	for _, r := range e.errs {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// Record records err on span as an exception event, through record (the
// caller's span.RecordError, with its options and guards), unless it was
// recorded there already, and remembers it. It reports whether it
// recorded. A span that does not record, or a nil err, records nothing.
func Record(span trace.Span, err error, record func(error)) bool {
	if err == nil || span == nil || !span.IsRecording() {
		return false
	}
	sc := span.SpanContext()
	if Recorded(sc, err) {
		return false
	}
	record(err)
	remember(sc, err)
	return true
}

// remember adds err to what the span of sc recorded.
func remember(sc trace.SpanContext, err error) {
	if !sc.IsValid() {
		return
	}
	s := slot(sc.SpanID())
	for {
		old := s.Load()
		n := &entry{tid: sc.TraceID(), sid: sc.SpanID()}
		if old != nil && old.tid == n.tid && old.sid == n.sid {
			keep := old.errs
			if len(keep) >= MaxErrors {
				keep = keep[len(keep)-MaxErrors+1:]
			}
			n.errs = append(append(make([]error, 0, len(keep)+1), keep...), err)
		} else {
			n.errs = []error{err}
		}
		if s.CompareAndSwap(old, n) {
			return
		}
	}
}

// Forget drops what the span of sc recorded (call it when the span ends).
func Forget(sc trace.SpanContext) {
	if !sc.IsValid() {
		return
	}
	s := slot(sc.SpanID())
	if e := s.Load(); e != nil && e.tid == sc.TraceID() && e.sid == sc.SpanID() {
		s.CompareAndSwap(e, nil)
	}
}

// Safe returns the text of err and err, except for a typed nil pointer
// (Go's typed-nil error), whose text is "<nil>", and an error whose Error
// method panics, whose text is "<PANIC=...>"; then it returns an error
// with that text. It is the one rule by which a span's status and
// exception event (tracing) and a log line's error fields (logging) are
// given an error without panicking.
func Safe(err error) (msg string, safe error) {
	if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
		return "<nil>", errors.New("<nil>")
	}
	defer func() {
		if r := recover(); r != nil {
			msg = "<PANIC=" + panictext.Of(r, maxPanicText) + ">"
			safe = errors.New(msg)
		}
	}()
	return err.Error(), err
}

// maxPanicText bounds the panic value Safe quotes, as a log line's note
// bounds it.
const maxPanicText = 1024
