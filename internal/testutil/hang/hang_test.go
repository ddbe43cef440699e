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
