package hang

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestGateHoldsTheArmedExportPastItsContext: the export after Arm waits
// for Release although its context has ended, reports its size; the next
// export goes through; an export beside the held one is noted.
func TestGateHoldsTheArmedExportPastItsContext(t *testing.T) {
	g := New()
	defer g.Release()
	exp := g.Spans(tracetest.NewInMemoryExporter())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := exp.ExportSpans(ctx, nil); err != nil || g.Calls() != 1 {
		t.Fatalf("an export before Arm: %v, %d calls; want it through at once", err, g.Calls())
	}
	g.Arm()
	held := make(chan error, 1)
	go func() { held <- exp.ExportSpans(ctx, make([]sdktrace.ReadOnlySpan, 2)) }()
	if n := g.Entered(t, 10*time.Second); n != 2 {
		t.Errorf("the held export carries %d spans, want 2", n)
	}
	if err := exp.ExportSpans(context.Background(), nil); err != nil || !g.Overlapped() {
		t.Errorf("an export beside the held one: %v, overlapped %v; want it through and noted", err, g.Overlapped())
	}
	select {
	case err := <-held:
		t.Fatalf("the held export returned %v before Release", err)
	default:
	}
	g.Release()
	if err := <-held; err != nil {
		t.Errorf("the held export returned %v once released", err)
	}
	if g.Calls() != 3 {
		t.Errorf("%d calls, want 3", g.Calls())
	}
}

// TestGateLetsAnEmptyExportThrough: an armed gate holds the first export
// of some items, not an export of nothing before it (a metric collection
// made just before a test measured, which the reader exports all the
// same).
func TestGateLetsAnEmptyExportThrough(t *testing.T) {
	g := New()
	defer g.Release() // also when the test fails early
	exp := g.Spans(tracetest.NewInMemoryExporter())
	g.Arm()
	empty := make(chan error, 1)
	go func() { empty <- exp.ExportSpans(context.Background(), nil) }()
	select {
	case err := <-empty:
		if err != nil {
			t.Errorf("the empty export returned %v", err)
		}
	case n := <-g.entered:
		t.Fatalf("the export of %d spans was held, want it through", n)
	}
	full := make(chan error, 1)
	go func() { full <- exp.ExportSpans(context.Background(), make([]sdktrace.ReadOnlySpan, 2)) }()
	if n := g.Entered(t, 10*time.Second); n != 2 {
		t.Errorf("the held export carries %d spans, want 2", n)
	}
	g.Release()
	if err := <-full; err != nil {
		t.Errorf("the held export returned %v once released", err)
	}
}
