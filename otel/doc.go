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
//	srv := &http.Server{Addr: ":8080", Handler: httpmw.Handler(mux)}
//	return tel.Run(ctx, otel.HTTPServer(srv))
//
// Run serves until SIGTERM or SIGINT, lets the requests in flight finish
// (WithDrainTimeout), then flushes and shuts down the telemetry
// (WithFlushTimeout), so that nothing queued is lost when the process exits.
// A gRPC server, several servers (Servers) or a worker loop implementing
// Server use the same call. Without Run, call Shutdown before the process
// exits: a deferred Shutdown does not run when SIGTERM ends the process.
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
// A value otelkit cannot use is never silent: Init returns a ConfigError
// naming the variable or the option as written, the value (masked where it
// may be a secret) and what is allowed (unknown exporter, protocol, sampler
// or propagator, a number that does not parse or is out of range). Init
// reports every invalid setting at once, joined, each once; errors.As
// finds them:
//
//	var ce *otel.ConfigError
//	if errors.As(err, &ce) {
//		log.Printf("fix %s%s (allowed: %s)", ce.Var, ce.Option, ce.Allowed)
//	}
//
// Where the OpenTelemetry specification says to warn and use the default
// (a malformed OTEL_RESOURCE_ATTRIBUTES, for example), Init logs an
// otelkit_config_warning line instead.
//
// # Misspelled variables
//
// A variable nobody reads has no effect, and nothing else would say so.
// Init logs an otelkit_config_warning line (fields variable, did_you_mean,
// detail) for every OTELKIT_* variable otelkit does not read, and for every
// OTEL_* variable within a small edit distance of one that otelkit or the
// OpenTelemetry SDK reads (OTEL_EXPORTER_OTLP_ENDPIONT: did you mean
// OTEL_EXPORTER_OTLP_ENDPOINT?), or that is one in lower case. Other OTEL_*
// names are left alone: they may be another SDK's or agent's. At most 8 such
// lines, then one that counts the rest; a value is never shown.
//
// # Globals
//
// Init installs its providers, the propagator, an error handler that turns
// SDK errors into rate-limited otel_sdk_error warning lines, and the zap
// global logger. Only one Telemetry owns the globals at a time: a second Init
// returns ErrAlreadyInitialized until the first is shut down. Shutdown puts
// back what was there before. WithoutGlobals leaves them alone.
//
// # When telemetry is missing
//
// Mount HealthHandler on an admin port (never a public one: it does no
// authentication) and GET it first. For each signal it shows the effective
// exporter configuration and where each value came from (option, env:NAME,
// default; header values and endpoint passwords are never shown), and
// under export what the exporter did: items (spans, metric data points,
// log records) exported and failed, batches, the last success and the last
// error. failed counts every item lost and dropped says why: queue_full
// (the batch queue overflowed: exports too slow for the load),
// export_failed, rejected (by the collector, in a partial success) and
// shutdown (still queued when Shutdown's deadline passed). A
// telemetry_dropped warning line, at most one per 10 s, reports the same
// as it happens. "tracked": false means there is no exporter to watch
// ("none", or only Prometheus for metrics). A growing failed count with a
// last_error points at the endpoint, protocol, TLS or credentials;
// queue_full alone at the queue size or the collector's speed; exported
// counts that grow while the backend shows nothing point past the
// collector. sdk_errors_total counts every error the SDK reported. PUT
// {"level":"debug"} to the same handler changes the log level.
//
// # Tests
//
// Package oteltest starts the same wiring with in-memory exporters, for
// assertions on what the code under test emitted; its tests may run in
// parallel and do not depend on the environment. WithEnvLookup, which it
// uses, makes Init read the variables from elsewhere than the process
// environment.
package otel
