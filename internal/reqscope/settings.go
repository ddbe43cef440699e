package reqscope

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/option"
)

// Settings are the options httpmw and grpcmw share: the providers and
// propagators their instrumentation uses, the logger request lines are
// bound to, and the access line's policy. Each transport embeds them in its
// own configuration and wraps Setting in its own option type (as tracing
// and metrics do with otlpconf.Setting), so that the public options of both
// packages, each documented for its transport, set them one way. A nil
// provider, propagator or logger means the transport's default.
type Settings struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	Propagators    propagation.TextMapPropagator
	Logger         *zap.Logger
	SampleEvery    uint64 // the access line of 1 in every SampleEvery successful requests; 0 and 1: all
	NoAccessLog    bool
}

// Setting changes Settings.
type Setting func(*Settings)

// SetTracerProvider sets the provider of the transport's spans.
func SetTracerProvider(tp trace.TracerProvider) Setting {
	return func(s *Settings) { s.TracerProvider = option.Value(tp) }
}

// SetMeterProvider sets the provider of the transport's metrics.
func SetMeterProvider(mp metric.MeterProvider) Setting {
	return func(s *Settings) { s.MeterProvider = option.Value(mp) }
}

// SetPropagators sets the propagators that extract and inject the trace
// context.
func SetPropagators(p propagation.TextMapPropagator) Setting {
	return func(s *Settings) { s.Propagators = option.Value(p) }
}

// SetLogger sets the logger request lines are bound to.
func SetLogger(l *zap.Logger) Setting {
	return func(s *Settings) { s.Logger = l }
}

// SetAccessLogSampling keeps the access line of 1 in every n successful
// requests; n below 1 keeps all.
func SetAccessLogSampling(n int) Setting {
	return func(s *Settings) { s.SampleEvery = uint64(max(n, 1)) }
}

// SetNoAccessLog turns the access line off.
func SetNoAccessLog() Setting {
	return func(s *Settings) { s.NoAccessLog = true }
}

// Apply gives a's policy the access line settings.
func (s Settings) Apply(a *AccessLog) {
	a.Off, a.SampleEvery = s.NoAccessLog, s.SampleEvery
}
