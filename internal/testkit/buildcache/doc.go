// Package buildcache builds a program that tests run (the collector, Jaeger)
// once, and keeps the binary between test runs.
//
// A Program's binary lives in its own directory under
// os.UserCacheDir()/otelkit/, named by its Spec's Key, which changes with
// whatever the binary is built from (a manifest, a go.mod and go.sum), so a
// change builds anew and an unchanged input reuses the binary. The build
// runs under a file lock in that directory, so that the test binaries
// `go test ./...` runs in parallel wait for one build instead of each
// running their own, and the binary is renamed into place only when the
// build has finished, so a half-written one is never used. A variable
// (Spec.EnvBinary) can name a binary built elsewhere instead.
//
// A build is bounded by Spec.MaxTime and by the test binary's deadline
// (go test -timeout); one cut short reports why, and the Go build cache
// keeps what it compiled, so the next run resumes.
package buildcache
