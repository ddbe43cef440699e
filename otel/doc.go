// Package otel is otelkit's one call at start-up: Init builds a tracer
// provider, a meter provider, a logger provider and a zap logger that share
// one resource, wires the OTLP log bridge, the propagators and the
// OpenTelemetry and zap globals, and Shutdown flushes it all.
//
// # Starting
//
//	tel, err := otel.Init(ctx, otel.WithServiceName("checkout"))
//	if err != nil {
//		return err
//	}
//	defer tel.Shutdown(context.Background())
//
// Everything else comes from the standard environment (OTEL_SERVICE_NAME,
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER, …) and otelkit's own
// (OTELKIT_LOG_FORMAT, OTELKIT_LOG_LEVEL, …); every setting can also be given
// as an option. The README has the full table.
//
// # Precedence
//
// An option wins over the environment, which wins over the default. Where
// neither an option nor a variable is set, otelkit passes nothing to the
// OpenTelemetry SDK, so the SDK's own defaults and environment handling stay
// intact.
//
// # Bad values
//
// A value otelkit cannot use is never silent: Init returns an error naming
// the variable, the value and what is allowed (unknown exporter, protocol,
// sampler or propagator, a number that does not parse or is out of range).
// Where the OpenTelemetry specification says to warn and use the default
// (a malformed OTEL_RESOURCE_ATTRIBUTES, for example), Init logs an
// otelkit_config_warning line instead.
//
// # Globals
//
// Init installs its providers, the propagator, an error handler that turns
// SDK errors into rate-limited otel_sdk_error warning lines, and the zap
// global logger. Only one Telemetry owns the globals at a time: a second Init
// returns ErrAlreadyInitialized until the first is shut down. Shutdown puts
// back what was there before. WithoutGlobals leaves them alone.
//
// # Tests
//
// Package oteltest starts the same wiring with in-memory exporters, for
// assertions on what the code under test emitted.
package otel
