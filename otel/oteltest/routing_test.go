package oteltest_test

import (
	"context"
	"testing"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel/oteltest"
	"github.com/otelkit/otelkit/tracing"
)

// TestNoContextWhileSeveralRun: while two tests are live, a span started
// from a context of neither reaches neither, and is counted.
func TestNoContextWhileSeveralRun(t *testing.T) {
	a, b := oteltest.New(t), oteltest.New(t)
	before := oteltest.Unrouted()
	_, span := tracing.Start(context.Background(), "orphan")
	span.End()
	logging.FromContext(context.Background()).Info("orphan_line")
	if len(a.Spans())+len(b.Spans()) != 0 {
		t.Errorf("an orphan span reached a test: %d, %d", len(a.Spans()), len(b.Spans()))
	}
	for _, tel := range []*oteltest.Telemetry{a, b} {
		for _, l := range tel.LogLines(t) {
			if l["msg"] == "orphan_line" {
				t.Error("an orphan line reached a test")
			}
		}
	}
	after := oteltest.Unrouted()
	if after.Spans != before.Spans+1 || after.Logs != before.Logs+1 {
		t.Errorf("unrouted %+v -> %+v, want one more span and line", before, after)
	}
}

// TestEndedTestReachesNoOther: work that outlives its test, from its
// context or in its trace, reaches no later test, not even the only one
// running.
func TestEndedTestReachesNoOther(t *testing.T) {
	var oldCtx, oldSpanCtx context.Context
	t.Run("ended", func(t *testing.T) {
		old := oteltest.New(t)
		oldCtx = old.Context()
		ctx, s := tracing.Start(old.Context(), "parent")
		s.End()
		oldSpanCtx = context.WithoutCancel(ctx)
	})
	tel := oteltest.New(t)
	for _, ctx := range []context.Context{context.WithoutCancel(oldCtx), oldSpanCtx} {
		_, s := tracing.Start(ctx, "late")
		s.End()
		logging.FromContext(ctx).Info("late_line")
	}
	if n := len(tel.Spans()); n != 0 {
		t.Errorf("%d spans of an ended test reached this one", n)
	}
	for _, l := range tel.LogLines(t) {
		if l["msg"] == "late_line" {
			t.Error("a line of an ended test reached this one")
		}
	}
	// The only test running still gets what has no context at all.
	_, s := tracing.Start(context.Background(), "mine")
	s.End()
	if n := len(tel.Spans()); n != 1 {
		t.Errorf("%d spans, want the one started without a context", n)
	}
}
