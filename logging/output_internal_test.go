package logging

import (
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/internal/testutil/logrec"
)

// scriptedWriter does, for each write, what its script says (then writes
// whole): "panic", "fail", "short", "none" (0 bytes, no error) or "ok".
// Sync returns syncErr.
type scriptedWriter struct {
	script  []string
	lines   logbuf.Buffer
	syncErr error
}

func (w *scriptedWriter) Write(p []byte) (int, error) {
	step := "ok"
	if len(w.script) > 0 {
		step, w.script = w.script[0], w.script[1:]
	}
	switch step {
	case "panic":
		panic("output gone")
	case "fail":
		return 0, errors.New("no space left on device")
	case "short":
		return len(p) / 2, nil
	case "none":
		return 0, nil
	}
	return w.lines.Write(p)
}

func (w *scriptedWriter) Sync() error { return w.syncErr }

// withOutput builds a logger on w with a bridge, its zap error output
// captured, in both formats; extra options come last.
func withOutput(t *testing.T, format string, w *scriptedWriter, extra ...Option) (*Logger, *logrec.Processor, *logbuf.Buffer) {
	t.Helper()
	errOut := &logbuf.Buffer{}
	old := stderr
	stderr = errOut
	t.Cleanup(func() { stderr = old })
	rec := &logrec.Processor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(rec))
	t.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	l, err := New(append([]Option{WithFormat(format), WithOutput(w), WithEnvLookup(func(string) (string, bool) { return "", false }),
		WithLoggerProvider(lp)}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return l, rec, errOut
}

// TestOutputPanicIsAnError: a writer that panics neither crashes the
// caller nor blocks later lines (zapcore.Lock would stay locked); the line
// still reaches the bridge, and the failure is reported and counted.
func TestOutputPanicIsAnError(t *testing.T) {
	for _, format := range []string{FormatJSON, FormatConsole} {
		t.Run(format, func(t *testing.T) {
			w := &scriptedWriter{script: []string{"panic"}}
			l, rec, errOut := withOutput(t, format, w)
			l.Zap().Info("lost_line")
			l.Zap().Info("next_line") // deadlocked before: the lock was never released
			if got := len(rec.Records()); got != 2 {
				t.Errorf("records bridged: %d, want 2", got)
			}
			if !strings.Contains(w.lines.String(), "next_line") || strings.Contains(w.lines.String(), "lost_line") {
				t.Errorf("output:\n%s", w.lines.String())
			}
			if !strings.Contains(errOut.String(), "log output panicked: PANIC=output gone") {
				t.Errorf("zap's error output: %q", errOut.String())
			}
			if n := l.OutputErrors(); n != 1 {
				t.Errorf("OutputErrors = %d, want 1", n)
			}
		})
	}
}

// TestOutputFailuresCounted: a write that fails or comes back short
// (without an error, which zap would take for success) is counted and
// reported; the record is bridged all the same; a sync error a terminal
// or a pipe returns is no loss.
func TestOutputFailuresCounted(t *testing.T) {
	w := &scriptedWriter{script: []string{"fail", "short", "ok"}, syncErr: &ioErr{syscall.EINVAL}}
	l, rec, errOut := withOutput(t, FormatJSON, w)
	for range 3 {
		l.Zap().Info("line", zap.Int("n", 1))
	}
	if err := l.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if n := l.OutputErrors(); n != 2 {
		t.Errorf("OutputErrors = %d, want 2 (failed, short)", n)
	}
	if got := len(rec.Records()); got != 3 {
		t.Errorf("records bridged: %d, want 3", got)
	}
	// The first report at once; the second, in the same interval, held
	// back (TestOutputErrorReportsSpaced).
	if !strings.Contains(errOut.String(), "no space left on device") || strings.Contains(errOut.String(), io.ErrShortWrite.Error()) {
		t.Errorf("zap's error output: %q, want the first failure's report only", errOut.String())
	}
}

// TestOutputErrorReportsSpaced: zap's reports of failed writes reach
// stderr at once for the first, then at most one per interval, which says
// how many were held back; every failed line is counted all the same. A
// full disk fails every line: one stderr line per log line doubled the
// volume wherever stderr is kept.
func TestOutputErrorReportsSpaced(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	old := reportClock
	reportClock = func() time.Time { return now }
	t.Cleanup(func() { reportClock = old })
	script := make([]string, 7)
	for i := range script {
		script[i] = "fail"
	}
	w := &scriptedWriter{script: script}
	l, _, errOut := withOutput(t, FormatJSON, w)
	for range 5 {
		l.Zap().Info("line")
	}
	if n := strings.Count(errOut.String(), "write error"); n != 1 {
		t.Errorf("%d reports in one interval, want 1:\n%s", n, errOut.String())
	}
	now = now.Add(errorReportInterval)
	l.Zap().Info("line")
	l.Zap().Info("line")
	out := errOut.String()
	if n := strings.Count(out, "write error"); n != 2 || !strings.Contains(out, "4 further log error reports held back") {
		t.Errorf("after the interval: %d reports, want 2, the second after a line counting the 4 held back:\n%s", n, out)
	}
	if l.OutputErrors() != 7 {
		t.Errorf("OutputErrors = %d, want 7", l.OutputErrors())
	}
}

// ioErr is what os.File.Sync returns on a pipe.
type ioErr struct{ err error }

func (e *ioErr) Error() string { return "sync /dev/stdout: " + e.err.Error() }
func (e *ioErr) Unwrap() error { return e.err }

// TestNilLoggerOutputErrors: a nil or zero Logger counts nothing.
func TestNilLoggerOutputErrors(t *testing.T) {
	var l *Logger
	if l.OutputErrors() != 0 || (&Logger{}).OutputErrors() != 0 {
		t.Error("want 0")
	}
}

// TestOutputFailureOfSlogLineReported: a slog line checks the core
// directly, not through zap.Logger.Check, which is what gives a line
// zap's error output; its failed write was counted but never reported.
func TestOutputFailureOfSlogLineReported(t *testing.T) {
	w := &scriptedWriter{script: []string{"fail"}}
	l, _, errOut := withOutput(t, FormatJSON, w)
	l.Slog().Info("slog_line")
	if n := l.OutputErrors(); n != 1 {
		t.Errorf("OutputErrors = %d, want 1", n)
	}
	if !strings.Contains(errOut.String(), "write error") || !strings.Contains(errOut.String(), "no space left on device") {
		t.Errorf("zap's error output: %q, want the slog line's write error", errOut.String())
	}
}

// TestOutputCopiesIsolated: the output and each WithOutputCopy writer get
// every line whatever another did with it. A writer that panics, fails or
// takes none of a line loses that line alone, and the line is counted
// once and reported, naming a copy as such. zapcore's MultiWriteSyncer,
// used before, stopped at a panic (the later writers lost the line too)
// and took a line the output wrote 0 bytes of, without an error, for
// whole when a copy wrote it (lost, not counted).
func TestOutputCopiesIsolated(t *testing.T) {
	for _, tc := range []struct {
		name    string
		scripts [3][]string // the output's, the first copy's, the second's
		report  string      // in zap's error output
	}{
		{"output panics", [3][]string{{"panic"}, nil, nil}, "log output panicked"},
		{"output takes none", [3][]string{{"none"}, nil, nil}, io.ErrShortWrite.Error()},
		{"copy panics", [3][]string{nil, {"panic"}, nil}, "log output copy 1: log output panicked"},
		{"copy fails", [3][]string{nil, nil, {"fail"}}, "log output copy 2: no space left on device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ws [3]*scriptedWriter
			for i := range ws {
				ws[i] = &scriptedWriter{script: tc.scripts[i]}
			}
			l, rec, errOut := withOutput(t, FormatJSON, ws[0], WithOutputCopy(ws[1]), WithOutputCopy(ws[2]))
			l.Zap().Info("first_line")
			l.Zap().Info("next_line")
			for i, w := range ws {
				got := w.lines.String()
				if strings.Contains(got, "first_line") == (len(tc.scripts[i]) > 0) || !strings.Contains(got, "next_line") {
					t.Errorf("writer %d (script %q) got:\n%s", i, tc.scripts[i], got)
				}
			}
			if n := l.OutputErrors(); n != 1 {
				t.Errorf("OutputErrors = %d, want 1", n)
			}
			if !strings.Contains(errOut.String(), tc.report) {
				t.Errorf("zap's error output %q, want %q", errOut.String(), tc.report)
			}
			if got := len(rec.Records()); got != 2 {
				t.Errorf("records bridged: %d, want 2", got)
			}
		})
	}
}

// TestOutputCopySyncError: a copy's Sync error is returned although the
// output's is one a terminal gives (EINVAL), which the logger drops; the
// two came back as one error and were dropped together.
func TestOutputCopySyncError(t *testing.T) {
	out := &scriptedWriter{syncErr: &ioErr{syscall.EINVAL}}
	cp := &scriptedWriter{syncErr: &ioErr{syscall.EIO}}
	l, _, _ := withOutput(t, FormatJSON, out, WithOutputCopy(cp))
	if err := l.Sync(); !errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EINVAL) {
		t.Errorf("Sync = %v, want the copy's EIO alone", err)
	}
	out.syncErr = nil
	cp.syncErr = &ioErr{syscall.EINVAL}
	if err := l.Sync(); err != nil {
		t.Errorf("Sync = %v, want nil: a copy's EINVAL is no loss either", err)
	}
}
