package logging

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"go.uber.org/zap/zapcore"
)

// output is the log output of a Logger New built: the writer behind a
// lock, as zapcore.Lock puts it, but one that a panicking writer does not
// leave locked (zapcore.Lock unlocks without defer, so one panic would
// block every later line of the process). A write that fails, comes back
// short or panics is an error, which zap reports on its ErrorOutput
// (stderr), and is counted: Logger.OutputErrors, otel's health document.
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
