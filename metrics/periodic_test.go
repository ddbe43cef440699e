package metrics

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/testutil/hang"
)

// exportsTo is an exporter wrapper that sends the metric names of each
// export on ch (dropping them when nobody is waiting).
type exportsTo struct {
	sdkmetric.Exporter
	ch chan []string
}

func (e exportsTo) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, m.Name)
		}
	}
	select {
	case e.ch <- names:
	default:
	}
	return e.Exporter.Export(ctx, rm)
}

// TestFailingCallbackCostsNoExport: an observable callback that returns an
// error (a sensor the host does not have) costs nothing but its error: the
// scheduled exports, ForceFlush's and Shutdown's final one still carry
// every instrument, the failing callback's observation included, and
// ForceFlush and Shutdown return the callback's error. The SDK's periodic
// reader exported nothing while the callback failed.
func TestFailingCallbackCostsNoExport(t *testing.T) {
	handled := make(chan error, 1)
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		select {
		case handled <- err:
		default:
		}
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	exports := make(chan []string, 1)
	var buf syncBuffer
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console"), WithConsoleWriter(&buf), WithExportInterval(20*time.Millisecond),
		WithExporterWrapper(func(exp sdkmetric.Exporter) sdkmetric.Exporter { return exportsTo{exp, exports} }))
	if err != nil {
		t.Fatal(err)
	}
	errSensor := errors.New("sensor unreadable")
	meter := p.Meter("test")
	jobs, _ := meter.Int64Counter("jobs.done")
	_, _ = meter.Int64ObservableGauge("sensor.temperature", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(21)
		return errSensor
	}))
	jobs.Add(context.Background(), 1)
	want := []string{"jobs.done", "sensor.temperature"}
	check := func(when string, names []string) {
		t.Helper()
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Errorf("%s exported %v, want %v", when, names, want)
		}
	}

	select {
	case names := <-exports:
		check("the scheduled export", names)
	case <-time.After(10 * time.Second):
		t.Fatal("no scheduled export within 10 s (interval 20 ms)")
	}
	select {
	case err := <-handled:
		if !errors.Is(err, errSensor) {
			t.Errorf("the scheduled export reported %v, want the callback's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the scheduled export did not report the callback's error")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	flushed := make(chan error, 1)
	go func() { flushed <- p.ForceFlush(ctx) }()
	// A scheduled export may come first; ForceFlush's comes before it returns.
	for done := false; !done; {
		select {
		case names := <-exports:
			check("an export during ForceFlush", names)
		case err := <-flushed:
			if !errors.Is(err, errSensor) {
				t.Errorf("ForceFlush: %v, want the callback's error", err)
			}
			done = true
		}
	}
	if err := p.Shutdown(ctx); !errors.Is(err, errSensor) {
		t.Errorf("Shutdown: %v, want the callback's error", err)
	}
	if !strings.Contains(buf.String(), `"sensor.temperature"`) {
		t.Errorf("the console exporter wrote no sensor.temperature:\n%.500s", buf.String())
	}
}

// flushesCounted is an exporter wrapper that counts ForceFlush calls.
type flushesCounted struct {
	sdkmetric.Exporter
	n *atomic.Int64
}

func (e flushesCounted) ForceFlush(ctx context.Context) error {
	e.n.Add(1)
	return e.Exporter.ForceFlush(ctx)
}

// TestForceFlushFlushesDespiteFailingCallback: ForceFlush flushes the
// exporter after exporting a collection in which a callback failed, as it
// does after any export; it returned the callback's error without, and a
// buffering exporter kept what it held for as long as the callback failed.
func TestForceFlushFlushesDespiteFailingCallback(t *testing.T) {
	var flushes atomic.Int64
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console"), WithConsoleWriter(io.Discard), WithExportInterval(time.Hour),
		WithExporterWrapper(func(exp sdkmetric.Exporter) sdkmetric.Exporter { return flushesCounted{exp, &flushes} }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	errSensor := errors.New("sensor unreadable")
	_, _ = p.Meter("test").Int64ObservableGauge("sensor.temperature", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(21)
		return errSensor
	}))
	if err := p.ForceFlush(context.Background()); !errors.Is(err, errSensor) {
		t.Errorf("ForceFlush: %v, want the callback's error", err)
	}
	if n := flushes.Load(); n != 1 {
		t.Errorf("ForceFlush flushed the exporter %d times, want 1", n)
	}
}

// oneAtATime is an exporter wrapper of a program's that notes whether two
// of its exports ever ran at once, which the SDK's exporter contract rules
// out, and holds the next export, once armed, until released.
type oneAtATime struct {
	sdkmetric.Exporter
	calls, running   atomic.Int32
	overlapped       atomic.Bool
	armed            atomic.Bool
	entered, release chan struct{}
}

func (e *oneAtATime) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	e.calls.Add(1)
	if e.running.Add(1) > 1 {
		e.overlapped.Store(true)
	}
	defer e.running.Add(-1)
	if e.armed.CompareAndSwap(true, false) {
		close(e.entered)
		<-e.release
	}
	return e.Exporter.Export(ctx, rm)
}

// TestShutdownCutOffNotExportedConcurrently: when Shutdown's context ends
// while a ForceFlush's export holds the reader, Shutdown collects what was
// measured since but does not export it beside the export in progress:
// the SDK calls an exporter's Export one at a time, and a program's
// exporter may rely on that. Shutdown's error says the collection was not
// exported (exportwrap.ErrAbandoned) and counts its data points: the
// program's wrapper never sees them, and without otel.Init nothing else
// counts them. The cut-off collection was exported at once with the
// other, an exporter's second export while its first still ran; then its
// loss was an error without a count.
func TestShutdownCutOffNotExportedConcurrently(t *testing.T) {
	exp := &oneAtATime{entered: make(chan struct{}), release: make(chan struct{})}
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console"), WithConsoleWriter(io.Discard), WithExportInterval(time.Hour),
		WithExporterWrapper(func(e sdkmetric.Exporter) sdkmetric.Exporter { exp.Exporter = e; return exp }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	jobs, _ := p.Meter("test").Int64Counter("jobs.done")
	jobs.Add(ctx, 1)
	exp.armed.Store(true)
	flushed := make(chan error, 1)
	go func() { flushed <- p.ForceFlush(ctx) }()
	select {
	case <-exp.entered:
	case <-ctx.Done():
		t.Fatal("ForceFlush's export never started")
	}
	jobs.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", "late"))) // after its collection

	ended, end := context.WithCancel(ctx)
	end() // Shutdown's context ends before the export in progress does
	err = p.Shutdown(ended)
	if !errors.Is(err, exportwrap.ErrAbandoned) || !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want its context's end and the collection not exported", err)
	}
	if err == nil || !strings.Contains(err.Error(), "2 metric data points lost") { // jobs.done and kind=late, cumulative
		t.Errorf("Shutdown = %v, want it to count the 2 data points not exported", err)
	}
	close(exp.release)
	<-flushed
	if exp.overlapped.Load() || exp.calls.Load() != 1 {
		t.Errorf("%d exports, overlapping: %v; want ForceFlush's only, the cut-off collection not exported",
			exp.calls.Load(), exp.overlapped.Load())
	}
}

// TestAcquireTakesAFreeSemDespiteAnEndedContext: with sem free, acquire
// takes it even when ctx has ended. Shutdown with an ended context relies
// on holding sem, so that a ForceFlush waiting for it does not export
// beside the exporter's Shutdown; a select with both cases ready picked
// at random, and Shutdown went on without sem about every other time.
func TestAcquireTakesAFreeSemDespiteAnEndedContext(t *testing.T) {
	r := &periodicReader{sem: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 200 {
		if err := r.acquire(ctx); err != nil {
			t.Fatalf("attempt %d: acquire with sem free and ctx ended: %v", i, err)
		}
		r.release()
	}
	r.sem <- struct{}{} // held by another: the ended ctx is the answer
	if err := r.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire with sem held and ctx ended = %v, want context.Canceled", err)
	}
}

// TestShutdownBoundedDespiteHungExport: an exporter that ignores its
// context (a hung network write, a custom exporter's bug) and holds the
// scheduled export does not hold Shutdown past its context: Shutdown
// returns soon after, collects what was measured all the same and counts
// it in its error as not exported, and names the export still in
// progress. It waited for the scheduled export to return, forever with an
// exporter that never does. Once the export returns, the loop ends (no
// goroutine is left), and the exporter got no export beside it nor after
// its Shutdown.
func TestShutdownBoundedDespiteHungExport(t *testing.T) {
	before := goleak.IgnoreCurrent()
	gate := hang.New()
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console"), WithConsoleWriter(io.Discard), WithExportInterval(10*time.Millisecond),
		WithExporterWrapper(gate.Metrics))
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Release() // also when the test fails early
	jobs, _ := p.Meter("test").Int64Counter("jobs.done")
	jobs.Add(context.Background(), 1)
	gate.Arm()
	if n := gate.Entered(t, 10*time.Second); n != 1 {
		t.Fatalf("the held export carries %d data points, want 1 (jobs.done)", n)
	}
	jobs.Add(context.Background(), 1, metric.WithAttributes(attribute.String("kind", "late"))) // after its collection
	calls := gate.Calls()

	err = hang.Shutdown(t, p.Shutdown, gate.Release)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, exportwrap.ErrAbandoned) {
		t.Errorf("Shutdown = %v, want its deadline and the cut-off collection not exported", err)
	}
	if err == nil || !strings.Contains(err.Error(), "2 metric data points lost") { // jobs.done and kind=late, cumulative
		t.Errorf("Shutdown = %v, want it to count the 2 data points not exported", err)
	}
	if !errors.Is(err, batch.ErrExportInProgress) || !strings.Contains(err.Error(), "1 metric data points not known to be exported") {
		t.Errorf("Shutdown = %v, want it to name the hung export of 1 data point", err)
	}
	gate.Release()
	goleak.VerifyNone(t, before) // the loop returned from the export and ended
	if gate.Overlapped() || gate.Calls() != calls {
		t.Errorf("%d exports after the hung one began (overlapping: %v); want none: the cut-off collection is not exported, and nothing after Shutdown",
			gate.Calls()-calls, gate.Overlapped())
	}
}

// serialized is an exporter shaped like the SDK's OTLP metric exporters
// (otlpmetricgrpc, otlpmetrichttp): one mutex held across each Export,
// which Shutdown takes too, so that its Shutdown waits for an export in
// progress. It notes an export that begins after its Shutdown.
type serialized struct {
	sdkmetric.Exporter
	mu          sync.Mutex
	shutdowns   atomic.Int32
	afterShut   atomic.Bool
	shutdownRan chan struct{} // closed by the first Shutdown
}

func (e *serialized) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.shutdowns.Load() > 0 {
		e.afterShut.Store(true)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Exporter.Export(ctx, rm)
}

func (e *serialized) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdowns.Add(1) == 1 {
		close(e.shutdownRan)
	}
	return e.Exporter.Shutdown(ctx)
}

// TestShutdownBoundedDespiteHungExportHoldingTheExporter: an exporter
// whose Shutdown waits for its export in progress, as the SDK's OTLP
// metric exporters' does, does not hold Shutdown either when that export
// ignores its context: Shutdown shuts it down beside the export but waits
// for that only a moment, names the export still in progress, and the
// exporter's Shutdown completes once the export returns (once, with no
// export after it, and no goroutine left). Shutdown waited for the
// exporter's Shutdown, and so for the hung export, however long it hung.
func TestShutdownBoundedDespiteHungExportHoldingTheExporter(t *testing.T) {
	before := goleak.IgnoreCurrent()
	gate := hang.New()
	defer gate.Release() // also when the test fails early
	exp := &serialized{shutdownRan: make(chan struct{})}
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithExporter("console"), WithConsoleWriter(io.Discard), WithExportInterval(10*time.Millisecond),
		WithExporterWrapper(gate.Metrics), // inside exp's mutex
		WithExporterWrapper(func(e sdkmetric.Exporter) sdkmetric.Exporter { exp.Exporter = e; return exp }))
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := p.Meter("test").Int64Counter("jobs.done")
	jobs.Add(context.Background(), 1)
	gate.Arm()
	gate.Entered(t, 10*time.Second) // inside exp's Export, which holds its mutex

	err = hang.Shutdown(t, p.Shutdown, gate.Release)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, batch.ErrExportInProgress) {
		t.Errorf("Shutdown = %v, want its deadline and the export still in progress", err)
	}
	gate.Release()
	select {
	case <-exp.shutdownRan:
	case <-time.After(10 * time.Second):
		t.Fatal("the exporter was not shut down within 10 s of its export's return")
	}
	goleak.VerifyNone(t, before) // the loop and the exporter's Shutdown ended
	if n := exp.shutdowns.Load(); n != 1 || exp.afterShut.Load() || gate.Overlapped() {
		t.Errorf("exporter shut down %d times, an export after it: %v, two at once: %v; want once, neither",
			n, exp.afterShut.Load(), gate.Overlapped())
	}
}

// TestNoTickReportedAfterShutdown: once Shutdown has stopped the
// schedule, the loop reports the error of the export it was in (once it
// returns) and nothing more. When a tick was due as that export returned
// (always, after an export that outlived Shutdown), the loop took it half
// the time and reported a bare "context canceled" of an export it did not
// make, an error line in the program's log after its Shutdown. Ten rounds
// make that a failure here but once in a thousand runs.
func TestNoTickReportedAfterShutdown(t *testing.T) {
	for round := range 10 {
		before := goleak.IgnoreCurrent()
		gate := hang.New()
		p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
			WithExporter("console"), WithConsoleWriter(io.Discard), WithExportInterval(time.Millisecond),
			WithExporterWrapper(gate.Metrics))
		if err != nil {
			t.Fatal(err)
		}
		jobs, _ := p.Meter("test").Int64Counter("jobs.done")
		jobs.Add(context.Background(), 1)
		gate.Arm()
		gate.Entered(t, 10*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond) // a tick is due by then
		_ = p.Shutdown(ctx)
		cancel()

		var mu sync.Mutex
		var handled []error
		prev := otel.GetErrorHandler()
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { mu.Lock(); handled = append(handled, err); mu.Unlock() }))
		gate.Release()
		goleak.VerifyNone(t, before) // the loop returned
		otel.SetErrorHandler(prev)
		mu.Lock()
		if len(handled) != 1 {
			t.Errorf("round %d: the loop reported %v after Shutdown, want the hung export's error only", round, handled)
		}
		mu.Unlock()
	}
}
