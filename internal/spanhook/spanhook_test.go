package spanhook

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

type markKey struct{}

type noopSpan struct{ noop.Span } // a pointer: comparable

// hook marks the context it is handed and counts its calls.
type hook struct{ calls int }

func (h *hook) SpanStarted(ctx context.Context, span trace.Span) (context.Context, trace.Span) {
	h.calls++
	return context.WithValue(ctx, markKey{}, true), span
}

func TestStarted(t *testing.T) {
	span := &noopSpan{}
	plain := context.Background()
	if ctx, sp := Started(plain, span); ctx != plain || sp != span {
		t.Error("without a hook, Started changed the context or span")
	}
	h := &hook{}
	ctx := With(plain, h)
	got, sp := Started(ctx, span)
	if h.calls != 1 || got.Value(markKey{}) != true || sp != span {
		t.Errorf("the hook was not asked: %d calls", h.calls)
	}
	// A context derived from one with a hook still carries it.
	if Started(context.WithValue(ctx, markKey{}, 1), span); h.calls != 2 {
		t.Errorf("a derived context lost the hook: %d calls", h.calls)
	}
	if ctx, _ := Started(plain, span); ctx != plain || h.calls != 2 {
		t.Error("a context without the hook reached it")
	}
}
