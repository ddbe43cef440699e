package otel

import (
	"go.opentelemetry.io/otel/propagation"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/propagators"
)

const envPropagators = "OTEL_PROPAGATORS"

// propagators returns WithPropagators' propagator, else the one
// OTEL_PROPAGATORS names (default tracecontext,baggage). "none" anywhere
// in the list means no propagation. An unknown name is a ConfigError
// naming every unknown one.
//
// xray is refused with its own explanation: its contrib module
// (go.opentelemetry.io/contrib/propagators/aws) is deprecated and
// unsupported since contrib v1.47.0, and supporting it here would link it
// into every program that calls Init. A service that needs X-Ray headers
// passes that propagator itself with WithPropagators.
func (c config) propagators(src env.Source) (propagation.TextMapPropagator, error) {
	if c.propagator != nil {
		return c.propagator, nil
	}
	names, set := src.List(envPropagators)
	if !set || len(names) == 0 {
		return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}), nil
	}
	prop, unknown := propagators.Build(names)
	if len(unknown) == 0 {
		return prop, nil
	}
	v, _ := src.String(envPropagators)
	return nil, &ConfigError{Var: envPropagators, Value: v, Allowed: propagators.Allowed(unknown)}
}
