// Package layering checks, in its tests, the import rules of DESIGN.md
// that keep the library apart from its test machinery:
//
//   - no non-test package under an internal/ directory (internal/...,
//     otel/internal/...) imports otel, httpmw or grpcmw: internal packages
//     sit below the public packages that use them;
//   - no non-test library package imports test machinery: the testkit
//     module (internal/testkit/..., this one) or the helpers the library's
//     own tests share (internal/testutil/...: logbuf, fakeotlp,
//     handwritten); the testkit module's non-test packages are held to
//     the first rule too;
//   - only tests of the testkit module use syspkg, which installs system
//     packages: a consumer's `go test all` runs the tests of the otelkit
//     packages it imports, never those of another module.
//
// and, in linking_test.go, what a user's program links:
//
//   - the host instrumentation and gopsutil only through
//     metrics/hostmetrics;
//   - no upstream package that upstream deprecated (otel/log/global, the
//     AWS propagators' contrib module), even behind another module;
//   - one semconv version, otelhttp's, in library and test code.
//
// Test files may import anything: `go list` reports their imports apart
// (TestImports, XTestImports), and the rules are about what a user links.
package layering
