// Package filelock is a cross-process lock on a file, so that the test
// binaries `go test ./...` runs in parallel (one process per package) do an
// expensive set-up once: building the collector or Jaeger (buildcache),
// installing a Debian package (syspkg).
package filelock
