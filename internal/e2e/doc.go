// Package e2e holds otelkit's end-to-end tests: otel.Init, httpmw and
// logging exporting over OTLP (gRPC and HTTP/protobuf) to a real
// OpenTelemetry Collector built from internal/testcollector's manifest, read
// back from the collector's file exporter.
package e2e
