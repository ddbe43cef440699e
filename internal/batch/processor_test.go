package batch

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testutil/hang"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memExporter records what it receives. gate, when set, holds every
// export until it is closed or, unless deaf, the export's context ends.
type memExporter struct {
	mu        sync.Mutex
	batches   [][]int
	gate      chan struct{}
	deaf      bool          // the export ignores its context (a hung write)
	entered   chan struct{} // receives once per export that starts
	err       error
	flushes   atomic.Int32
	shutdowns atomic.Int32
}

func (e *memExporter) Export(ctx context.Context, batch []int) error {
	if e.entered != nil {
		e.entered <- struct{}{}
	}
	switch {
	case e.gate == nil:
	case e.deaf:
		<-e.gate
	default:
		select {
		case <-e.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.batches = append(e.batches, append([]int(nil), batch...))
	return e.err
}

func (e *memExporter) ForceFlush(context.Context) error { e.flushes.Add(1); return nil }
func (e *memExporter) Shutdown(context.Context) error   { e.shutdowns.Add(1); return nil }

func (e *memExporter) items() (n int, sizes []int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, b := range e.batches {
		n += len(b)
		sizes = append(sizes, len(b))
	}
	return n, sizes
}

// drops counts OnDrop calls by reason.
type drops struct {
	mu sync.Mutex
	m  map[string]int
}

func (d *drops) add(reason string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[string]int{}
	}
	d.m[reason] += n
}

func (d *drops) get(reason string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m[reason]
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func shutdownNow(t *testing.T, p *Processor[int]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestFullBatchLeavesWithoutWaitingForTheSchedule(t *testing.T) {
	exp := &memExporter{}
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 10, MaxExportBatchSize: 3})
	defer shutdownNow(t, p)
	for i := range 7 {
		p.Enqueue(i)
	}
	waitUntil(t, "two full batches", func() bool { n, _ := exp.items(); return n == 6 })
	if _, sizes := exp.items(); len(sizes) != 2 || sizes[0] != 3 || sizes[1] != 3 {
		t.Errorf("batch sizes %v, want [3 3] (the seventh item waits for the schedule)", sizes)
	}
}

func TestPartialBatchLeavesOnSchedule(t *testing.T) {
	exp := &memExporter{}
	p := New[int](exp, Config{ScheduleDelay: 20 * time.Millisecond, MaxQueueSize: 10, MaxExportBatchSize: 5})
	defer shutdownNow(t, p)
	p.Enqueue(1)
	p.Enqueue(2)
	waitUntil(t, "the scheduled export", func() bool { n, _ := exp.items(); return n == 2 })
}

// TestQueueFullIsCounted: while the exporter is stuck, the queue fills;
// every item it refuses is reported as QueueFull, and the rest is
// exported once the exporter moves again.
func TestQueueFullIsCounted(t *testing.T) {
	exp := &memExporter{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	var d drops
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 4, MaxExportBatchSize: 2, OnDrop: []func(string, int){d.add}})
	p.Enqueue(0)
	p.Enqueue(1) // a full batch: the worker takes it and blocks in Export
	<-exp.entered
	for i := 2; i < 9; i++ { // 4 fit in the queue, 3 do not
		p.Enqueue(i)
	}
	if got := d.get(QueueFull); got != 3 {
		t.Errorf("QueueFull drops = %d, want 3", got)
	}
	close(exp.gate)
	shutdownNow(t, p)
	if n, _ := exp.items(); n != 6 {
		t.Errorf("exported %d items, want 6 (9 enqueued, 3 dropped)", n)
	}
	if got := d.get(Shutdown); got != 0 {
		t.Errorf("Shutdown drops = %d, want 0", got)
	}
}

func TestShutdownExportsTheQueueAndShutsTheExporterDown(t *testing.T) {
	exp := &memExporter{}
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 100, MaxExportBatchSize: 40})
	for i := range 90 {
		p.Enqueue(i)
	}
	shutdownNow(t, p)
	n, sizes := exp.items()
	if n != 90 {
		t.Errorf("exported %d items, want 90", n)
	}
	for _, s := range sizes {
		if s > 40 {
			t.Errorf("a batch of %d items, want at most 40", s)
		}
	}
	if exp.shutdowns.Load() != 1 || exp.flushes.Load() != 1 {
		t.Errorf("exporter shut down %d times, flushed %d times; want 1 and 1", exp.shutdowns.Load(), exp.flushes.Load())
	}
	// Afterwards everything is a no-op.
	p.Enqueue(1)
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Errorf("ForceFlush after Shutdown: %v", err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if n, _ := exp.items(); n != 90 || exp.shutdowns.Load() != 1 {
		t.Errorf("after Shutdown: %d items exported, exporter shut down %d times", n, exp.shutdowns.Load())
	}
}

// TestShutdownDeadline: when Shutdown's context ends while an export is
// stuck, the export is cancelled, Shutdown returns at the deadline, and the
// items still queued are reported as Shutdown drops. Every item is either
// in the cancelled export or counted.
func TestShutdownDeadline(t *testing.T) {
	exp := &memExporter{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	var d drops
	var exportErrs []error
	var mu sync.Mutex
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 10, MaxExportBatchSize: 3, OnDrop: []func(string, int){d.add},
		OnError: func(err error) { mu.Lock(); exportErrs = append(exportErrs, err); mu.Unlock() }})
	for i := range 8 {
		p.Enqueue(i)
	}
	<-exp.entered // the first batch of 3 is stuck
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := p.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the deadline", err)
	}
	// The worker counted the cancelled export and exited before
	// Shutdown returned: nothing is counted after it.
	select {
	case <-p.done:
	default:
		t.Error("Shutdown returned before the worker had counted the cancelled export")
		<-p.done
	}
	mu.Lock()
	defer mu.Unlock()
	if len(exportErrs) != 1 || !errors.Is(exportErrs[0], context.Canceled) {
		t.Errorf("scheduled export errors %v, want the cancelled export", exportErrs)
	}
	if got := d.get(Shutdown); got != 5 {
		t.Errorf("Shutdown drops = %d, want 5 (8 queued, 3 in the cancelled export)", got)
	}
	if n, _ := exp.items(); n != 0 {
		t.Errorf("%d items exported, want 0", n)
	}
}

// TestShutdownDeadlineWithAnExportIgnoringItsContext: an exporter that
// ignores its context does not hold Shutdown: it returns soon after its
// deadline, the items still queued reported as Shutdown drops and those of
// the hung export named in its error, which without it said only that the
// deadline passed. The exporter is shut down once the export returns,
// never beside it, and the worker then ends.
func TestShutdownDeadlineWithAnExportIgnoringItsContext(t *testing.T) {
	exp := &memExporter{gate: make(chan struct{}), deaf: true, entered: make(chan struct{}, 10)}
	var d drops
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 10, MaxExportBatchSize: 3, OnDrop: []func(string, int){d.add},
		OnError: func(error) {}})
	for i := range 8 {
		p.Enqueue(i)
	}
	<-exp.entered // the first batch of 3 hangs
	err := hang.Shutdown(t, p.Shutdown, func() { close(exp.gate) })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrExportInProgress) ||
		!strings.Contains(err.Error(), "3 items not known to be exported") {
		t.Errorf("Shutdown = %v, want the deadline and the 3 items of the hung export", err)
	}
	if got := d.get(Shutdown); got != 5 {
		t.Errorf("Shutdown drops = %d, want 5 (8 queued, 3 in the hung export)", got)
	}
	if n := exp.shutdowns.Load(); n != 0 {
		t.Errorf("the exporter was shut down %d times while its export hung, want 0", n)
	}
	close(exp.gate)
	<-p.done
	if n := exp.shutdowns.Load(); n != 1 {
		t.Errorf("the exporter was shut down %d times once its export returned, want 1", n)
	}
	if n, sizes := exp.items(); n != 3 {
		t.Errorf("exported %v, want the hung batch of 3 only: nothing after Shutdown", sizes)
	}
}

func TestForceFlush(t *testing.T) {
	exp := &memExporter{}
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 10, MaxExportBatchSize: 4})
	defer shutdownNow(t, p)
	for i := range 6 {
		p.Enqueue(i)
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if n, _ := exp.items(); n != 6 || exp.flushes.Load() != 1 {
		t.Errorf("after ForceFlush: %d items exported, exporter flushed %d times; want 6 and 1", n, exp.flushes.Load())
	}

	exp.err = errors.New("collector said no")
	p.Enqueue(7)
	if err := p.ForceFlush(context.Background()); err == nil || err.Error() != "collector said no" {
		t.Errorf("ForceFlush with a failing export = %v, want its error", err)
	}
}

func TestForceFlushBoundedByContext(t *testing.T) {
	exp := &memExporter{gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 10, MaxExportBatchSize: 2})
	p.Enqueue(1)
	p.Enqueue(2)
	<-exp.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ForceFlush while the exporter is stuck = %v, want the deadline", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if err := p.ForceFlush(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ForceFlush with a cancelled context = %v", err)
	}
	close(exp.gate)
	shutdownNow(t, p)
}

func TestFinalExportErrorReportedOnlyWhenAsked(t *testing.T) {
	for _, report := range []bool{false, true} {
		exp := &memExporter{err: errors.New("final")}
		var got []error
		p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 4, ReportFinalExport: report,
			OnError: func(err error) { got = append(got, err) }})
		p.Enqueue(1)
		err := p.Shutdown(context.Background())
		if err == nil || err.Error() != "final" {
			t.Errorf("Shutdown = %v, want the final export's error", err)
		}
		if want := map[bool]int{false: 0, true: 1}[report]; len(got) != want {
			t.Errorf("ReportFinalExport %v: OnError got %v, want %d error(s)", report, got, want)
		}
	}
}

func TestScheduledExportErrorsAreReported(t *testing.T) {
	exp := &memExporter{err: errors.New("boom")}
	got := make(chan error, 1)
	p := New[int](exp, Config{ScheduleDelay: time.Hour, MaxQueueSize: 4, MaxExportBatchSize: 1,
		OnError: func(err error) { got <- err }})
	p.Enqueue(1)
	if err := <-got; err.Error() != "boom" {
		t.Errorf("OnError got %v", err)
	}
	exp.mu.Lock()
	exp.err = nil
	exp.mu.Unlock()
	shutdownNow(t, p)
}

func TestExportTimeoutBoundsEachExport(t *testing.T) {
	exp := &memExporter{gate: make(chan struct{})}
	got := make(chan error, 1)
	p := New[int](exp, Config{ScheduleDelay: time.Hour, ExportTimeout: 20 * time.Millisecond, MaxQueueSize: 4,
		MaxExportBatchSize: 1, OnError: func(err error) { got <- err }})
	defer shutdownNow(t, p)
	p.Enqueue(1)
	if err := <-got; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("export past ExportTimeout: %v, want a deadline error", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.ScheduleDelay != DefaultScheduleDelay || c.MaxQueueSize != DefaultMaxQueueSize ||
		c.MaxExportBatchSize != DefaultMaxExportBatchSize || c.OnError == nil || c.ExportTimeout != 0 {
		t.Errorf("defaults %+v", c)
	}
	if c := (Config{MaxQueueSize: 10, MaxExportBatchSize: 50}).withDefaults(); c.MaxExportBatchSize != 10 {
		t.Errorf("batch size %d, want capped at the queue size 10", c.MaxExportBatchSize)
	}
}

// TestConcurrentAccounting: goroutines enqueue while flushes run and the
// exporter is slow; afterwards every item is either exported or reported
// as dropped, exactly once.
func TestConcurrentAccounting(t *testing.T) {
	exp := &memExporter{}
	var d drops
	p := New[int](exp, Config{ScheduleDelay: time.Millisecond, MaxQueueSize: 64, MaxExportBatchSize: 16, OnDrop: []func(string, int){d.add}})
	const workers, per = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				p.Enqueue(w*per + i)
				if i%500 == 0 {
					_ = p.ForceFlush(context.Background())
				}
			}
		})
	}
	wg.Wait()
	shutdownNow(t, p)
	n, _ := exp.items()
	if n+d.get(QueueFull)+d.get(Shutdown) != workers*per {
		t.Errorf("exported %d + dropped %d (queue full) + %d (shutdown) != %d enqueued", n, d.get(QueueFull), d.get(Shutdown), workers*per)
	}
	exp.mu.Lock()
	defer exp.mu.Unlock()
	seen := map[int]bool{}
	for _, b := range exp.batches {
		for _, v := range b {
			if seen[v] {
				t.Fatalf("item %d exported twice", v)
			}
			seen[v] = true
		}
	}
}

// panickingExporter panics in ForceFlush and Shutdown, as an exporter with
// a bug (a double close) would.
type panickingExporter struct{ memExporter }

func (*panickingExporter) ForceFlush(context.Context) error { panic("flush: nil connection") }
func (*panickingExporter) Shutdown(context.Context) error   { panic("shutdown: double close") }

// The worker calls the exporter's ForceFlush and Shutdown: a panic in
// either is the call's error, and the queue is still exported first. It
// ended the process (the worker's goroutine), not only the flush.
func TestExporterPanicInFlushOrShutdownIsTheError(t *testing.T) {
	exp := &panickingExporter{}
	p := New[int](exp, Config{ScheduleDelay: time.Hour})
	p.Enqueue(1)
	err := p.ForceFlush(context.Background())
	if want := "otelkit: the exporter's ForceFlush panicked: flush: nil connection"; err == nil || err.Error() != want {
		t.Errorf("ForceFlush = %v, want %q", err, want)
	}
	p.Enqueue(2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = p.Shutdown(ctx)
	if err == nil || !strings.Contains(err.Error(), "otelkit: the exporter's Shutdown panicked: shutdown: double close") {
		t.Errorf("Shutdown = %v, want the Shutdown panic as its error", err)
	}
	if n, _ := exp.items(); n != 2 {
		t.Errorf("%d items exported, want 2", n)
	}
}
