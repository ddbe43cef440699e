// Package logtest records log lines in memory so tests can assert on them.
//
// It is built on zap's observer core. A logger from New records every entry
// with its fields; bind it into a context with Context (or
// logging.NewContext) and code that logs through logging.FromContext writes
// to it, with trace_id, span_id and trace_flags as fields when the context
// holds a span:
//
//	func TestCheckout(t *testing.T) {
//		ctx, logs := logtest.Context(context.Background(), zapcore.DebugLevel)
//		checkout(ctx)
//		e := logs.Require(t, "order_loaded")
//		if e.String("order_id") != "42" { t.Fatal(e.Fields()) }
//	}
//
// Fields are recorded as the code gave them: a value under a credential key
// (password, authorization, api_key: see logging.DefaultRedactedKeys) is
// not REDACTED, since redaction is done by the logger logging.New builds
// and this one is not it. A test can so assert on the value the code
// logged, and what it prints of an entry (t.Fatal(e.Fields())) shows that
// value. To assert on what a service's line holds, redaction included,
// use oteltest.Telemetry.LogLines.
package logtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/logging"
)

// Logs is what a logger from New has recorded. It is safe for concurrent
// use. A nil or zero Logs has recorded nothing.
type Logs struct {
	obs *observer.ObservedLogs
}

// Entry is one recorded line: its level, message, logger name and fields.
type Entry struct {
	observer.LoggedEntry
}

// New returns a logger recording every entry at level or above, and the
// record. The logger carries the caller, like the service logger. A nil
// level, or a nil pointer behind it (a *zap.AtomicLevel never set), records
// every level.
func New(level zapcore.LevelEnabler) (*zap.Logger, *Logs) {
	// A nil pointer would panic at the first line, not here.
	if level = option.Value(level); level == nil {
		level = zapcore.DebugLevel
	}
	c, obs := observer.New(level)
	return zap.New(freezeCore{c}, zap.AddCaller()), &Logs{obs: obs}
}

// Context returns ctx with a recording logger bound (see logging.NewContext),
// and the record.
func Context(ctx context.Context, level zapcore.LevelEnabler) (context.Context, *Logs) {
	l, logs := New(level)
	return logging.NewContext(ctx, l), logs
}

// ReplaceGlobal makes a recording logger zap's global logger (and so the
// fallback of logging.FromContext) until the test ends; then it puts back
// the one it replaced, unless another has replaced it since.
//
// One global logger cannot record two tests that run at once apart: while
// a test that called ReplaceGlobal runs, a ReplaceGlobal of another test
// (one running in parallel; its own subtests may) fails that test. Bind a
// logger with Context in tests that run in parallel.
func ReplaceGlobal(t testing.TB, level zapcore.LevelEnabler) *Logs {
	t.Helper()
	replaced.mu.Lock()
	defer replaced.mu.Unlock()
	if n := len(replaced.by); n > 0 && !within(t.Name(), replaced.by[n-1].test) {
		t.Fatalf("logtest: ReplaceGlobal: test %s replaced zap's global logger and is still running; "+
			"a global logger cannot record two tests at once: bind a logger with logtest.Context instead", replaced.by[n-1].test)
		return nil
	}
	l, logs := New(level)
	r := &replacement{test: t.Name(), l: l, restore: zap.ReplaceGlobals(l)}
	replaced.by = append(replaced.by, r)
	t.Cleanup(r.end)
	return logs
}

// replaced is the ReplaceGlobal calls of the tests still running,
// outermost first.
var replaced struct {
	mu sync.Mutex
	by []*replacement
}

type replacement struct {
	test    string
	l       *zap.Logger
	restore func()
}

// end puts back the logger r replaced, unless another replaced r's.
func (r *replacement) end() {
	replaced.mu.Lock()
	defer replaced.mu.Unlock()
	if i := slices.Index(replaced.by, r); i >= 0 {
		replaced.by = slices.Delete(replaced.by, i, i+1)
	}
	if zap.L() == r.l {
		r.restore()
	}
}

// within reports whether test is outer or one of its subtests.
func within(test, outer string) bool {
	return test == outer || strings.HasPrefix(test, outer+"/")
}

// All returns every entry recorded so far, in order.
func (l *Logs) All() []Entry {
	raw := l.raw()
	out := make([]Entry, len(raw))
	for i, e := range raw {
		out[i] = Entry{e}
	}
	return out
}

// Len returns how many entries were recorded.
func (l *Logs) Len() int {
	if l == nil || l.obs == nil {
		return 0
	}
	return l.obs.Len()
}

// raw is every entry recorded so far; none for a nil or zero Logs.
func (l *Logs) raw() []observer.LoggedEntry {
	if l == nil || l.obs == nil {
		return nil
	}
	return l.obs.All()
}

// Messages returns the message of every entry, in order.
func (l *Logs) Messages() []string {
	var out []string
	for _, e := range l.raw() {
		out = append(out, e.Message)
	}
	return out
}

// WithMessage returns the entries whose message is msg.
func (l *Logs) WithMessage(msg string) []Entry {
	var out []Entry
	for _, e := range l.All() {
		if e.Message == msg {
			out = append(out, e)
		}
	}
	return out
}

// Require returns the first entry whose message is msg, or fails the test
// listing what was recorded.
func (l *Logs) Require(t testing.TB, msg string) Entry {
	t.Helper()
	if es := l.WithMessage(msg); len(es) > 0 {
		return es[0]
	}
	t.Fatalf("no log line %q; recorded: %s", msg, strings.Join(l.Messages(), ", "))
	return Entry{}
}

// Reset forgets every entry recorded so far.
func (l *Logs) Reset() {
	if l != nil && l.obs != nil {
		l.obs.TakeAll()
	}
}

// Fields returns the entry's fields (bound and given) as a map, decoded the
// way zap's in-memory encoder does: strings, numbers, bools, nested maps.
// They are what the line held when it was written: marshalers, Stringers
// and byte slices are run or copied then (a value given to zap.Any or
// zap.Reflect is kept as it is, and so is an error given to zap.Error:
// its message is read when the test reads it; logging.Err's is read when
// the line is written), and a marshaler that panicked is a
// "<key>Error": "PANIC=<value>" note, as in a service's lines.
func (e Entry) Fields() map[string]any { return e.ContextMap() }

// String returns the field key as text ("" when absent).
func (e Entry) String(key string) string {
	v, ok := e.ContextMap()[key]
	if !ok {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Has reports whether the entry has the field key.
func (e Entry) Has(key string) bool {
	_, ok := e.ContextMap()[key]
	return ok
}
