// Package oteltest starts otelkit's wiring with in-memory exporters, so
// that a test can assert on the spans, metrics, OpenTelemetry log records
// and JSON log lines the code under test produced.
//
//	func TestCheckout(t *testing.T) {
//		t.Parallel()
//		tel := oteltest.New(t)
//		rec := httptest.NewRecorder()
//		handler.ServeHTTP(rec, tel.NewRequest("GET", "/orders/7", nil)) // httpmw, tracing.Start, logging.FromContext
//		spans := tel.Spans()
//		lines := tel.LogLines(t)
//		rm, err := tel.Metrics(context.Background())
//		...
//	}
//
// # Log lines
//
// LogLines has every line the Telemetry's logger wrote, also when an
// option given to New sends the lines to an output of its own
// (otel.WithLogOutput, logging.WithOutput through otel.WithLoggingOptions):
// they go there too. A test author who adds an output to watch the lines
// expects its assertions on them to hold still, so LogLines never comes
// back empty because of it. Without such an option the lines are written
// nowhere else.
//
// # Independent of the environment
//
// New reads no variable: OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER,
// OTELKIT_LOG_PROFILE and every other OTEL_* and OTELKIT_* variable of the
// machine that runs the tests change nothing (otel.WithEnvLookup with an
// empty environment). Options given to New still apply. Only the SDK's
// experimental OTEL_GO_X_* switches are read by the SDK itself; the
// self-observability metrics they turn on are not shown to tests.
//
// # Tests in parallel
//
// Each New is a Telemetry of its own, and tests that use it may call
// t.Parallel. Its TracerProvider, MeterProvider, LoggerProvider and Logger
// are its own; code that is given them reports to it alone.
//
// Code under test that uses the globals instead (tracing.Start,
// otel.Tracer, otel.Meter, the global logger provider, httpmw without
// providers, logging.FromContext without a logger in the context, zap.L)
// reaches the right test too: the first New installs, for the rest of the
// test binary, globals that hand each span, measurement and log line to
// the Telemetry its context belongs to:
//
//   - a context derived from Telemetry.Context (NewRequest gives a request
//     with it), and
//   - a context holding a span of a trace the Telemetry started, also one
//     that came over the wire (an httpmw server called through
//     httpmw.Transport from the test's context).
//
// # Limits
//
// What cannot be told apart is not guessed:
//
//   - Work started from a context of no test (context.Background(),
//     httptest.NewRequest) and zap.L() lines, which carry no context, go
//     to the one test running when there is exactly one (a test that does
//     not call t.Parallel always is, unless a test around it called New
//     too, or it called New twice); while tests run in parallel they go
//     to none. Such work is counted (Unrouted), and a test during which
//     some happened says so in its log. Pass tel.Context().
//   - Asynchronous instruments (observable counters and gauges) created
//     on the global meter provider have no context and report to no test:
//     create them on Telemetry.MeterProvider.
//   - An instrument made on the global meter provider is made in each
//     test's provider when the test first uses it, so an error the SDK
//     reports for it (an invalid name) cannot reach the code that made
//     it: the test's log shows it when the test ends, and the
//     instrument records what the SDK's records (an invalid name's
//     measurements are kept).
//   - The globals are shared: a Telemetry's options (sampler, resource,
//     log format) apply to what reaches it, but the propagator is
//     tracecontext and baggage for all, and a test that calls otel.Init
//     with globals replaces the router until its Shutdown (as
//     logtest.ReplaceGlobal does for zap's global logger until its test
//     ends: the lines of every test that reach the global go there).
//   - A trace that began outside the test's own spans (a traceparent
//     header the test wrote, often the same in many tests) is no test's:
//     its spans follow their context, and else the rule above.
//   - Work still running after its test ended reaches no test. A span
//     the test started and had not ended by then is lost: the test says
//     so in its log, and Unrouted counts it (Unended). What code emits
//     after the end through the globals, also from the test's Context,
//     is dropped and counted (Unrouted: Spans, Measurements, Logs).
//     Through the ended Telemetry's own providers it is dropped and not
//     counted: a span started on its TracerProvider, a measurement on an
//     instrument of its MeterProvider (made before the end or after),
//     a record emitted on a logger of its LoggerProvider (whose Enabled
//     then reports false). They are otel's providers, shut down, kept as
//     they are so that a type assertion on them holds; nothing panics,
//     and Metrics returns the reader's error (sdkmetric.ErrReaderShutdown).
//     A line written on its Logger (tel.Logger(), or a logger made from
//     it) still reaches LogLines and an output given to New, but makes no
//     log record. Start such work through the globals, or end it before
//     the test returns.
//   - Spans and LogRecords are what the code recorded, as a processor
//     sees it: the exporters' cleaning (invalid UTF-8, values under
//     credential keys) is not applied to them. The lines (LogLines), and
//     the records the OTLP bridge makes of them, are the logger's: their
//     credential keys are REDACTED by the setting given to New
//     (otel.WithRedactedKeys, otel.WithoutKeyRedaction), as the service's
//     are, and so is what the trace viewer (otel.WithTraceViewer) shows.
//   - A Telemetry keeps all it records (spans, log records, lines, metric
//     series) in memory until its test ends, without bound: a load test
//     or a long benchmark that emits through it holds all of it. Bound
//     the count (b.N, the requests sent), or give such code providers of
//     its own.
//   - The Resource of a log record (LogRecords) is the SDK's, which
//     merges the process's OTEL_RESOURCE_ATTRIBUTES under the Telemetry's;
//     Spans and Metrics carry the Telemetry's own.
package oteltest
