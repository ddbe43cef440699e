// Package syspkg finds the external programs that otelkit's tests run
// (prometheus, promtool) and, where a test may, installs the Debian package
// that holds one.
//
// It changes the machine: LookPathOrInstall runs apt-get as root when the
// program is missing. That is why only test packages under
// internal/testkit/... may call it: a consumer's `go test all` never runs
// the tests of another module's internal/testkit packages (nothing a
// consumer imports imports them), so only otelkit's own test command
// (`go test ./...` in this repository) installs anything.
package syspkg
