// Package collector runs a real OpenTelemetry Collector in tests and reads
// back what it received.
//
// # Building the collector
//
// Binary builds a collector from builder-config.yaml (next to this file)
// with the official builder, once per manifest version, and caches it under
// os.UserCacheDir()/otelkit/ (package buildcache). The first build takes a
// minute or two; later runs reuse the binary. Set OTELKIT_TESTCOL_BIN to use
// a collector you built yourself.
//
// # End-to-end tests
//
// Start launches the collector on free loopback ports with an OTLP receiver
// (gRPC and HTTP) and one file exporter per signal, and stops it when the
// test ends. Point the code under test at GRPCEndpoint or HTTPEndpoint, then
// read what arrived with Spans, Metrics and Logs, or wait for it:
//
//	col := collector.Start(t)
//	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.HTTPEndpoint())
//	// … run the code, flush its providers …
//	spans := col.WaitSpans(t, 10*time.Second, func(s []collector.Span) bool { return len(s) > 0 })
//
// The returned structs are small and flat on purpose: trace and span IDs are
// lowercase hex as in W3C traceparent and in otelkit's log lines, attribute
// values are plain Go values (string, bool, int64, float64, []byte, []any,
// map[string]any).
//
// # Checking configuration files
//
// Validate runs `validate` of the same collector on a configuration file,
// which proves that the file only uses components the manifest has and that
// their settings parse.
package collector
