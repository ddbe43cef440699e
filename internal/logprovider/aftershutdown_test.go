package logprovider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/testutil/hang"
)

// drops counts what a drop handler receives, by reason.
type drops struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *drops) handle(reason string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[reason] += n
}

func (d *drops) get(reason string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[reason]
}

func (d *drops) total() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	sum := 0
	for _, n := range d.n {
		sum += n
	}
	return sum
}

// countedProvider returns a provider whose exporter counts the records it
// is given into exported (and keeps nothing), its drops counted into d.
func countedProvider(t *testing.T, exported *atomic.Int64, d *drops, opts ...Option) *Provider {
	t.Helper()
	calls := &atomic.Int64{}
	wrap := func(sdklog.Exporter) sdklog.Exporter {
		return countingExporter{Exporter: discardExporter{}, records: exported, calls: calls}
	}
	p, err := NewLoggerProvider(context.Background(), append([]Option{lookup(nil),
		WithOTLPOverrides(otlpconf.Overrides{Exporter: "console", Console: &syncBuffer{}}),
		WithExporterWrapper(wrap), WithDropHandler(d.handle)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

// bridgeEmit does what the log bridge does with a line: Enabled, then Emit.
func bridgeEmit(ctx context.Context, l otellog.Logger, body string) {
	if l.Enabled(ctx, otellog.EnabledParameters{Severity: otellog.SeverityInfo}) {
		var r otellog.Record
		r.SetBody(attribute.StringValue(body))
		r.SetSeverity(otellog.SeverityInfo)
		l.Emit(ctx, r)
	}
}

// TestRecordsAfterShutdownCounted: after Shutdown, a record emitted the way
// the bridge emits it (Enabled first) on a logger obtained before or after
// is counted once as after_shutdown, unless its context is Uncounted; with
// the exporter "none" nothing would have been exported, and nothing is
// counted.
func TestRecordsAfterShutdownCounted(t *testing.T) {
	var exported atomic.Int64
	d := &drops{}
	p := countedProvider(t, &exported, d)
	before := p.Logger("before")
	bridgeEmit(context.Background(), before, "exported")
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if exported.Load() != 1 {
		t.Fatalf("exported %d records before Shutdown, want 1", exported.Load())
	}
	for i, l := range []otellog.Logger{before, p.Logger("after"), p.Logger("before")} {
		bridgeEmit(context.Background(), l, "late")
		if got := d.get(batch.AfterShutdown); got != i+1 {
			t.Errorf("logger %d: after_shutdown = %d, want %d", i, got, i+1)
		}
	}
	bridgeEmit(Uncounted(context.Background()), before, "the line that reports the loss")
	if got := d.total(); got != 3 {
		t.Errorf("drops %v, want 3 after_shutdown: an Uncounted record is not counted", d.n)
	}
	if err := p.ForceFlush(context.Background()); err != nil || exported.Load() != 1 {
		t.Errorf("ForceFlush after Shutdown = %v, exported %d; want nil, 1", err, exported.Load())
	}

	dn := &drops{}
	none, err := NewLoggerProvider(context.Background(), lookup(nil), WithOTLPOverrides(otlpconf.Overrides{Exporter: "none"}),
		WithDropHandler(dn.handle), WithProcessor(sdklog.NewSimpleProcessor(&memExporter{})))
	if err != nil {
		t.Fatal(err)
	}
	_ = none.Shutdown(context.Background())
	bridgeEmit(context.Background(), none.Logger("none"), "not exported anyway")
	if dn.total() != 0 {
		t.Errorf("exporter none: drops %v, want none", dn.n)
	}
}

// TestRecordsDuringShutdownCountedOnce: records emitted from many
// goroutines while Shutdown runs, and after it, are each exported or
// counted lost, once: exported + dropped = emitted.
func TestRecordsDuringShutdownCountedOnce(t *testing.T) {
	const (
		goroutines = 8
		during     = 400 // each, around Shutdown
		after      = 10  // each, once Shutdown has returned
	)
	var exported atomic.Int64
	d := &drops{}
	p := countedProvider(t, &exported, d)
	var started, finished sync.WaitGroup
	shutDown := make(chan struct{})
	started.Add(goroutines)
	finished.Add(goroutines)
	for g := range goroutines {
		go func() {
			defer finished.Done()
			before := p.Logger("g")
			for i := range during {
				l := before
				if g%2 == 1 {
					l = p.Logger("g") // per record, as the bridge does for a named zap logger
				}
				bridgeEmit(context.Background(), l, "during")
				if i == 0 {
					started.Done()
				}
			}
			<-shutDown
			for range after {
				bridgeEmit(context.Background(), p.Logger("late"), "after")
			}
		}()
	}
	started.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	close(shutDown)
	finished.Wait()
	const emitted = goroutines * (during + after)
	if got := exported.Load() + int64(d.total()); got != emitted {
		t.Errorf("exported %d + dropped %v = %d, want %d emitted", exported.Load(), d.n, got, emitted)
	}
	if d.get(batch.AfterShutdown) < goroutines*after {
		t.Errorf("after_shutdown %d, want at least the %d emitted after Shutdown", d.get(batch.AfterShutdown), goroutines*after)
	}
}

// TestShutdownDoneContextStopsBatchProcessor: Shutdown given a context
// already done still stops the batch processor (the SDK's Shutdown returns
// at once without shutting its processors down): what it holds is counted
// as shutdown, and its goroutine ends (TestMain's goleak).
func TestShutdownDoneContextStopsBatchProcessor(t *testing.T) {
	var exported atomic.Int64
	d := &drops{}
	p := countedProvider(t, &exported, d)
	for range 3 {
		bridgeEmit(context.Background(), p.Logger("queued"), "queued") // the schedule delay is 1 s: they wait
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Shutdown(ctx); err == nil {
		t.Error("Shutdown with a done context returned no error")
	}
	if got := exported.Load() + int64(d.get(batch.Shutdown)); got != 3 {
		t.Errorf("exported %d, dropped %v; want the 3 queued records exported or counted as shutdown", exported.Load(), d.n)
	}
}

// blockingProcessor holds every record in OnEmit until release is closed.
type blockingProcessor struct {
	entered chan struct{}
	release chan struct{}
}

func (b blockingProcessor) OnEmit(context.Context, *sdklog.Record) error {
	b.entered <- struct{}{}
	<-b.release
	return nil
}
func (blockingProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (blockingProcessor) Shutdown(context.Context) error                         { return nil }
func (blockingProcessor) ForceFlush(context.Context) error                       { return nil }

// TestShutdownKeepsDeadlineWithEmitInProgress: a record held inside Emit
// (by a processor of the program's, after the exporter's) does not hold
// Shutdown past its context: Shutdown returns the context's error, the
// batch processor is stopped and the record, which reached it, is counted
// once (shutdown), as is one emitted after (after_shutdown).
func TestShutdownKeepsDeadlineWithEmitInProgress(t *testing.T) {
	var exported atomic.Int64
	d := &drops{}
	block := blockingProcessor{entered: make(chan struct{}), release: make(chan struct{})}
	p := countedProvider(t, &exported, d, WithProcessor(block))
	emitted := make(chan struct{})
	go func() {
		defer close(emitted)
		bridgeEmit(context.Background(), p.Logger("held"), "held")
	}()
	<-block.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Shutdown(ctx); err == nil {
		t.Error("Shutdown returned no error though its context ended with a record in Emit")
	}
	close(block.release)
	<-emitted
	bridgeEmit(context.Background(), p.Logger("late"), "late")
	if exported.Load() != 0 || d.get(batch.Shutdown) != 1 || d.get(batch.AfterShutdown) != 1 {
		t.Errorf("exported %d, dropped %v; want the held record counted as shutdown, the late one as after_shutdown", exported.Load(), d.n)
	}
}

// TestShutdownBoundedDespiteHungExport: an exporter that ignores its
// context and holds the scheduled export does not hold Shutdown past its
// context: Shutdown returns soon after, the records still queued reported
// as dropped (shutdown) and those of the hung export named in its error,
// which said only that the deadline passed. Once the export returns, the
// exporter is shut down and nothing is left running; it got no export
// beside the hung one nor after.
func TestShutdownBoundedDespiteHungExport(t *testing.T) {
	before := goleak.IgnoreCurrent()
	gate := hang.New()
	defer gate.Release() // also when the test fails early
	d := &drops{}
	p, err := NewLoggerProvider(context.Background(), lookup(map[string]string{"OTEL_BLRP_SCHEDULE_DELAY": "10"}),
		WithOTLPOverrides(otlpconf.Overrides{Exporter: "console", Console: &syncBuffer{}}),
		WithExporterWrapper(gate.Logs), WithDropHandler(d.handle))
	if err != nil {
		t.Fatal(err)
	}
	gate.Arm()
	const records = 5
	for range records {
		bridgeEmit(context.Background(), p.Logger("hung"), "line")
	}
	held := gate.Entered(t, 10*time.Second) // the first scheduled export: some or all of them

	err = hang.Shutdown(t, p.Shutdown, gate.Release)
	want := fmt.Sprintf("%d items not known to be exported", held)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, batch.ErrExportInProgress) || !strings.Contains(err.Error(), want) {
		t.Errorf("Shutdown = %v, want its deadline and %q", err, want)
	}
	if got := d.get(batch.Shutdown); got != records-held {
		t.Errorf("shutdown drops %d, want the %d records still queued", got, records-held)
	}
	gate.Release()
	goleak.VerifyNone(t, before) // the worker shut the exporter down and ended
	if gate.Calls() != 1 || gate.Overlapped() {
		t.Errorf("%d exports (overlapping: %v), want the hung one only", gate.Calls(), gate.Overlapped())
	}
}
