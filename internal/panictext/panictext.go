// Package panictext writes a recovered panic value as text, the one way
// otelkit's notes (a log field whose marshaler panicked), errors (an
// exporter that panicked) and span statuses (an Error method that
// panicked) quote one.
package panictext

import (
	"fmt"
	"unicode/utf8"
)

// Of returns v as %v writes it, cut to at most max bytes at a rune
// boundary, or only its type, "(T)", when formatting it panics too (a
// value whose String panics with itself makes fmt panic again).
func Of(v any, max int) (s string) {
	defer func() {
		if recover() != nil {
			s = fmt.Sprintf("(%T)", v)
		}
	}()
	s = fmt.Sprint(v)
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}
