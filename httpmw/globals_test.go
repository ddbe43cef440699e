package httpmw

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	"go.uber.org/zap"
)

// setGlobals installs e's providers, propagator and logger as the globals and
// returns the way back.
func setGlobals(t testing.TB, e *testEnv) func() {
	t.Helper()
	tp, mp, prop := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(e.tp)
	otel.SetMeterProvider(e.mp)
	otel.SetTextMapPropagator(testPropagator)
	undo := zap.ReplaceGlobals(e.log)
	return func() {
		otel.SetTracerProvider(tp)
		otel.SetMeterProvider(mp)
		otel.SetTextMapPropagator(prop)
		undo()
	}
}

func contextWithBox(r *http.Request, key, val any) context.Context {
	return context.WithValue(r.Context(), key, val)
}
