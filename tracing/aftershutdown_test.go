package tracing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// dropCounts collects what a provider reports to WithDropHandler.
type dropCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *dropCounts) handle(reason string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[reason] += n
}

func (d *dropCounts) get() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int{}
	for k, v := range d.n {
		out[k] = v
	}
	return out
}

// countExporter counts the spans exported to it (the SDK's in-memory
// exporter forgets them at Shutdown).
type countExporter struct{ n atomic.Int64 }

func (e *countExporter) ExportSpans(_ context.Context, s []sdktrace.ReadOnlySpan) error {
	e.n.Add(int64(len(s)))
	return nil
}
func (*countExporter) Shutdown(context.Context) error { return nil }

// newCountingTP builds a provider exporting to exp with the default
// sampler (parentbased_always_on), its drops counted in drops.
func newCountingTP(t *testing.T, exp sdktrace.SpanExporter, drops *dropCounts) *Provider {
	t.Helper()
	p, err := NewTracerProvider(context.Background(), WithSpanExporter(exp), WithDropHandler(drops.handle),
		WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

// unsampledParent is a context whose remote parent was not sampled: the
// default sampler does not sample its children.
var unsampledParent = trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
	TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}}))

// TestSpansBegunAfterShutdownCounted: a sampled span begun after Shutdown,
// from a tracer obtained before it (as otelhttp and otelgrpc keep one) or
// from Provider.Tracer after it (as the middleware asks the global provider
// per request), is counted once as after_shutdown; still with IDs and
// sampled, so that logs and the next service keep the trace. An unsampled
// one is not lost, and not counted; the span still open at Shutdown is
// counted once.
func TestSpansBegunAfterShutdownCounted(t *testing.T) {
	var drops dropCounts
	p := newCountingTP(t, &countExporter{}, &drops)
	before := p.TracerProvider().Tracer("before")
	_, open := before.Start(context.Background(), "open")
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	open.End()
	if got := drops.get(); got[DropAfterShutdown] != 1 || len(got) != 1 {
		t.Fatalf("drops %v, want the open span as after_shutdown", got)
	}
	for name, tracer := range map[string]trace.Tracer{"obtained before": before, "obtained after": p.Tracer("after")} {
		_, span := tracer.Start(context.Background(), "late")
		span.End()
		_, unsampled := tracer.Start(unsampledParent, "late_unsampled")
		unsampled.End()
		if sc := span.SpanContext(); !sc.IsValid() || !sc.IsSampled() {
			t.Errorf("%s: span context %v, want IDs and sampled as before Shutdown", name, sc)
		}
	}
	if got := drops.get(); got[DropAfterShutdown] != 3 || len(got) != 1 {
		t.Errorf("drops %v, want after_shutdown 3: the open span and one sampled span per tracer", got)
	}
}

// TestProviderTracerBeforeShutdown: before Shutdown, Provider.Tracer is the
// SDK provider's tracer, and its spans are exported, not counted.
func TestProviderTracerBeforeShutdown(t *testing.T) {
	var drops dropCounts
	exp := &countExporter{}
	p := newCountingTP(t, exp, &drops)
	if got, want := p.Tracer("t"), p.TracerProvider().Tracer("t"); got != want {
		t.Errorf("Tracer = %T, want the SDK provider's %T", got, want)
	}
	_, span := p.Tracer("t").Start(context.Background(), "s")
	span.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if exp.n.Load() != 1 || len(drops.get()) != 0 {
		t.Errorf("exported %d, drops %v; want the span exported", exp.n.Load(), drops.get())
	}
}

// TestSpansAroundShutdownCountedOnce: spans begun before, during and after
// Shutdown, from several goroutines, are each exported or counted lost,
// exactly once.
func TestSpansAroundShutdownCountedOnce(t *testing.T) {
	const workers, perPhase = 4, 100
	var drops dropCounts
	exp := &countExporter{}
	p := newCountingTP(t, exp, &drops)
	tracer := p.TracerProvider().Tracer("t")
	begun, shut := make(chan struct{}, workers), make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			spans := func() {
				for range perPhase {
					_, s := tracer.Start(context.Background(), "s")
					s.End()
					_, g := p.Tracer("global").Start(context.Background(), "g")
					g.End()
				}
			}
			spans() // before
			begun <- struct{}{}
			spans() // while Shutdown runs
			<-shut
			spans() // after
		})
	}
	for range workers {
		<-begun
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(shut)
	wg.Wait()
	lost := 0
	for _, n := range drops.get() {
		lost += n
	}
	if total := 3 * workers * perPhase * 2; int(exp.n.Load())+lost != total {
		t.Errorf("exported %d + lost %v != %d spans begun", exp.n.Load(), drops.get(), total)
	}
}

// TestCountingSamplerKeepsDescription: the sampler the provider counts
// through describes itself as the sampler it wraps.
func TestCountingSamplerKeepsDescription(t *testing.T) {
	inner := sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.25))
	sp, s := newSpanProcessor(&countExporter{}, spanBatchDefaults, inner)
	defer func() { _ = sp.Shutdown(context.Background()) }()
	if s.Description() != inner.Description() {
		t.Errorf("Description %q, want %q", s.Description(), inner.Description())
	}
}

// TestProviderTracerNil: a nil or zero Provider gives a no-op tracer; one
// without exporter gives the SDK's, a no-op one after Shutdown (nothing
// is exported, so nothing is lost).
func TestProviderTracerNil(t *testing.T) {
	for name, p := range map[string]*Provider{"nil": nil, "zero": {}} {
		if _, ok := p.Tracer("t").(noop.Tracer); !ok {
			t.Errorf("%s: Tracer = %T, want a no-op tracer", name, p.Tracer("t"))
		}
	}
	p, err := NewTracerProvider(context.Background(), WithExporter("none"), WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	_ = p.Shutdown(context.Background())
	if _, ok := p.Tracer("t").(noop.Tracer); !ok {
		t.Errorf("without exporter, after Shutdown: Tracer = %T, want the SDK's no-op tracer", p.Tracer("t"))
	}
}

// BenchmarkCountingSampler: what counting adds to every span start, the
// provider's sampler with and without it, in the same run (before this
// count, the batch processor's OnStart paid the same atomic add).
func BenchmarkCountingSampler(b *testing.B) {
	inner := sdktrace.ParentBased(sdktrace.AlwaysSample())
	sp, counting := newSpanProcessor(&countExporter{}, spanBatchDefaults, inner)
	defer func() { _ = sp.Shutdown(context.Background()) }()
	params := sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: trace.TraceID{1}, Name: "s"}
	for name, s := range map[string]sdktrace.Sampler{"sdk": inner, "counting": counting} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.ShouldSample(params)
			}
		})
	}
}

// TestShutdownWithContextDoneCounts: Shutdown given a context already
// done still stops the batch processor: the span it holds is counted as
// shutdown, the span still open and one begun after as after_shutdown.
// The SDK provider skipped its processors then: they were lost uncounted,
// and the processor's goroutine ran for ever (goleak).
func TestShutdownWithContextDoneCounts(t *testing.T) {
	var drops dropCounts
	exp := &countExporter{}
	p := newCountingTP(t, exp, &drops)
	tracer := p.Tracer("t")
	_, queued := tracer.Start(context.Background(), "queued")
	queued.End()
	_, open := tracer.Start(context.Background(), "open")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want context.Canceled", err)
	}
	open.End()
	_, late := p.Tracer("t").Start(context.Background(), "late")
	late.End()
	got := drops.get()
	if got[DropShutdown]+int(exp.n.Load()) != 1 || got[DropAfterShutdown] != 2 {
		t.Errorf("exported %d, drops %v; want the queued span exported or counted as shutdown, 2 after_shutdown", exp.n.Load(), got)
	}
}

// blockingExporter holds every export until release is closed or the
// export's context ends.
type blockingExporter struct{ release chan struct{} }

func (e blockingExporter) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	select {
	case <-e.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (blockingExporter) Shutdown(context.Context) error { return nil }

// TestDropHandlerPanicIsHandled: a WithDropHandler handler that panics
// costs nothing but its report, which goes to otel.Handle: the panic came
// out of the span's End (a full queue), Shutdown and the Start of a span
// after it (after_shutdown), and, on the batch processor's goroutine
// (shutdown), ended the process.
func TestDropHandlerPanicIsHandled(t *testing.T) {
	var mu sync.Mutex
	var handled []string
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { mu.Lock(); handled = append(handled, err.Error()); mu.Unlock() }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	exp := blockingExporter{release: make(chan struct{})}
	p, err := NewTracerProvider(context.Background(), WithSpanExporter(exp),
		WithDropHandler(func(reason string, _ int) { panic("handler bug: " + reason) }),
		lookup(map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	tracer := p.Tracer("t")
	for range 3 { // one in the export, one queued: at least one finds the queue full
		_, span := tracer.Start(context.Background(), "s")
		span.End()
	}
	close(exp.release)
	_, open := tracer.Start(context.Background(), "open")
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	open.End()
	_, late := p.Tracer("t").Start(context.Background(), "late")
	late.End()
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"the drop handler panicked: handler bug: queue_full", "the drop handler panicked: handler bug: after_shutdown"} {
		if !slices.ContainsFunc(handled, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("otel.Handle got %q, want %q", handled, want)
		}
	}
}
