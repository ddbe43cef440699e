// Package panictext writes a recovered panic value as text, the one way
// otelkit's notes (a log field whose marshaler panicked), errors (an
// exporter that panicked) and span statuses (an Error method that
// panicked) quote one.
package panictext

import (
	"fmt"

	"go.opentelemetry.io/otel"

	"github.com/otelkit/otelkit/internal/visible"
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
	return visible.Cut(fmt.Sprint(v), max)
}

// Error is the error a recovered panic v in what becomes: "otelkit:
// <what> panicked: <v>", v cut to 512 bytes, or only its type when
// formatting it panics too: for a handler or exporter of the program's
// that panicked where otelkit goes on (an export, a drop or warning
// handler, a provider's Shutdown on a goroutine of otel's).
func Error(what string, v any) error {
	return fmt.Errorf("otelkit: %s panicked: %s", what, Of(v, maxErrorText))
}

// maxErrorText bounds the panic value quoted in Error's error.
const maxErrorText = 512

// Handle, deferred where otelkit calls a handler of the program's (a drop,
// warning or overflow handler), hands the handler's panic to otel.Handle as
// Error(what, v): such a handler runs on a batch worker or a periodic
// reader, where a panic would end the process, or inside a span's End or a
// constructor, which must not fail for it.
func Handle(what string) {
	if v := recover(); v != nil {
		otel.Handle(Error(what, v))
	}
}
