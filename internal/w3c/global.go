package w3c

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// Configured returns Propagator(p), or Global when p is nil: the
// propagator of a transport whose user may have given it propagators.
func Configured(p propagation.TextMapPropagator) propagation.TextMapPropagator {
	if p == nil {
		return Global()
	}
	return Propagator(p)
}

// Global returns Propagator in front of the OpenTelemetry global
// propagator, looked up on every call (otel.GetTextMapPropagator): what a
// transport (httpmw, grpcmw) uses when it is given no propagators, so that
// one built before otel.Init follows the propagator Init installs.
func Global() propagation.TextMapPropagator { return globalPropagator }

var globalPropagator = propagator{&wrapped{next: global{}}}

// global forwards to the OpenTelemetry global propagator at call time.
type global struct{}

func (global) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	otel.GetTextMapPropagator().Inject(ctx, carrier)
}

func (global) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, carrier)
}

func (global) Fields() []string { return otel.GetTextMapPropagator().Fields() }
