package otel

import (
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/sanitize"
)

// checkUTF8 refuses configuration text that is not valid UTF-8: every
// OTEL_* and OTELKIT_* variable in src (env.Source.CheckUTF8) and the
// options whose values become resource attributes or reach the exporter.
// Such text used to be accepted, and then every export failed on it. The
// errors name the variable or option, never the value (a header is a
// secret).
func (c config) checkUTF8(src env.Source) error {
	errs := []error{src.CheckUTF8()}
	bad := func(option, what string) {
		errs = append(errs, fmt.Errorf("otelkit: %s: %s: %w (the value is not shown)", option, what, env.ErrInvalidUTF8))
	}
	text := func(option, what, v string) {
		if !utf8.ValidString(v) {
			bad(option, what)
		}
	}
	text("WithServiceName", "the name", c.serviceName)
	text("WithServiceVersion", "the version", c.serviceVersion)
	text("WithEnvironment", "the name", c.environment)
	text("WithOTLPEndpoint", "the endpoint", c.otlp.endpoint)
	text("WithPrometheusAddr", "the address", c.promAddr)
	for _, kv := range c.attrs {
		if !utf8.ValidString(string(kv.Key)) {
			bad("WithResourceAttributes", "a key")
		} else if _, changed := sanitize.Value(kv.Value); changed {
			bad("WithResourceAttributes", fmt.Sprintf("the value of %q", kv.Key))
		}
	}
	keys := make([]string, 0, len(c.otlp.headers))
	for k := range c.otlp.headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !utf8.ValidString(k) {
			bad("WithOTLPHeaders", "a header name")
		} else {
			text("WithOTLPHeaders", fmt.Sprintf("the value of header %q", k), c.otlp.headers[k])
		}
	}
	return errors.Join(errs...)
}
