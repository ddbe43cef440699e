// Package otlpconf turns otelkit's exporter options and the OpenTelemetry
// exporter variables into validated exporters for traces, metrics and logs.
//
// # Precedence
//
// For every setting: an option set in code (Overrides) wins over the
// per-signal variable (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), which wins over
// the generic one (OTEL_EXPORTER_OTLP_ENDPOINT), which wins over the SDK
// default. Resolved.Sources records which one decided ("option",
// "env:OTEL_...", "default").
//
// # Validation
//
// Resolve checks every variable the SDK exporters read, generic and
// per-signal, before they do: OTEL_<SIGNAL>_EXPORTER (for traces and logs a
// single name: otlp, console, none; for metrics a comma-separated list of
// otlp, prometheus, console, or none alone),
// OTEL_EXPORTER_OTLP_[SIGNAL_]PROTOCOL, ENDPOINT (http or https URL with a
// host), HEADERS (W3C baggage syntax), INSECURE, TIMEOUT (whole milliseconds
// >= 1), COMPRESSION (gzip, none), CERTIFICATE, CLIENT_CERTIFICATE and
// CLIENT_KEY (readable regular PEM files, at most 1 MiB, certificate and key set
// together and matching), and for metrics TEMPORALITY_PREFERENCE and
// DEFAULT_HISTOGRAM_AGGREGATION. The SDK would skip most bad values with a
// log line (one that may print a header value); here each one is an
// *env.Error naming the variable (or the option), the value and what is
// allowed, and all of them are reported at once.
//
// # Secrets
//
// Header keys and values never appear in an error (an error names the item
// by position), and Resolved keeps only the names of valid headers. An
// endpoint with user info, a query or a fragment is an error, since the
// exporters would silently not send them (credentials go in headers); in
// errors, anything before an "@" and after a "?" or "#" is shown as "***",
// whatever the form of the value. Certificate and key paths must be
// regular files (a named pipe would block the open); a client key
// variable's value is never shown (it may be the key itself). Every OTLP
// exporter built here returns its errors with the values of the headers in
// effect scrubbed (collectors quote the one they reject); HeaderValues
// lists the header values of every signal, for otel.Init's own scrubbing.
//
// # Building exporters
//
// Each signal resolves once: Resolve returns a Resolved, which the signal
// package keeps and returns to its caller (what otel's HealthHandler
// shows), and from which SpanExporter, MetricExporter (once per push
// exporter: metrics may list several) and LogExporter build the exporter
// without reading anything again. They pass to the SDK exporter what an
// option or a variable set (endpoint, insecure, headers, timeout,
// compression, temporality, histogram aggregation) and the TLS material
// validated from the certificate variables, so that the exporter does what
// Resolved says: the SDK's own reading of the same variables differs where
// the specification is case-insensitive (OTEL_EXPORTER_OTLP_COMPRESSION=GZIP
// compresses nothing there). What nobody set is left to the exporter's
// defaults. Construction never waits for a connection. "none" gives a nil
// exporter and no error.
//
// # Option names
//
// Overrides.Names carries the name of the option that set each field, so
// that an error names the option the user wrote: otel.Init passes its
// settings under WithOTLPEndpoint, WithTracesExporter, …; tracing and
// metrics under their own WithEndpoint, WithExporter, …. Merge puts one
// set of overrides over another field by field, names included.
//
// With a Source other than the process environment (tests, WithEnvLookup)
// the defaults are passed too, so that the SDK's reading of the process
// environment changes nothing.
//
// # Outages
//
// An export waits for a collector it cannot reach, within the export
// timeout, and goes out within about a second of its return (the reconnect
// schedule: 100 ms, growing to 1 s), instead of being dropped or left to
// the SDK's 2.5–7.5 s backoff while the batch queue fills. The OTLP/HTTP
// exporters get an http.Client whose transport tries a refused, reset or
// dropped connection again on that schedule; the client carries the
// resolved TLS settings and per-attempt timeout (the SDK ignores its own
// when given a client). The OTLP/gRPC exporters wait for the connection,
// which reconnects on the same schedule.
package otlpconf
