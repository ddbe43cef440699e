// Package loadbench is otelkit's whole-service load benchmark (issue 8): the
// same small service (a mux with GET /orders/{id} that logs one line and
// writes JSON) in several variants, each served by a child process on
// 127.0.0.1 and loaded by a Go load generator in the parent with a fixed
// request count and concurrency, against a fake OTLP/HTTP collector that
// accepts and discards, or against a closed port (collector down).
//
// # Variants
//
//   - bare: the mux alone, logging with a plain zap JSON logger;
//   - handwritten: what a user writes without otelkit: SDK tracer and meter
//     providers exporting OTLP/HTTP (batch span processor, periodic reader)
//     and the stack of package handwritten (a request-ID middleware,
//     otelhttp.NewHandler, and a middleware that binds a zap logger with the
//     trace fields and request ID, hands it to the handler in the context
//     and writes the access line), the same stack httpmw's benchmarks use;
//   - handwritten-otlp: handwritten plus an SDK logger provider exporting
//     OTLP/HTTP, the zap logger teed with the contrib otelzap bridge (the
//     request's context bound so records carry the span) and Go runtime
//     metrics: what otelkit's defaults do, written by hand;
//   - otelkit: otel.Init with its defaults (so also the OTLP log bridge and
//     Go runtime metrics) + httpmw.Handler + logging.FromContext;
//   - otelkit-eq: the same with the work the hand-written stack does not do
//     turned off (OTEL_LOGS_EXPORTER=none, WithoutRuntimeMetrics), so that the
//     comparison with handwritten is like for like (as otelkit's with
//     handwritten-otlp).
//
// All variants write their log lines, JSON encoded, to io.Discard.
//
// # Measures
//
// Per run: requests/s, CPU seconds of the server process per 1 000 requests
// (getrusage in the child, read before and after the load), p50 and p99
// latency seen by the client, the child's peak RSS, its live heap after a
// GC and its allocations per request. Growth runs the same load for 10 000
// and then 100 000 requests in one process and compares the heap after each.
package loadbench
