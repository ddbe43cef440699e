// Package faults is otelkit's fault-injection suite. It holds no library
// code: only fake OTLP collectors (HTTP/protobuf and gRPC, on 127.0.0.1) that
// can be down, black-holed, slow, throttling (503/429 with Retry-After, gRPC
// RetryInfo), rejecting (400 / InvalidArgument), answering with a partial
// success or with an oversized body, and the tests that drive otel.Init and httpmw.Handler
// against them.
//
// # What the tests prove
//
//   - the request path is not slowed by a failing collector (median and p99
//     of the same request loop against a healthy fake, ratio printed);
//   - memory stays bounded after 100 000 spans and log lines against a down
//     collector;
//   - Shutdown keeps to its context's deadline (and the 100 ms it takes
//     past it to count what it cut off), and when it returns every item
//     is delivered or counted, the last telemetry_dropped line written;
//   - retries follow the OTLP specification (400 never retried, 503/429 and
//     Unavailable retried no earlier than Retry-After / RetryInfo says);
//   - what the queues could hold is delivered once the collector is back,
//     and a 2 s restart of the real collector (internal/testkit/collector) on
//     its ports loses nothing over OTLP/HTTP or gRPC, before Shutdown, nor
//     does a 0.3 s blip under 1500 spans/s with the default queue;
//   - every item lost is counted in HealthHandler by reason (queue full,
//     export failed, rejected in a partial success) and reported in a
//     telemetry_dropped line;
//   - a log record of 5 MiB costs only itself over gRPC (counted
//     too_large), not the 500 records of its batch, which the real
//     collector refused whole (message over 4 MiB), nor does a batch of
//     400 records of 16 KB; nor does a span of 5 MB (128 exception
//     events) or a batch of 400 spans of 16 KB, within the default span
//     limits; nor does a metric data point of 5 MiB, or a collection of
//     three histograms of 2000 series with exemplars (4.6 MB, the default
//     cardinality limit), refused whole at every interval before;
//   - 64 goroutines logging, tracing and recording metrics while Shutdown
//     runs cause no panic, race or goroutine leak.
//
// Every test is bounded in count and time and uses loopback only. Measured
// figures are printed with t.Logf; run
//
//	OTELKIT_FAULTS_RESULTS=1 go test -run . ./internal/testkit/faults/
//
// to rewrite RESULTS.md from a fresh run.
package faults
