// Package option holds what the option plumbing of otelkit's packages
// shares. Each package keeps its own sealed Option interface (an
// unexported apply method, as opentelemetry-go's packages do), so that a
// package's options cannot be handed to another; only the loop that
// applies them is shared here.
package option

// Apply returns c changed by each option in opts, in order. A nil option
// is skipped, so that callers may pass options chosen at run time
// (opts = append(opts, maybeNil)) without checking them. apply is the
// package's method expression, Option.apply.
func Apply[O comparable, C any](c C, opts []O, apply func(O, C) C) C {
	var none O
	for _, o := range opts {
		if o != none {
			c = apply(o, c)
		}
	}
	return c
}
