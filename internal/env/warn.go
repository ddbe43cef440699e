package env

import (
	"go.opentelemetry.io/otel"

	"github.com/otelkit/otelkit/internal/panictext"
)

// Warner returns a handler that calls each of hs in order (nil ones
// skipped), or otel.Handle when there is none: where the signal packages
// send what they correct rather than refuse (their WithWarningHandler,
// repeatable), so that a correction is never silent and a program's handler
// given beside otel.Init's is called too. A handler that panics does not
// stop the next, nor the constructor that warns: its panic goes to
// otel.Handle.
func Warner(hs ...func(error)) func(error) {
	var set []func(error)
	for _, h := range hs {
		if h != nil {
			set = append(set, h)
		}
	}
	if len(set) == 0 {
		return otel.Handle
	}
	return func(err error) {
		for _, h := range set {
			callWarning(h, err)
		}
	}
}

// callWarning calls h with err, turning a panic into an error for
// otel.Handle.
func callWarning(h func(error), err error) {
	defer panictext.Handle("the warning handler")
	h(err)
}
