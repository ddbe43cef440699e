// Package hang holds an export on cue, ignoring its context as a hung
// network write or an exporter's bug does: for the tests of what Shutdown
// does when an export never returns. A Gate wraps an exporter of any of
// the three signals the way a program's WithExporterWrapper would.
package hang

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/exportwrap"
)

// Gate holds the first export of some items after Arm until Release,
// whatever its context says. An export of nothing goes through: the
// periodic metric reader exports an empty collection too, and one made
// just before a test measured must not be the held one, which the test
// takes for an export of what it measured. It notes how many exports began and whether two ever ran
// at once, which the SDK's exporter contract rules out.
type Gate struct {
	armed      atomic.Bool
	entered    chan int // the held export's items
	release    chan struct{}
	released   sync.Once
	calls      atomic.Int32
	running    atomic.Int32
	overlapped atomic.Bool
}

// New returns a gate, not armed.
func New() *Gate {
	return &Gate{entered: make(chan int, 1), release: make(chan struct{})}
}

// Arm makes the next export of some items hang until Release.
func (g *Gate) Arm() { g.armed.Store(true) }

// Entered waits up to within for the held export to begin and returns its
// items (spans, metric data points, log records); past within it fails
// the test.
func (g *Gate) Entered(t testing.TB, within time.Duration) int {
	t.Helper()
	select {
	case n := <-g.entered:
		return n
	case <-time.After(within):
		t.Fatalf("no export began within %v", within)
		return 0
	}
}

// Release lets the held export go on (and any later one through). Safe to
// call more than once.
func (g *Gate) Release() { g.released.Do(func() { close(g.release) }) }

// Calls returns how many exports began.
func (g *Gate) Calls() int { return int(g.calls.Load()) }

// Overlapped reports whether two exports ever ran at once.
func (g *Gate) Overlapped() bool { return g.overlapped.Load() }

// around runs export, held first when the gate is armed.
func (g *Gate) around(n int, export func() error) error {
	g.calls.Add(1)
	if g.running.Add(1) > 1 {
		g.overlapped.Store(true)
	}
	defer g.running.Add(-1)
	if n > 0 && g.armed.CompareAndSwap(true, false) {
		g.entered <- n
		<-g.release
	}
	return export()
}

// Spans returns exp held by g.
func (g *Gate) Spans(exp sdktrace.SpanExporter) sdktrace.SpanExporter { return spans{exp, g} }

// Metrics returns exp held by g.
func (g *Gate) Metrics(exp sdkmetric.Exporter) sdkmetric.Exporter { return metrics{exp, g} }

// Logs returns exp held by g.
func (g *Gate) Logs(exp sdklog.Exporter) sdklog.Exporter { return logs{exp, g} }

type spans struct {
	sdktrace.SpanExporter
	g *Gate
}

func (e spans) ExportSpans(ctx context.Context, s []sdktrace.ReadOnlySpan) error {
	return e.g.around(len(s), func() error { return e.SpanExporter.ExportSpans(ctx, s) })
}

type metrics struct {
	sdkmetric.Exporter
	g *Gate
}

func (e metrics) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return e.g.around(exportwrap.DataPoints(rm), func() error { return e.Exporter.Export(ctx, rm) })
}

type logs struct {
	sdklog.Exporter
	g *Gate
}

func (e logs) Export(ctx context.Context, r []sdklog.Record) error {
	return e.g.around(len(r), func() error { return e.Exporter.Export(ctx, r) })
}

// Shutdown calls shutdown with a context that ends after 200 ms and
// returns its error. Should it still run after 2 s, it waits for a held
// export: the test fails, once release has let that export, and so
// shutdown and the test, end.
func Shutdown(t testing.TB, shutdown func(context.Context) error, release func()) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- shutdown(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Second):
		release()
		<-done
		t.Fatal("Shutdown with a 200 ms deadline still running after 2 s: it waits for a held export")
		return nil
	}
}
