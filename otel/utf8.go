package otel

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/sanitize"
)

// checkUTF8 refuses configuration text that is not valid UTF-8: every
// OTEL_* and OTELKIT_* variable in src (env.Source.CheckUTF8) and the
// options whose values become resource attributes or reach the exporter.
// Such text used to be accepted, and then every export failed on it. The
// errors are ConfigErrors that name the variable or option, never the value
// (Withheld: a header is a secret), nor a header's name.
func (c config) checkUTF8(src env.Source) error {
	errs := []error{src.CheckUTF8()}
	bad := func(option, what string) {
		errs = append(errs, &ConfigError{Option: option, Withheld: true, Allowed: "valid UTF-8 text",
			Err: fmt.Errorf("%s: %w", what, env.ErrInvalidUTF8)})
	}
	text := func(option, what, v string) {
		if !utf8.ValidString(v) {
			bad(option, what)
		}
	}
	text("WithServiceName", "the name", c.serviceName)
	text("WithServiceVersion", "the version", c.serviceVersion)
	text("WithEnvironment", "the name", c.environment)
	text("WithOTLPEndpoint", "the endpoint", c.otlp.Endpoint)
	text("WithPrometheusAddr", "the address", c.promAddr)
	for _, kv := range c.attrs {
		if !utf8.ValidString(string(kv.Key)) {
			bad("WithResourceAttributes", "a key")
		} else if _, changed := sanitize.Value(kv.Value); changed {
			bad("WithResourceAttributes", fmt.Sprintf("the value of %q", kv.Key))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.otlp.Headers)) {
		if !utf8.ValidString(k) {
			bad("WithOTLPHeaders", "a header name")
		} else {
			text("WithOTLPHeaders", "a header value", c.otlp.Headers[k])
		}
	}
	return errors.Join(errs...)
}
