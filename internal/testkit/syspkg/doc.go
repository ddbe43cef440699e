// Package syspkg finds the external programs that otelkit's tests run
// (prometheus, promtool) and, where a test may, installs the Debian package
// that holds one.
//
// It changes the machine: LookPathOrInstall runs apt-get as root when the
// program is missing. That is why only test packages of the testkit module
// may call it: a consumer's `go test all` never runs the tests of a module
// it does not require, so only otelkit's own test command
// (`go test ./... ./internal/testkit/...` in this repository) installs anything.
package syspkg
