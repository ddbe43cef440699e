package otel

import (
	"errors"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

// With OTEL_SDK_DISABLED=true (or a file's disabled: true) Init builds no
// provider, but still checks every setting the providers would read, so
// that a team that disables the SDK in staging learns of a bad endpoint or
// sampler argument there, not when production turns it on. What is
// invalid is a warning, not an error: disabled must keep starting.

// checkDisabled runs the checks of the three providers' constructors on
// Init's options and the environment, building nothing: no exporter,
// reader, processor, listener or goroutine. It returns what
// they would refuse, each once; what they would correct goes to t.warn.
func (t *Telemetry) checkDisabled(c config) error {
	return joinConfigErrors(
		logprovider.Validate(c.logsOptions(t.res, t.warn, t.health)...),
		tracing.Validate(c.tracingOptions(t.res, t.warn, t.health)...),
		metrics.Validate(c.metricsOptions(t.res, t.warn, t.health)...))
}

// disabledWarnings turns what checkDisabled found into
// otelkit_config_warning lines, one per setting. The text is the
// ConfigError's, which masks or withholds what may be a secret; header
// values are scrubbed all the same, as in every warning.
func (t *Telemetry) disabledWarnings(err error) []configWarning {
	if err == nil {
		return nil
	}
	const why = "ignored while the SDK is disabled, but Init fails with it once the SDK is enabled: "
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var out []configWarning
	for _, e := range errs {
		w := configWarning{detail: why + t.scrub.String(e.Error())}
		var ce *env.Error
		if errors.As(e, &ce) {
			w.variable = ce.Var // "" for an option or a file's key, which the text names
		}
		out = append(out, w)
	}
	return out
}
