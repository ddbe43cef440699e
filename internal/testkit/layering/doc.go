// Package layering checks, in its tests, the import rules of DESIGN.md
// that keep the library apart from its test machinery:
//
//   - no non-test package under internal/ imports otel, httpmw or grpcmw:
//     internal packages sit below the public packages that use them, and
//     test machinery that must drive those packages (the load benchmark's
//     variants, the fault suite) does it from test files;
//   - no non-test package outside internal/testkit/... imports
//     internal/testkit/...: the library never links its test machinery;
//   - only tests under internal/testkit/... use syspkg, which installs
//     system packages: a consumer's `go test all` runs the tests of the
//     otelkit packages it imports, never those of internal/testkit/....
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
