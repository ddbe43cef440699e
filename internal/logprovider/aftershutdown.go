package logprovider

import (
	"context"
	"math"
	"sync"
	"sync/atomic"

	otellog "go.opentelemetry.io/otel/log"

	"github.com/otelkit/otelkit/internal/batch"
)

// Records at and after Shutdown. From the moment the SDK provider's
// Shutdown begins, its loggers' Enabled reports false and their Emit
// returns before any processor sees the record (sdk/log's
// beginProcessorOperation), and its Logger gives no-op loggers: a line the
// bridge writes then (Run's shutdown_finished, a request or a worker that
// outlived the drain) reaches the log output, not the exporter, and
// nothing would count it. With an exporter, the loggers of Provider.Logger
// count each such record once, through one gate (emitGate):
//
//   - Emit enters the gate before the SDK's Emit and leaves it after;
//   - Shutdown closes the gate, waits (bounded by its context) for the
//     records inside to reach the processors, and only then shuts the SDK
//     provider down: a record the gate let in is never refused by the SDK,
//     so the batch processor sees it, and counts it if it drops it;
//   - a record the closed gate refuses is lost (after_shutdown), counted
//     here, unless its context is Uncounted.
//
// Their Enabled reports true: the exporter's batch processor takes every
// record, so true is the SDK's answer until Shutdown, and after it lets
// Emit count the record.

var (
	_ otellog.LoggerProvider = (*Provider)(nil)
	_ otellog.Logger         = (*countingLogger)(nil)
)

// closedMark is added to emitGate.n when the gate closes: negative from
// then on, however many records come after.
const closedMark = math.MinInt64 / 2

// emitGate counts the records inside the SDK's Emit, until it is closed.
type emitGate struct {
	n       atomic.Int64  // records inside; plus closedMark once closed
	drained chan struct{} // closed once the gate is closed and empty
	once    sync.Once
	onDrop  func(reason string, n int) // the batch processor's Drop
}

func newEmitGate(onDrop func(string, int)) *emitGate {
	return &emitGate{drained: make(chan struct{}), onDrop: onDrop}
}

// enter lets a record in, unless the gate is closed.
func (g *emitGate) enter() bool {
	if g.n.Add(1) >= 0 {
		return true
	}
	g.leave() // refused: not inside
	return false
}

// leave lets a record out; the last one out of a closed gate says so.
func (g *emitGate) leave() {
	if g.n.Add(-1) == closedMark {
		g.once.Do(func() { close(g.drained) })
	}
}

// close closes the gate (once; the caller sees to that) and reports
// whether every record let in before has left, waiting until ctx ends.
func (g *emitGate) close(ctx context.Context) bool {
	if g.n.Add(closedMark) == closedMark {
		g.once.Do(func() { close(g.drained) })
	}
	select {
	case <-g.drained:
		return true
	default:
	}
	select {
	case <-g.drained:
		return true
	case <-ctx.Done():
		return false
	}
}

// lost counts one record refused by the closed gate.
func (g *emitGate) lost(ctx context.Context) {
	if ctx == nil || ctx.Value(uncountedKey{}) == nil {
		g.onDrop(batch.AfterShutdown, 1)
	}
}

type uncountedKey struct{}

// Uncounted returns ctx marked so that a record emitted with it after
// Shutdown is not counted as lost. It is for the line that reports such
// losses (otel's telemetry_dropped): counted, its own loss would be
// reported in another line, whose loss in another, and so on.
func Uncounted(ctx context.Context) context.Context {
	return context.WithValue(ctx, uncountedKey{}, true)
}

// countingLogger is an SDK logger whose records go through the gate.
type countingLogger struct {
	otellog.Logger // the SDK's
	gate           *emitGate
}

// Enabled reports true: see the top of this file.
func (*countingLogger) Enabled(context.Context, otellog.EnabledParameters) bool { return true }

// Emit emits r on the SDK's logger; after Shutdown it counts r as lost.
func (l *countingLogger) Emit(ctx context.Context, r otellog.Record) {
	if !l.gate.enter() {
		l.gate.lost(ctx)
		return
	}
	defer l.gate.leave() // also if a processor panics: Shutdown waits for leave
	l.Logger.Emit(ctx, r)
}

// countingLoggers gives the SDK provider's loggers behind the gate, one
// wrapper per SDK logger (the SDK keeps one per scope), so that Logger
// allocates no more than the SDK's does: the bridge calls it per line of
// a named zap logger.
type countingLoggers struct {
	gate *emitGate
	m    sync.Map // SDK log.Logger → *countingLogger
}

func (c *countingLoggers) wrap(l otellog.Logger) otellog.Logger {
	if w, ok := c.m.Load(l); ok {
		return w.(*countingLogger)
	}
	w, _ := c.m.LoadOrStore(l, &countingLogger{Logger: l, gate: c.gate})
	return w.(*countingLogger)
}
