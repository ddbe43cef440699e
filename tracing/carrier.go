package tracing

import (
	"context"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/w3c"
)

// Inject writes the trace context and baggage of ctx into headers (for
// example a queue message's headers) with the global propagator, which
// otel.Init sets from OTEL_PROPAGATORS (default tracecontext, baggage). A
// tracestate or baggage over the W3C limits (8192 bytes; 64 baggage
// members) is cut to them as the specifications say. A field is written
// in place of the one headers held under any spelling (a message passed
// on may carry its producer's "Traceparent"), since Extract reads every
// spelling. A tracestate headers held is removed when the context has a
// span but no tracestate, as it belongs to the traceparent replaced; the
// baggage headers held is replaced only when the context has baggage. A
// nil map is left alone.
func Inject(ctx context.Context, headers map[string]string) {
	if headers == nil {
		return
	}
	ctx = option.Context(ctx)
	w3cGlobal.Inject(ctx, w3c.MapCarrier(headers))
}

// Extract returns ctx with the trace context and baggage found in headers,
// so a span started from it continues the producer's trace. Header names
// match without regard to case. traceparent, tracestate and baggage are read
// as W3C Trace Context Level 2 and W3C Baggage say: invalid members are
// dropped one by one, and a field over its size limit is dropped unread (see
// the httpmw package documentation, "Trace context"). Invalid or missing
// headers leave ctx as it was.
func Extract(ctx context.Context, headers map[string]string) context.Context {
	ctx = option.Context(ctx)
	if len(headers) == 0 {
		return ctx
	}
	return w3cGlobal.Extract(ctx, w3c.MapCarrier(headers))
}

// w3cGlobal is the global propagator, looked up at each call, behind
// internal/w3c: the one httpmw and grpcmw use when given no propagators.
var w3cGlobal = w3c.Global()
