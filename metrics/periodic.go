package metrics

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/panictext"
)

// The SDK's periodic reader (v1.47) exports nothing of a collection in
// which one observable callback returned an error: its collect returns the
// error and the export is skipped, every instrument of the provider with
// it, at each interval for as long as the callback fails (a host metric
// the container does not expose, a program's callback whose source is
// down). No export runs, so nothing counts the loss. otelkit's periodic
// reader exports what was collected (the SDK still runs every callback and
// aggregation after a failing one) and reports the callback's error with
// the export's. It is otherwise the SDK's: an export every interval and
// on ForceFlush, each bounded by the timeout; at Shutdown the export in
// progress is cancelled and a final one made within Shutdown's context.
// When that context ends before the final collection (another export holds
// the reader), the collection is still made but not exported: it is
// abandoned to the exporter's wrappers, and the health wrapper counts it
// as lost (exportCutOff).
//
// Unlike the SDK's, Shutdown does not wait past its context for the
// scheduled export it cancelled: an exporter that ignores its context (a
// hung write, a program's bug) held the SDK's Shutdown, and the program's
// exit, for as long as it hung. That export keeps sem, so Shutdown's
// final collection is cut off as above, and its error names the export
// still in progress (inProgress). The exporter is shut down all the same,
// beside the hung export: the SDK's metric exporter contract requires its
// Shutdown to be safe to call concurrently with its other methods, and
// shutting it down may be what frees the export (a closed connection).
// Safe is not prompt: the SDK's OTLP exporters' Shutdown waits for their
// export in progress, so Shutdown waits for it only a moment
// (shutdownBeside). It still gets one Export at a time, and no collection
// is exported after its Shutdown: the ManualReader is shut down first, so
// a later collection fails, and the loop ends on its next tick. Only the
// parts left of a collection cut for size (sizeBounded), which the hung
// export was sending, still go to the exporter once it returns, their
// context ended: the OTLP exporters fail them at once, and the
// export-health wrapper counts them as any failed export.

// periodicReader collects from the provider (through its ManualReader,
// which registers it) and exports to exp every interval.
type periodicReader struct {
	*sdkmetric.ManualReader
	exp     sdkmetric.Exporter
	timeout time.Duration

	sem     chan struct{}              // one collect and export at a time
	rm      metricdata.ResourceMetrics // reused, under sem
	loopCtx context.Context            // the scheduled exports'; Shutdown cancels it
	stop    context.CancelFunc
	done    chan struct{} // the loop returned
	stopped atomic.Bool
	// exporting is the data points of the export in progress (under sem),
	// 0 for none: what Shutdown names when the exporter ignores its
	// context (inProgress).
	exporting atomic.Int64

	// collectMu orders the collections, numbered in that order (collect):
	// Shutdown's cut-off one is made without sem (exportCutOff).
	collectMu   sync.Mutex
	collections uint64 // under collectMu
}

var _ sdkmetric.Reader = (*periodicReader)(nil)

// newPeriodicReader starts a reader exporting to exp every interval, each
// export bounded by timeout (both > 0).
func newPeriodicReader(exp sdkmetric.Exporter, interval, timeout time.Duration) *periodicReader {
	r := &periodicReader{
		ManualReader: sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(exp.Temporality),
			sdkmetric.WithAggregationSelector(exp.Aggregation)),
		exp:     exp,
		timeout: timeout,
		sem:     make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	r.loopCtx, r.stop = context.WithCancel(context.Background())
	go r.run(interval)
	return r
}

var errReaderTimeout = errors.New("otelkit: metric collect and export timeout (OTEL_METRIC_EXPORT_TIMEOUT)")

// run exports every interval until Shutdown; errors go to otel.Handle.
func (r *periodicReader) run(interval time.Duration) {
	defer close(r.done)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if r.loopCtx.Err() != nil {
				// Shutdown came with the tick (select picks either): an
				// export now would only report its cancellation.
				return
			}
			ctx, cancel := context.WithTimeoutCause(r.loopCtx, r.timeout, errReaderTimeout)
			if err := r.collectAndExport(ctx); err != nil {
				otel.Handle(err)
			}
			cancel()
		case <-r.loopCtx.Done():
			return
		}
	}
}

// collectAndExport collects and exports what was collected, also when a
// callback failed: the error returned is the callback's joined with the
// export's.
func (r *periodicReader) collectAndExport(ctx context.Context) error {
	if err := r.acquire(ctx); err != nil {
		return err
	}
	defer r.release()
	return r.collectAndExportHeld(ctx)
}

// acquire takes sem, one collect and export at a time, unless ctx ends
// first. A free sem is taken even when ctx has ended (a select with both
// ready picks at random): Shutdown relies on holding it to keep a waiting
// ForceFlush from exporting beside the exporter's Shutdown.
func (r *periodicReader) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (r *periodicReader) release() { <-r.sem }

// collectAndExportHeld is collectAndExport for a caller holding sem.
func (r *periodicReader) collectAndExportHeld(ctx context.Context) error {
	if ctx.Err() != nil { // collected now, delta data would be lost
		return context.Cause(ctx)
	}
	// Emptied first: a collection refused before it starts leaves nothing
	// of the previous one.
	r.rm.ScopeMetrics = r.rm.ScopeMetrics[:0]
	ctx, err := r.collect(ctx, &r.rm)
	switch {
	case errors.Is(err, sdkmetric.ErrReaderNotRegistered):
		return nil // no provider: nothing to collect
	case errors.Is(err, sdkmetric.ErrReaderShutdown):
		return err
	}
	// Also an empty collection, as the SDK's reader does: the health
	// document then shows an unreachable collector before any metric.
	r.exporting.Store(int64(exportwrap.DataPoints(&r.rm)))
	err = errors.Join(err, r.exp.Export(ctx, &r.rm))
	r.exporting.Store(0)
	clear(r.rm.ScopeMetrics) // what was exported is not kept until the next
	return err
}

// collect collects into rm and returns ctx carrying the collection's
// number (exportwrap.WithCollection), for the export health wrapper, which
// may see the cut-off collection (exportCutOff) and the one before it at
// once. The SDK makes one collection at a time too; the mutex makes the
// numbers follow that order.
func (r *periodicReader) collect(ctx context.Context, rm *metricdata.ResourceMetrics) (context.Context, error) {
	r.collectMu.Lock()
	defer r.collectMu.Unlock()
	err := r.Collect(ctx, rm)
	r.collections++
	return exportwrap.WithCollection(ctx, r.collections), err
}

// bounded bounds ctx by the reader's timeout unless it has a deadline.
func (r *periodicReader) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, r.timeout, errReaderTimeout)
}

// ForceFlush collects and exports now, then flushes the exporter.
func (r *periodicReader) ForceFlush(ctx context.Context) error {
	if r.stopped.Load() {
		return sdkmetric.ErrReaderShutdown
	}
	ctx, cancel := r.bounded(ctx)
	defer cancel()
	err := r.collectAndExport(ctx)
	if ctx.Err() != nil || errors.Is(err, sdkmetric.ErrReaderShutdown) {
		return err
	}
	// Also after a callback's error: what was collected went to the
	// exporter, which may hold it until flushed.
	return errors.Join(err, r.exp.ForceFlush(ctx))
}

// Shutdown stops the schedule, cancelling an export in progress, makes a
// final export within ctx and shuts the exporter down. An export in
// progress that outlives ctx (the exporter ignores its context) does not
// hold it: the final collection is then cut off (exportCutOff), the
// exporter shut down beside that export (shutdownBeside), and the error
// names it (inProgress). Only the first call does anything.
func (r *periodicReader) Shutdown(ctx context.Context) error {
	if !r.stopped.CompareAndSwap(false, true) {
		return sdkmetric.ErrReaderShutdown
	}
	ctx, cancel := r.bounded(ctx)
	defer cancel()
	r.stop()
	select {
	case <-r.done:
	case <-ctx.Done(): // the loop's export ignores its cancellation and holds sem
	}
	// The final export and the ManualReader's Shutdown under one hold of
	// sem: a ForceFlush that passed its stopped check before this Shutdown
	// and waits for sem then collects nothing (ErrReaderShutdown) rather
	// than exporting to an exporter already shut down.
	err := r.acquire(ctx)
	held := err == nil
	if held && ctx.Err() == nil {
		err = r.collectAndExportHeld(ctx)
	} else {
		err = errors.Join(err, r.exportCutOff(ctx))
	}
	err = errors.Join(err, r.ManualReader.Shutdown(ctx))
	if !held { // an export in progress outlived ctx
		return errors.Join(err, r.shutdownBeside(ctx), r.inProgress())
	}
	r.release()
	return errors.Join(err, r.exp.Shutdown(ctx))
}

// shutdownBeside shuts the exporter down beside the export in progress
// that outlived Shutdown's context (ctx, ended), waiting for that up to
// batch.CancelSettle. An exporter may make its Shutdown wait for its
// export: the SDK's OTLP metric exporters hold one mutex across Export,
// which their Shutdown takes. Past that moment the exporter's Shutdown
// goes on alone, and completes when the export returns; its error is then
// dropped, as the batch processor's worker drops that of an exporter it
// shuts down after Shutdown returned.
func (r *periodicReader) shutdownBeside(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		defer func() { // on its own goroutine a panic would end the process
			if v := recover(); v != nil {
				done <- panictext.Error("the metric exporter's Shutdown", v)
			}
		}()
		done <- r.exp.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(batch.CancelSettle):
		return nil // inProgress names the export it waits for
	}
}

// inProgress returns the error naming the data points of the export in
// progress, nil when there is none: for a caller not holding sem, after
// the exporter's Shutdown, which may have ended that export. The health
// wrapper counts them as lost when Shutdown has returned; without it, this
// error is their only count. (The export of a ForceFlush is named too: its
// caller gets its error only once it returns.)
func (r *periodicReader) inProgress() error {
	if n := r.exporting.Load(); n > 0 {
		return fmt.Errorf("otelkit: %d metric data points not known to be exported: %w", n, batch.ErrExportInProgress)
	}
	return nil
}

// exportCutOff is the final collection when Shutdown's context ended
// before it (another export holds the reader): what was measured since the
// last collection is collected all the same, or it would be lost
// uncounted, and abandoned to the exporter (exportwrap.Abandon), whose
// export-health wrapper counts it as lost (export_failed, or unsent until
// Shutdown counts it). It is not exported: that export would run beside
// the one in progress, and the SDK promises an exporter one Export at a
// time. Its own rm: sem is another's.
//
// So Shutdown may return later than its context by this collection: it
// waits for a collection in progress (the SDK makes one at a time), and
// its callbacks get a context of batch.CancelSettle, which bounds them only
// if they honour it. A program's WithExporterWrapper does not see the
// collection (it is no Abandoner), so without otel.Init's export-health
// wrapper Shutdown's error is the only count: it names the data points
// not exported (exportwrap.ErrAbandoned).
func (r *periodicReader) exportCutOff(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batch.CancelSettle)
	defer cancel()
	var rm metricdata.ResourceMetrics
	cctx, err := r.collect(cctx, &rm)
	switch {
	case errors.Is(err, sdkmetric.ErrReaderNotRegistered):
		return nil // no provider: nothing to collect
	case errors.Is(err, sdkmetric.ErrReaderShutdown):
		return err
	}
	points := exportwrap.DataPoints(&rm) // before the wrappers see rm
	lost := exportwrap.Abandon(cctx, r.exp, &rm)
	return errors.Join(err, fmt.Errorf("otelkit: %d metric data points lost: %w", points, lost))
}
