package otel

import (
	"slices"
	"strings"

	"go.opentelemetry.io/contrib/propagators/b3"
	"go.opentelemetry.io/contrib/propagators/jaeger"
	"go.opentelemetry.io/contrib/propagators/ot"
	"go.opentelemetry.io/otel/propagation"

	"github.com/otelkit/otelkit/internal/env"
)

const envPropagators = "OTEL_PROPAGATORS"

// propagatorNames are the OTEL_PROPAGATORS values Init accepts, in the
// order the error message lists them.
var propagatorNames = []string{"tracecontext", "baggage", "b3", "b3multi", "jaeger", "ottrace", "none"}

// propagatorByName builds the propagator one OTEL_PROPAGATORS name
// selects ("none" is handled by the caller).
func propagatorByName(name string) (propagation.TextMapPropagator, bool) {
	switch name {
	case "tracecontext":
		return propagation.TraceContext{}, true
	case "baggage":
		return propagation.Baggage{}, true
	case "b3":
		return b3.New(b3.WithInjectEncoding(b3.B3SingleHeader)), true
	case "b3multi":
		return b3.New(b3.WithInjectEncoding(b3.B3MultipleHeader)), true
	case "jaeger":
		return jaeger.Jaeger{}, true
	case "ottrace":
		return ot.OT{}, true
	}
	return nil, false
}

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
	var props []propagation.TextMapPropagator
	var unknown []string
	for _, name := range names {
		if name == "none" {
			return propagation.NewCompositeTextMapPropagator(), nil
		}
		if p, ok := propagatorByName(name); ok {
			props = append(props, p)
		} else if !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return propagation.NewCompositeTextMapPropagator(props...), nil
	}
	v, _ := src.String(envPropagators)
	allowed := "a comma-separated list of " + strings.Join(propagatorNames, ", ")
	if slices.Contains(unknown, "xray") {
		allowed += " (xray is no longer supported: its contrib module go.opentelemetry.io/contrib/propagators/aws is deprecated; " +
			"pass the propagator with otel.WithPropagators if you still need it)"
	}
	return nil, &ConfigError{Var: envPropagators, Value: v, Allowed: allowed}
}
