package env

import "go.opentelemetry.io/otel"

// Warner returns h, or otel.Handle when h is nil: where the signal
// packages send what they correct rather than refuse (the default of their
// WithWarningHandler), so that a correction is never silent.
func Warner(h func(error)) func(error) {
	if h == nil {
		return otel.Handle
	}
	return h
}
