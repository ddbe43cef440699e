// Package propagators builds the propagators that OTEL_PROPAGATORS names,
// for every reader of such a list (the otel package's environment, a
// declarative configuration file's propagator section), without
// contrib's autoprop: autoprop registers the X-Ray propagator, whose
// module (go.opentelemetry.io/contrib/propagators/aws) is deprecated and
// unsupported since contrib v1.47.0, and would link it into every program.
package propagators

import (
	"slices"
	"strings"

	"go.opentelemetry.io/contrib/propagators/b3"
	"go.opentelemetry.io/contrib/propagators/jaeger"
	"go.opentelemetry.io/contrib/propagators/ot"
	"go.opentelemetry.io/otel/propagation"
)

// names are the names Build accepts, in the order Allowed lists them.
var names = []string{"tracecontext", "baggage", "b3", "b3multi", "jaeger", "ottrace", "none"}

// byName builds the propagator one name selects ("none" is Build's).
func byName(name string) (propagation.TextMapPropagator, bool) {
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

// Build returns the composite of the propagators list names, in its
// order, or, when it names some it does not know, those, each once.
// "none" anywhere in the list means no propagation: an empty composite;
// the other names are still checked, so that a mistyped one is never
// silent. The caller trims and lower-cases the names.
func Build(list []string) (prop propagation.TextMapPropagator, unknown []string) {
	var props []propagation.TextMapPropagator
	none := false
	for _, name := range list {
		if name == "none" {
			none = true
		} else if p, ok := byName(name); ok {
			props = append(props, p)
		} else if !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	switch {
	case len(unknown) > 0:
		return nil, unknown
	case none:
		return propagation.NewCompositeTextMapPropagator(), nil
	}
	return propagation.NewCompositeTextMapPropagator(props...), nil
}

// Allowed says, for an error about the unknown names, what is allowed;
// when xray is among them, also why it is refused and what to do instead.
func Allowed(unknown []string) string {
	allowed := "a comma-separated list of " + strings.Join(names, ", ")
	if slices.Contains(unknown, "xray") {
		allowed += " (xray is no longer supported: its contrib module go.opentelemetry.io/contrib/propagators/aws is deprecated; " +
			"pass the propagator with otel.WithPropagators if you still need it)"
	}
	return allowed
}
