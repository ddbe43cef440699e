// Package testdeps finds or installs the external programs that otelkit's
// tests check configuration files with, and offers the cross-process file
// lock that test helpers use so that parallel `go test` package processes
// do expensive set-up only once.
package testdeps
