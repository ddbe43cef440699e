// Package batch is the batch processor otelkit puts in front of the span
// and log exporters, in place of sdktrace's BatchSpanProcessor and sdklog's
// BatchProcessor. It behaves like them (a bounded queue that never blocks
// the caller, exports of at most MaxExportBatchSize items every
// ScheduleDelay or as soon as a batch is full, each bounded by
// ExportTimeout) and adds what they keep to themselves: every item it gives
// up is reported, with the reason, through Config.OnDrop.
//
// Reasons: QueueFull (the queue held MaxQueueSize items when one more
// came) and Shutdown (still queued when Shutdown's context ended). An
// export that fails is not counted here: the exporter's caller sees the
// error (otelkit counts it in its export-health wrapper).
//
// Unlike the SDK processors, an export that is running when Shutdown's
// context ends is cancelled, so no export outlives Shutdown by more than
// the time the exporter takes to notice its context.
//
// An exporter that ignores its context (a hung write, a program's bug)
// does not hold Shutdown either: it returns CancelSettle after its context
// ended, its error naming the items of that export (ErrExportInProgress),
// which is then neither delivered nor failed as far as anyone can tell.
// The exporter still gets one Export at a time and its Shutdown only once
// no export runs: the worker shuts it down when the hung export returns,
// after Processor.Shutdown has returned (the SDK's span processor does the
// same; a span exporter need not allow Shutdown beside an export), and then
// ends. Until then the worker's goroutine and the exporter stay.
package batch

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/otelkit/otelkit/internal/panictext"
)

// Drop reasons passed to Config.OnDrop.
const (
	QueueFull = "queue_full"
	Shutdown  = "shutdown"
	// AfterShutdown: the item came after Shutdown began, when nothing
	// exports any more.
	AfterShutdown = "after_shutdown"
)

// Defaults for the zero Config fields (the SDK's span processor defaults).
const (
	DefaultScheduleDelay      = 5 * time.Second
	DefaultMaxQueueSize       = 2048
	DefaultMaxExportBatchSize = 512
)

// Config is a processor's settings (OTEL_BSP_* for spans, OTEL_BLRP_* for
// logs, validated by the callers).
type Config struct {
	// ScheduleDelay is the longest an item waits before it is exported;
	// <= 0 means DefaultScheduleDelay.
	ScheduleDelay time.Duration
	// ExportTimeout bounds each export; <= 0 means no bound.
	ExportTimeout time.Duration
	// MaxQueueSize is the queue's capacity; < 1 means DefaultMaxQueueSize.
	MaxQueueSize int
	// MaxExportBatchSize bounds an export; < 1 means
	// DefaultMaxExportBatchSize, and it is capped at MaxQueueSize.
	MaxExportBatchSize int
	// OnDrop receive the items given up and why (QueueFull, Shutdown), each
	// handler in order. They are called on the goroutine that drops, which
	// for QueueFull is the caller of Enqueue: they must be fast and must not
	// block. A panic in one goes to otel.Handle, and the next is still
	// called. None: drops are not reported.
	OnDrop []func(reason string, n int)
	// OnError receives the errors of scheduled exports (ForceFlush and
	// Shutdown return theirs). Nil: otel.Handle.
	OnError func(error)
	// ReportFinalExport also sends a failed final export at Shutdown to
	// OnError, as the SDK's span processor does (its log processor only
	// returns it).
	ReportFinalExport bool
}

func (c Config) withDefaults() Config {
	if c.ScheduleDelay <= 0 {
		c.ScheduleDelay = DefaultScheduleDelay
	}
	if c.MaxQueueSize < 1 {
		c.MaxQueueSize = DefaultMaxQueueSize
	}
	if c.MaxExportBatchSize < 1 {
		c.MaxExportBatchSize = DefaultMaxExportBatchSize
	}
	c.MaxExportBatchSize = min(c.MaxExportBatchSize, c.MaxQueueSize)
	if c.OnError == nil {
		c.OnError = otel.Handle
	}
	return c
}

// Exporter is what a Processor exports to. It is called from one
// goroutine at a time and must not keep the batch slice after Export
// returns.
type Exporter[T any] interface {
	Export(ctx context.Context, batch []T) error
	Shutdown(ctx context.Context) error
}

// flusher is implemented by exporters with a ForceFlush (sdklog's).
type flusher interface {
	ForceFlush(ctx context.Context) error
}

// Processor batches items for an Exporter. Its methods are safe for
// concurrent use; after Shutdown they do nothing.
type Processor[T any] struct {
	exp Exporter[T]
	cfg Config
	q   *queue[T]

	ready   chan struct{} // a full batch is queued (capacity 1)
	flushes chan request
	stop    chan request // Shutdown's one request (capacity 1)
	done    chan struct{}
	stopped atomic.Bool

	// exportCtx is the parent of scheduled exports; Shutdown cancels it
	// when its own context ends, cutting off an export in progress.
	exportCtx     context.Context
	cancelExports context.CancelFunc
	// exporting is the size of the export in progress, 0 for none: what
	// Shutdown names when the exporter ignores its context (inProgress).
	exporting atomic.Int64
}

type request struct {
	ctx  context.Context
	resp chan<- error
}

// New starts a processor exporting to exp; Shutdown stops it (and shuts exp
// down). exp must not be nil.
func New[T any](exp Exporter[T], cfg Config) *Processor[T] {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Processor[T]{
		exp:           exp,
		cfg:           cfg,
		q:             newQueue[T](cfg.MaxQueueSize),
		ready:         make(chan struct{}, 1),
		flushes:       make(chan request),
		stop:          make(chan request, 1),
		done:          make(chan struct{}),
		exportCtx:     ctx,
		cancelExports: cancel,
	}
	go p.run()
	return p
}

// Enqueue queues item for export without blocking. A full queue drops it
// (reported as QueueFull); after Shutdown it is ignored, as the SDK
// processors do.
func (p *Processor[T]) Enqueue(item T) {
	switch p.q.put(item, p.cfg.MaxExportBatchSize) {
	case putBatchReady:
		p.wake()
	case putFull:
		p.drop(QueueFull, 1)
	case putClosed:
		p.drop(AfterShutdown, 1)
	}
}

// wake tells the worker a full batch is queued.
func (p *Processor[T]) wake() {
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// Drop reports n items given up for reason through OnDrop, as the
// processor reports its own: for a caller that gives items up before they
// reach Enqueue (tracing's spans ended after Shutdown).
func (p *Processor[T]) Drop(reason string, n int) { p.drop(reason, n) }

// drop calls each OnDrop handler.
func (p *Processor[T]) drop(reason string, n int) {
	if n <= 0 {
		return
	}
	for _, h := range p.cfg.OnDrop {
		callDrop(h, reason, n)
	}
}

// callDrop calls h, a handler of the program's, turning a panic into an
// error for otel.Handle: it runs on the worker (where a panic would end the
// process), in Shutdown, or in the caller of Enqueue (a span's End), and
// losing items must cost nothing more than the count.
func callDrop(h func(reason string, n int), reason string, n int) {
	defer panictext.Handle("the drop handler")
	h(reason, n)
}

// run is the worker: the only goroutine that takes from the queue and
// calls the exporter.
func (p *Processor[T]) run() {
	defer close(p.done)
	timer := time.NewTimer(p.cfg.ScheduleDelay)
	defer timer.Stop()
	buf := make([]T, 0, p.cfg.MaxExportBatchSize)
	for {
		select {
		case <-p.ready:
			// The full batches queued now (not more: a flush or Shutdown
			// waiting must get its turn); the rest waits for the timer.
			for n := p.q.len(); n >= p.cfg.MaxExportBatchSize; n -= p.cfg.MaxExportBatchSize {
				buf = p.exportScheduled(buf)
			}
			if p.q.len() >= p.cfg.MaxExportBatchSize {
				p.wake() // more came during the exports: again, after any request
			}
		case <-timer.C:
			for n := p.q.len(); n > 0; n -= p.cfg.MaxExportBatchSize {
				buf = p.exportScheduled(buf)
			}
		case req := <-p.flushes:
			req.resp <- p.flush(req.ctx, buf)
		case req := <-p.stop:
			req.resp <- p.shutdown(req.ctx, buf)
			return
		}
		timer.Reset(p.cfg.ScheduleDelay)
	}
}

// exportScheduled exports one batch on the worker's own schedule; errors go
// to OnError. It returns buf emptied for reuse.
func (p *Processor[T]) exportScheduled(buf []T) []T {
	buf = p.q.take(buf[:0], p.cfg.MaxExportBatchSize)
	if err := p.export(p.exportCtx, buf); err != nil {
		p.cfg.OnError(err)
	}
	clear(buf)
	return buf[:0]
}

// export exports batch (if any) within ExportTimeout.
func (p *Processor[T]) export(ctx context.Context, batch []T) error {
	if len(batch) == 0 {
		return nil
	}
	if p.cfg.ExportTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, p.cfg.ExportTimeout, errExportTimeout)
		defer cancel()
	}
	p.exporting.Store(int64(len(batch)))
	defer p.exporting.Store(0)
	return p.exp.Export(ctx, batch)
}

var errExportTimeout = errors.New("otelkit: batch processor export timeout")

// ErrExportInProgress is in Shutdown's error when an export it cancelled
// had not returned when Shutdown did: the exporter ignores its context's
// end. What that export carries is not known to be delivered; otelkit's
// export-health wrapper counts it as lost (export_failed).
var ErrExportInProgress = errors.New("otelkit: an export was still in progress when Shutdown returned: the exporter ignored its context's end")

// CancelSettle bounds how long Shutdown, past its deadline, waits for the
// worker to return from the export it cancelled.
const CancelSettle = 50 * time.Millisecond

// flush exports what is queued, batch by batch, until the queue is empty or
// ctx ends (what is left stays queued), then flushes the exporter.
func (p *Processor[T]) flush(ctx context.Context, buf []T) error {
	var errs []error
	for n := p.q.len(); n > 0 && ctx.Err() == nil; n -= p.cfg.MaxExportBatchSize {
		buf = p.q.take(buf[:0], p.cfg.MaxExportBatchSize)
		errs = append(errs, p.export(ctx, buf))
		clear(buf)
	}
	if err := ctx.Err(); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if f, ok := p.exp.(flusher); ok {
		errs = append(errs, exporterCall("ForceFlush", func() error { return f.ForceFlush(ctx) }))
	}
	return errors.Join(errs...)
}

// shutdown exports what is queued within ctx, counts the rest as dropped,
// and shuts the exporter down.
func (p *Processor[T]) shutdown(ctx context.Context, buf []T) error {
	defer p.cancelExports()
	err := p.flush(ctx, buf)
	if err != nil && p.cfg.ReportFinalExport {
		p.cfg.OnError(err)
	}
	p.drop(Shutdown, p.q.discard())
	return errors.Join(err, exporterCall("Shutdown", func() error { return p.exp.Shutdown(ctx) }))
}

// exporterCall runs the exporter's ForceFlush or Shutdown, which the worker
// calls: a panic in it, on this goroutine, would end the process, so it is
// the call's error instead, and Shutdown still completes. (A panic in
// Export is the export's error already: the providers put
// exportwrap.Recovered around every exporter.)
func exporterCall(method string, call func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panictext.Error("the exporter's "+method, v)
		}
	}()
	return call()
}

// ForceFlush exports everything queued when it is called and flushes the
// exporter, bounded by ctx. After Shutdown it does nothing.
func (p *Processor[T]) ForceFlush(ctx context.Context) error {
	if p.stopped.Load() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	resp := make(chan error, 1)
	select {
	case p.flushes <- request{ctx, resp}:
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-resp:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown stops accepting items, exports what is queued and shuts the
// exporter down, bounded by ctx. When ctx ends first, an export in
// progress is cancelled and what is still queued is dropped (reported as
// Shutdown), and Shutdown waits up to CancelSettle more for the worker to
// return from the cancelled export, so that it is counted too. When the
// export has not returned by then, the error names its items
// (ErrExportInProgress), and the worker shuts the exporter down once it
// returns (see the package doc). Only the first call does anything.
func (p *Processor[T]) Shutdown(ctx context.Context) error {
	if !p.stopped.CompareAndSwap(false, true) {
		return nil
	}
	p.q.close()
	resp := make(chan error, 1)
	p.stop <- request{ctx, resp} // the only send; the channel has room
	select {
	case err := <-resp:
		return err
	case <-ctx.Done():
		// Count what the worker will not export now (emptying the queue
		// first, so that it takes nothing more), then cut off the export
		// in progress.
		p.drop(Shutdown, p.q.discard())
		p.cancelExports()
		// The cancelled export is counted as it returns, a moment later
		// (by the exporter's wrapper, OnError): give the worker that
		// moment, so that a process exiting after Shutdown loses no count.
		select {
		case <-p.done:
			return ctx.Err()
		case <-time.After(CancelSettle):
			return errors.Join(ctx.Err(), p.inProgress())
		}
	}
}

// inProgress returns the error naming the items of the export in
// progress, nil when there is none.
func (p *Processor[T]) inProgress() error {
	if n := p.exporting.Load(); n > 0 {
		return fmt.Errorf("otelkit: %d items not known to be exported: %w", n, ErrExportInProgress)
	}
	return nil
}
