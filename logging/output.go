package logging

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
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
		if err = whole(recover(), n, len(p), err); err != nil {
			n = 0
			o.failed.Add(1)
		}
	}()
	return o.w.Write(p)
}

// Sync flushes the writer. Its errors are not counted: no line is lost by
// them (a terminal or a pipe answers fsync with EINVAL; core.Sync drops it).
func (o *output) Sync() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return syncSafely(o.w)
}

// whole returns the error of a write of want bytes that wrote n and
// returned err, or panicked with v (what recover returned): a write that
// fails, comes back short or panics is an error.
func whole(v any, n, want int, err error) error {
	if v != nil {
		return outputPanic(v)
	}
	if err == nil && n < want {
		return io.ErrShortWrite
	}
	return err
}

// writeWhole writes p to w, with whole's verdict.
func writeWhole(w zapcore.WriteSyncer, p []byte) (err error) {
	n := 0
	defer func() { err = whole(recover(), n, len(p), err) }()
	n, err = w.Write(p)
	return err
}

// syncSafely syncs w; a panic is an error.
func syncSafely(w zapcore.WriteSyncer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = outputPanic(v)
		}
	}()
	return w.Sync()
}

// noSyncLoss returns err, or nil for the errors a terminal or a pipe
// returns for fsync (EINVAL, ENOTTY, ENOTSUP): they are not errors of the
// logger.
func noSyncLoss(err error) error {
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTTY) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}

// tee is the output with its copies (WithOutputCopy), the output first,
// behind output's lock; New uses it only when copies are given, so a
// Logger without them pays nothing. Each writer gets every line whatever
// another did with it: one that fails, comes back short or panics loses
// that line alone, and the line is one error (output counts it once),
// naming the copies by their place. zapcore's MultiWriteSyncer stops at a
// panic, and takes a line the output wrote none of, without an error, for
// whole when a copy wrote it.
type tee []zapcore.WriteSyncer

var _ zapcore.WriteSyncer = tee(nil)

// Write writes p to each writer.
func (t tee) Write(p []byte) (int, error) {
	var errs []error
	for i, w := range t {
		if err := writeWhole(w, p); err != nil {
			errs = append(errs, t.named(i, err))
		}
	}
	if errs != nil {
		return 0, errors.Join(errs...)
	}
	return len(p), nil
}

// Sync syncs each writer, dropping per writer what noSyncLoss drops, so
// that a terminal's EINVAL does not hide a copy's real error.
func (t tee) Sync() error {
	var errs []error
	for i, w := range t {
		if err := noSyncLoss(syncSafely(w)); err != nil {
			errs = append(errs, t.named(i, err))
		}
	}
	return errors.Join(errs...)
}

// named returns the error of writer i, which names it when it is a copy.
func (t tee) named(i int, err error) error {
	if i == 0 {
		return err
	}
	return fmt.Errorf("log output copy %d: %w", i, err)
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
