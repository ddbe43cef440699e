// Package spanhook lets a package that tracing must not import (logging)
// act when tracing.Start starts a span in a context that asked for it:
// logging.WithBuffer puts a Hook in a context, and the next tracing.Start
// in that context hands the new span to it, which may return a context
// and a span of its own (a buffered unit of work, ended with the span).
//
// tracing imports this package and nothing of logging; logging imports it
// and nothing of tracing. It holds the context key and one flag, so that
// tracing.Start in a process where no context ever held a hook costs one
// atomic load.
package spanhook

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
)

// Hook acts on a span tracing.Start has just started in a context that
// carries the hook.
type Hook interface {
	// SpanStarted returns the context and span tracing.Start hands to its
	// caller: ctx and span themselves, or copies that carry more.
	SpanStarted(ctx context.Context, span trace.Span) (context.Context, trace.Span)
}

type key struct{}

// used is set once a context has carried a hook; until then Started does
// not look in the context at all.
var used atomic.Bool

// With returns a copy of ctx carrying h.
func With(ctx context.Context, h Hook) context.Context {
	used.Store(true)
	return context.WithValue(ctx, key{}, h)
}

// Started hands span, just started in ctx, to the hook ctx carries, and
// returns what the hook returns; without a hook, ctx and span.
func Started(ctx context.Context, span trace.Span) (context.Context, trace.Span) {
	if !used.Load() {
		return ctx, span
	}
	if h, ok := ctx.Value(key{}).(Hook); ok && h != nil {
		return h.SpanStarted(ctx, span)
	}
	return ctx, span
}
