package otel

import (
	"errors"

	"github.com/otelkit/otelkit/internal/env"
)

// joinConfigErrors joins errs (nil ones left out) into one error, each
// ConfigError once: the three signals read the same generic variables and
// Init's OTLP options, and would otherwise report one bad value up to
// three times. Joined errors are flattened; other errors are kept as they
// are.
func joinConfigErrors(errs ...error) error {
	type key struct {
		name, value string
		withheld    bool
	}
	seen := map[key]bool{}
	var out []error
	var add func(err error)
	add = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				add(e)
			}
			return
		}
		if ce, ok := err.(*env.Error); ok {
			k := key{ce.Var + ce.Option, ce.Value, ce.Withheld}
			if seen[k] {
				return
			}
			seen[k] = true
		}
		if err != nil {
			out = append(out, err)
		}
	}
	for _, err := range errs {
		add(err)
	}
	return errors.Join(out...)
}
