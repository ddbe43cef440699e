// Package option holds what the option plumbing of otelkit's packages
// shares. Each package keeps its own sealed Option interface (an
// unexported apply method, as opentelemetry-go's packages do), so that a
// package's options cannot be handed to another; only the loop that
// applies them is shared here.
package option

import (
	"context"
	"reflect"
)

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

// Value returns v, or T's zero value when v holds a nil pointer or func: an
// option given a typed nil (a nil *os.File as an io.Writer, a nil
// *sdktrace.TracerProvider as a trace.TracerProvider) means the same as
// one given nil, the option's default, where the value would otherwise
// panic at its first method call, often on an export goroutine that takes
// the process down. A nil slice or map is a value (an empty composite
// propagator is a nil slice), so it is kept.
func Value[T any](v T) T {
	if isNil(v) {
		var zero T
		return zero
	}
	return v
}

// isNil reports whether v is nil or holds a nil pointer or func.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func:
		return rv.IsNil()
	}
	return false
}

// Append returns list with v appended, or list as it is when v is nil or
// a typed nil (see Value): the shape of an option that may be repeated.
func Append[T any](list []T, v T) []T {
	if isNil(v) {
		return list
	}
	return append(list, v)
}

// Context returns ctx, or context.Background() for a nil ctx: a context
// not given, as a nil option is, for the exported functions that take one
// (the SDK's and net/http's would dereference it).
func Context(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
