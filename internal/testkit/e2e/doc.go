// Package e2e holds otelkit's end-to-end tests: otel.Init, httpmw and
// logging exporting over OTLP (gRPC and HTTP/protobuf) to a real
// OpenTelemetry Collector (package collector), read back from the
// collector's file exporter; the README's program stopped gracefully; and
// metrics' Prometheus endpoint scraped by a real Prometheus, which reads the
// route and the exemplars' trace IDs.
//
// The real Prometheus comes from the Debian package prometheus, installed
// when it is absent and the tests run as root (package syspkg); that is
// why this test lives here and not beside metrics' own tests: a consumer's
// `go test all` runs metrics' tests but never this package's.
package e2e
