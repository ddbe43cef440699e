package logging

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap/zapcore"
)

// output is the log output of a Logger New built: the writer behind a
// lock, as zapcore.Lock puts it, but one that a panicking writer does not
// leave locked (zapcore.Lock unlocks without defer, so one panic would
// block every later line of the process). A write that fails, comes back
// short or panics is an error, which zap reports on its ErrorOutput
// (stderr, spaced: errorReports), and is counted: Logger.OutputErrors,
// otel's health document.
// The line still reaches the OTLP bridge, which the core writes after the
// output whatever the output returned.
type output struct {
	mu     sync.Mutex
	w      zapcore.WriteSyncer
	failed atomic.Uint64 // lines the output did not take whole
}

var _ zapcore.WriteSyncer = (*output)(nil)

// errOutputPanicked is the error of a write or sync whose writer panicked.
var errOutputPanicked = errors.New("log output panicked")

func newOutput(w zapcore.WriteSyncer) *output { return &output{w: w} }

// Write writes one whole line.
func (o *output) Write(p []byte) (n int, err error) {
	o.mu.Lock()
	defer func() {
		o.mu.Unlock()
		if v := recover(); v != nil {
			n, err = 0, outputPanic(v)
		}
		if err == nil && n < len(p) {
			err = io.ErrShortWrite
		}
		if err != nil {
			o.failed.Add(1)
		}
	}()
	return o.w.Write(p)
}

// Sync flushes the writer. Its errors are not counted: no line is lost by
// them (a terminal or a pipe answers fsync with EINVAL; core.Sync drops it).
func (o *output) Sync() (err error) {
	o.mu.Lock()
	defer func() {
		o.mu.Unlock()
		if v := recover(); v != nil {
			err = outputPanic(v)
		}
	}()
	return o.w.Sync()
}

// outputPanic returns the error of a writer that panicked with v.
func outputPanic(v any) error { return fmt.Errorf("%w: %s", errOutputPanicked, panicNote(v)) }

// errorReportInterval spaces zap's reports of its own errors on stderr, as
// otel spaces the SDK's error lines.
const errorReportInterval = 10 * time.Second

// errorReports is zap's ErrorOutput for a Logger New built: stderr, the
// first report at once, then at most one per errorReportInterval, which
// says how many were held back before it. An output that fails fails
// every line (a full disk): one stderr line per log line would double the
// volume wherever stderr is kept, at the worst time. Every failed line is
// counted all the same (Logger.OutputErrors).
type errorReports struct {
	mu   sync.Mutex
	w    io.Writer
	now  func() time.Time
	last time.Time // of the last report written; zero before the first
	held int
}

var _ zapcore.WriteSyncer = (*errorReports)(nil)

func newErrorReports(w io.Writer) *errorReports { return &errorReports{w: w, now: reportClock} }

// reportClock is errorReports' clock (tests replace it).
var reportClock = time.Now

// Write takes one report (zap writes each in one call).
func (e *errorReports) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if !e.last.IsZero() && now.Sub(e.last) < errorReportInterval {
		e.held++
		return len(p), nil
	}
	e.last = now
	if e.held > 0 {
		_, _ = fmt.Fprintf(e.w, "%s %d further log error reports held back in the last %s (log output failures are counted: otel's health document, log_output_errors)\n",
			now.Format(time.RFC3339), e.held, errorReportInterval)
		e.held = 0
	}
	return e.w.Write(p)
}

// Sync does nothing: stderr is not buffered.
func (*errorReports) Sync() error { return nil }
