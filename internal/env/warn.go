package env

import "go.opentelemetry.io/otel"

// Warner returns a handler that calls each of hs in order (nil ones
// skipped), or otel.Handle when there is none: where the signal packages
// send what they correct rather than refuse (their WithWarningHandler,
// repeatable), so that a correction is never silent and a program's handler
// given beside otel.Init's is called too.
func Warner(hs ...func(error)) func(error) {
	var set []func(error)
	for _, h := range hs {
		if h != nil {
			set = append(set, h)
		}
	}
	switch len(set) {
	case 0:
		return otel.Handle
	case 1:
		return set[0]
	}
	return func(err error) {
		for _, h := range set {
			h(err)
		}
	}
}
