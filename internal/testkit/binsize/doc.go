// Package binsize measures, in its tests, what a user's program links: the
// minimal otelkit program (otel.Init, httpmw.Handler, one log line) against
// the same program wired by hand on the OpenTelemetry SDK and against one
// whose exporters come from contrib's autoexport.
//
// The three programs are in testdata/ (so that `go list ./...` and the
// layering rules of the module do not see them). A test makes each one a
// module of its own in a temporary directory, as a user's would be: its
// requirements at the versions this repository's go.mod selects, otelkit
// replaced by this repository, autoexport at the contrib release of
// otelhttp; then `go mod tidy`, `go build` and `go version -m`.
//
//	go test -run TestFigures -v ./internal/testkit/binsize
//
// prints the table the README carries (modules linked, binary size). The
// figures are printed, never asserted; what is asserted is what the
// minimal program must not link (gopsutil and the host instrumentation,
// which metrics/hostmetrics alone brings in; autoexport) and that it does
// what it claims when it runs.
package binsize
