package tracing

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// Inject writes the trace context and baggage of ctx into headers (for
// example a queue message's headers) with the global propagator, which
// otel.Init sets from OTEL_PROPAGATORS (default tracecontext, baggage). A
// nil map is left alone.
func Inject(ctx context.Context, headers map[string]string) {
	if headers == nil {
		return
	}
	otel.GetTextMapPropagator().Inject(ctx, propagation.MapCarrier(headers))
}

// Extract returns ctx with the trace context and baggage found in headers,
// so a span started from it continues the producer's trace. Invalid or
// missing headers leave ctx as it was.
func Extract(ctx context.Context, headers map[string]string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if len(headers) == 0 {
		return ctx
	}
	return otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier(headers))
}
