// Package jaeger runs a real Jaeger v2 in tests and reads traces back through
// its query API, the way a user's browser or script would.
//
// # Building Jaeger
//
// Binary builds github.com/jaegertracing/jaeger/cmd/jaeger at Version from
// the module in module/ (its own go.mod and go.sum, so Jaeger's ~330 modules
// never reach otelkit's go.mod), once per version, and caches the binary
// under os.UserCacheDir()/otelkit/. The first build downloads and compiles
// for 7 to 12 minutes on two cores, depending on what else runs; later runs
// reuse the binary. A test binary's -timeout bounds the build (go test's
// default of 10 minutes can be too short for a first build: run it with
// -timeout 30m). Set OTELKIT_JAEGER_BIN to use a Jaeger v2 binary you built
// yourself. A binary built from the Go module serves the query APIs but no
// UI (upstream builds the UI's assets with npm and embeds them in releases).
//
// # Running it
//
// Start launches Jaeger on free loopback ports with OTLP in, memory storage
// and the query service, or with a configuration of your own (WithConfig,
// which is how the local stack's examples/stack/jaeger.yaml is checked), and
// stops it when the test ends:
//
//	j := jaeger.Start(t)
//	// … export spans over OTLP/gRPC to j.OTLPGRPCEndpoint() …
//	tr := j.WaitTrace(t, 30*time.Second, traceID, func(tr jaeger.Trace) bool {
//		return len(tr.Services()) == 2
//	})
//
// Trace and WaitTrace use GET /api/v3/traces/{id}, Jaeger's stable HTTP API.
package jaeger
