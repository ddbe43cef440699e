package w3c

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
)

// Propagator returns next with the W3C fields normalised in front of it:
// Extract hands next a carrier whose traceparent, tracestate and baggage
// follow NormalizeTraceParent, NormalizeTraceState and NormalizeBaggage, and
// Inject bounds what next wrote with BoundTraceState and BoundBaggage. Other
// fields (B3, Jaeger, ...) pass through untouched, so next may be any
// propagator, composite or not. A nil next is returned as nil.
func Propagator(next propagation.TextMapPropagator) propagation.TextMapPropagator {
	switch p := next.(type) {
	case nil:
		return nil
	case propagator:
		return p
	}
	return propagator{&wrapped{next: next}}
}

// propagator holds a pointer so that its values compare by identity
// (otel's Shutdown asks whether the global is still the one Init
// installed): next may be a composite, a slice, which == panics on.
type propagator struct{ *wrapped }

type wrapped struct{ next propagation.TextMapPropagator }

var _ propagation.TextMapPropagator = propagator{}

// Extract implements propagation.TextMapPropagator.
func (p propagator) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	switch hc := c.(type) {
	case propagation.HeaderCarrier:
		return p.next.Extract(ctx, HeaderCarrier(hc))
	case nil, HeaderCarrier, *carrier, *Carrier:
		return p.next.Extract(ctx, c)
	}
	return p.next.Extract(ctx, &carrier{c: c})
}

// Inject implements propagation.TextMapPropagator. A tracestate the
// carrier held already is removed when next writes a traceparent but no
// tracestate (the context's trace state is empty): it belongs to the
// traceparent it came with, which the new one replaces (stale.go).
func (p propagator) Inject(ctx context.Context, c propagation.TextMapCarrier) {
	if c != nil && hasField(c, TraceState) {
		injectOver(ctx, p.next, c)
	} else {
		p.next.Inject(ctx, c)
	}
	switch hc := c.(type) {
	case nil:
	case propagation.HeaderCarrier:
		boundHeader(http.Header(hc), TraceState, BoundTraceState)
		boundHeader(http.Header(hc), Baggage, BoundBaggage)
	default:
		boundField(c, TraceState, BoundTraceState)
		boundField(c, Baggage, BoundBaggage)
	}
}

// Fields implements propagation.TextMapPropagator.
func (p propagator) Fields() []string { return p.next.Fields() }

// boundHeader applies bound to a header field, looked up under its
// canonical name (no allocation when the field is absent or fits).
func boundHeader(h http.Header, f Field, bound func(string) (string, Drop)) {
	lines := h[canonicalNames[f]]
	if len(lines) != 1 {
		return // absent, or several lines a caller set itself
	}
	v, d := bound(lines[0])
	if d == 0 {
		return
	}
	record(f, d)
	if v == "" {
		delete(h, canonicalNames[f])
		return
	}
	h[canonicalNames[f]] = []string{v}
}

func boundField(c propagation.TextMapCarrier, f Field, bound func(string) (string, Drop)) {
	v, d := bound(c.Get(fieldNames[f]))
	if d != 0 {
		record(f, d)
		c.Set(fieldNames[f], v)
	}
}
