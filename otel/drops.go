package otel

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/internal/scrub"
)

// Why telemetry was lost, as HealthHandler and the telemetry_dropped line
// name it.
const (
	// DropQueueFull: the batch queue (OTEL_BSP_MAX_QUEUE_SIZE /
	// OTEL_BLRP_MAX_QUEUE_SIZE) was full; spans and log records only.
	DropQueueFull = batch.QueueFull
	// DropExportFailed: the export failed after the exporter's own
	// retries (or Shutdown's deadline cut it off).
	DropExportFailed = "export_failed"
	// DropRejected: the collector accepted the export but rejected these
	// items (an OTLP partial success).
	DropRejected = "rejected"
	// DropShutdown: still queued when Shutdown's context ended.
	DropShutdown = batch.Shutdown
	// DropAfterShutdown: a sampled span still open at Shutdown (a request
	// or a goroutine that outlived the drain), which ends when nothing
	// exports, or begun after it; a log record emitted after Shutdown (its
	// line still reaches the log output), but not the telemetry_dropped
	// line's own, which would be reported in another line, and so on, nor
	// Run's shutdown_finished, which comes after the shutdown by design.
	// Metric measurements recorded after Shutdown are not counted (see
	// "When telemetry is missing" in the package documentation).
	DropAfterShutdown = batch.AfterShutdown
	// DropTooLarge: a span, metric data point or log record too large for
	// an OTLP export on its own (over 3 MiB over gRPC, 16 MiB over HTTP,
	// estimated), not sent so that the collector does not refuse its
	// batch with it.
	DropTooLarge = exportsize.TooLarge
)

var dropReasons = [...]string{DropQueueFull, DropExportFailed, DropRejected, DropShutdown, DropAfterShutdown, DropTooLarge}

var signalNames = [...]string{"traces", "metrics", "logs"}

const (
	sigTraces = iota
	sigMetrics
	sigLogs
)

func reasonIndex(reason string) int {
	for i, r := range dropReasons {
		if r == reason {
			return i
		}
	}
	return -1
}

// dropLog writes the telemetry_dropped warning: at most one line per
// interval, with what was dropped since the previous line, by signal and
// reason. The first drop after a quiet interval is written at once; later
// ones wait for the interval to pass, then go out together, so a loss is
// never left unreported and never floods the log. add is cheap (atomics)
// and safe on the request path.
type dropLog struct {
	interval  time.Duration
	now       func() time.Time
	afterFunc func(time.Duration, func()) stopper // time.AfterFunc; tests replace both

	pending [len(signalNames)][len(dropReasons)]atomic.Int64
	total   atomic.Int64
	armed   atomic.Bool // a line is arranged (or waits for the logger)
	writing atomic.Bool // a line is being written after close
	// timerMu is held by a write a timer runs, for the whole write, so
	// that close waits for it: the timer may have taken the counts (so
	// close's own write finds none) and not yet written the line, which
	// Shutdown must not return before.
	timerMu sync.Mutex

	mu     sync.Mutex
	log    *zap.Logger // nil until start
	last   time.Time
	timer  stopper
	closed bool
}

type stopper interface{ Stop() bool }

func newDropLog(interval time.Duration) *dropLog {
	return &dropLog{interval: interval, now: time.Now,
		afterFunc: func(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) }}
}

// add notes n items of signal sig dropped for reason.
func (d *dropLog) add(sig int, reason string, n int64) {
	ri := reasonIndex(reason)
	if d == nil || n <= 0 || ri < 0 {
		return
	}
	d.total.Add(n) // before pending: a line never reports more than the total
	d.pending[sig][ri].Add(n)
	d.arm()
}

// arm arranges the next line unless one is arranged: at once when the
// interval since the last line has passed, else when it will have; after
// close, right here.
func (d *dropLog) arm() {
	if d.armed.Load() || !d.armed.CompareAndSwap(false, true) {
		return
	}
	d.mu.Lock()
	switch {
	case d.log == nil: // start arranges it
		d.mu.Unlock()
	case d.closed:
		d.mu.Unlock()
		// Not from inside a write: a drop noted during one (the logger's,
		// or another goroutine's) leaves armed set, and the writer writes
		// it once its line is out. Bounded, should writing a line after
		// Shutdown ever count a drop itself (it does not: the line's OTLP
		// record is not counted, see notCounted), which would loop for
		// ever.
		for i := 0; d.armed.Load() && d.writing.CompareAndSwap(false, true); i++ {
			d.write()
			d.writing.Store(false)
			if i+1 == maxLinesAfterClose {
				// What is still pending stays counted; the next drop
				// writes it.
				d.armed.Store(false)
				break
			}
		}
	default:
		wait := time.Duration(0)
		if !d.last.IsZero() {
			wait = max(0, d.interval-d.now().Sub(d.last))
		}
		d.timer = d.afterFunc(wait, d.timedWrite)
		d.mu.Unlock()
	}
}

// maxLinesAfterClose bounds the lines one drop after close writes.
const maxLinesAfterClose = 4

// start gives the log its logger; drops noted before are written now.
func (d *dropLog) start(l *zap.Logger) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = l
	if d.armed.Load() {
		d.timer = d.afterFunc(0, d.timedWrite)
	}
}

// write writes what is pending, if anything, as one line. The line is
// written without holding the lock: it goes through the logger, whose OTLP
// bridge may drop it and come back here.
func (d *dropLog) write() {
	d.mu.Lock()
	d.armed.Store(false) // drops from now on arrange the next line
	counts := map[string]map[string]int64{}
	var n int64
	for si := range d.pending {
		for ri := range d.pending[si] {
			if v := d.pending[si][ri].Swap(0); v > 0 {
				if counts[signalNames[si]] == nil {
					counts[signalNames[si]] = map[string]int64{}
				}
				counts[signalNames[si]][dropReasons[ri]] = v
				n += v
			}
		}
	}
	if n > 0 {
		d.last = d.now()
	}
	log := d.log
	d.mu.Unlock()
	if n == 0 || log == nil {
		return
	}
	log.Warn("telemetry_dropped",
		zap.Any("dropped", counts),
		zap.Int64("dropped_since_last", n),
		zap.Int64("dropped_total", d.total.Load()),
		zap.Duration("rate_limit", d.interval),
		zap.String("hint", "telemetry was lost; see HealthHandler export.*.dropped"),
		notCounted,
	)
}

// notCounted gives the telemetry_dropped line's OTLP record a context that
// keeps it out of the count after Shutdown (logprovider.Uncounted): the
// line that reports a loss then would report its own, in a line whose
// loss would be reported again. Run's shutdown_finished has it too: it
// comes after the shutdown by design. A context field is the record's context
// to the bridge, and no field of the line (zap encoders skip it).
var notCounted = zapcore.Field{Key: "context", Type: zapcore.SkipType, Interface: logprovider.Uncounted(context.Background())}

// timedWrite is write as a timer runs it (see timerMu).
func (d *dropLog) timedWrite() {
	d.timerMu.Lock()
	defer d.timerMu.Unlock()
	d.write()
}

// close writes what is pending and stops the timer; drops noted later (an
// export cut off by Shutdown returning) are written at once.
func (d *dropLog) close() {
	if d == nil {
		return
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	if d.timer != nil {
		d.timer.Stop()
	}
	d.mu.Unlock()
	d.timerMu.Lock() // a timer's write in progress ends first
	defer d.timerMu.Unlock()
	d.write()
}

// rejectedItems reports whether err carries an OTLP partial success and
// how many items the collector rejected in it. The SDK exporters return
// one (joined with any other error) when the collector answers success
// with a partial_success; its type is internal to each exporter module, so
// it is recognised by shape: a struct named PartialSuccess with an integer
// RejectedItems field. The error may have been scrubbed (its message
// quoting a header value): scrub.Walk sees through that.
func rejectedItems(err error) (int64, bool) {
	var (
		n     int64
		found bool
	)
	scrub.Walk(err, func(e error) {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Struct && v.Type().Name() == "PartialSuccess" {
			if f := v.FieldByName("RejectedItems"); f.IsValid() && f.CanInt() {
				n, found = n+f.Int(), true
			}
		}
	})
	return n, found
}
