package w3c

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/propagation"
)

// A carrier may hold trace context before Inject: a request the caller
// built with a traceparent and tracestate of its own, a message passed on
// with its producer's. The SDK's TraceContext writes traceparent over the
// old one, but tracestate only when the context's trace state is not
// empty, so the old tracestate would go out beside a traceparent of
// another trace. injectOver removes it then. Baggage is not tied to a
// trace: the caller's stays unless the context has baggage, which the
// Baggage propagator writes over it.

// hasField reports whether c holds f, under its canonical name in an
// http.Header, under any spelling in a MapCarrier, as Get finds it
// otherwise. It allocates nothing.
func hasField(c propagation.TextMapCarrier, f Field) bool {
	switch hc := c.(type) {
	case propagation.HeaderCarrier:
		return len(hc[canonicalNames[f]]) > 0
	case HeaderCarrier:
		return len(hc[canonicalNames[f]]) > 0
	}
	return c.Get(fieldNames[f]) != ""
}

// injectOver injects with next into c, which holds a tracestate, and
// removes that tracestate when next writes a traceparent and no
// tracestate. It is the rare path (the watch costs an allocation).
func injectOver(ctx context.Context, next propagation.TextMapPropagator, c propagation.TextMapCarrier) {
	w := &watch{TextMapCarrier: c}
	next.Inject(ctx, w)
	if w.set[TraceParent] && !w.set[TraceState] {
		clearField(c, TraceState)
	}
}

// watch passes Set on to its carrier and notes which W3C fields were set.
type watch struct {
	propagation.TextMapCarrier
	set [numFields]bool
}

func (w *watch) Set(key, value string) {
	if f, ok := fieldOf(key); ok {
		w.set[f] = true
	}
	w.TextMapCarrier.Set(key, value)
}

// clearField removes f from c: from a map (from a MapCarrier under every
// spelling, as it reads them); a carrier that cannot delete (otelgrpc's
// gRPC metadata) gets an empty value, as boundField sets one: vendors MUST
// accept an empty tracestate (Trace Context, "tracestate Header Field
// Values").
func clearField(c propagation.TextMapCarrier, f Field) {
	switch hc := c.(type) {
	case propagation.HeaderCarrier:
		delete(hc, canonicalNames[f])
	case HeaderCarrier:
		delete(hc, canonicalNames[f])
	case MapCarrier:
		deleteFold(hc, fieldNames[f])
	case propagation.MapCarrier:
		delete(hc, fieldNames[f]) // its Get and Set match names exactly
	default:
		c.Set(fieldNames[f], "")
	}
}

// deleteFold deletes key from m under every spelling.
func deleteFold(m map[string]string, key string) {
	for k := range m {
		if strings.EqualFold(k, key) {
			delete(m, k)
		}
	}
}
