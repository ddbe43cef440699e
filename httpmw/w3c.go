package httpmw

import (
	"go.opentelemetry.io/otel/propagation"

	"github.com/otelkit/otelkit/internal/w3c"
)

// propagatorOf is what Handler, Middleware and Transport give otelhttp: the
// configured propagators (the global one, looked up per request, by
// default) behind internal/w3c, which reads every traceparent, tracestate
// and baggage line as W3C Trace Context Level 2 and W3C Baggage say, drops
// oversized fields before they are parsed, and bounds what is sent on. See
// the package documentation, "Trace context".
func propagatorOf(cfg config) propagation.TextMapPropagator {
	if cfg.propagators != nil {
		return w3c.Propagator(cfg.propagators)
	}
	return w3c.Propagator(globalPropagator{})
}
