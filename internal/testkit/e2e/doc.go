// Package e2e holds otelkit's end-to-end tests: otel.Init, httpmw and
// logging exporting over OTLP (gRPC and HTTP/protobuf) to a real
// OpenTelemetry Collector (package collector), read back from the
// collector's file exporter; the README's program stopped gracefully; and
// metrics' Prometheus endpoint scraped by a real Prometheus, which reads the
// route and the exemplars' trace IDs; examples/grpc built and run against
// the collector, one trace and one request ID across HTTP → gRPC → gRPC;
// examples/worker likewise, producer to consumer span, records and counts.
//
// TestGracefulStopDeliversEverything runs the README's program and the
// quick start with -serve, each as its own process: 300 requests, then
// SIGTERM, and every server span and every log line written before the
// flush must arrive (300 of 300 spans; 601 of 601 and 602 of 602 lines when
// the README recorded it). The same program with http.ListenAndServe and a
// deferred Shutdown, measured once for comparison and not part of the test:
// 0 of 300 spans and 512 of 600 log lines.
//
// The real Prometheus comes from the Debian package prometheus, installed
// when it is absent and the tests run as root (package syspkg); that is
// why this test lives here and not beside metrics' own tests: a consumer's
// `go test all` runs metrics' tests but never this package's.
package e2e
