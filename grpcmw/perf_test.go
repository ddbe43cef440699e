package grpcmw

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	testpb "google.golang.org/grpc/interop/grpc_testing"

	"github.com/otelkit/otelkit/internal/testutil/handwritten"
	"github.com/otelkit/otelkit/internal/testutil/paired"
	"github.com/otelkit/otelkit/logging"
)

// TestPerfServerDirect measures BenchmarkServerDirect's pairs as paired
// ratios (internal/testutil/paired: alternating blocks of RPCs through
// grpcmw and through the hand-written stack, timed by the process's CPU
// time). It runs only with OTELKIT_PERF=1 and prints the figures
// (grpcmw/BENCHMARKS.md); pin it to one CPU (taskset -c 1, -test.cpu 1) for
// stable numbers. It asserts nothing about time.
func TestPerfServerDirect(t *testing.T) {
	if os.Getenv("OTELKIT_PERF") != "1" {
		t.Skip("set OTELKIT_PERF=1 to measure")
	}
	logger, ok := benchLogger(), otelkitLogger(t)
	p := newBenchProviders(t, sdktrace.AlwaysSample())
	hwLine, mwLine := lineHandlers()
	req := &testpb.Empty{}
	cases := []struct {
		name   string
		hw, mw stack
		hh, mh func(context.Context, any) (any, error)
	}{
		// The control: the hand-written stack against itself, whose ratio
		// is the measurement's own error.
		{"control", handWrittenStack(p, logger), handWrittenStack(p, logger), hwLine, hwLine},
		{"plain", handWrittenStack(p, logger), grpcmwStack(p, logger), emptyHandler, emptyHandler},
		{"logline", handWrittenStack(p, logger), grpcmwStack(p, logger), hwLine, mwLine},
		{"loglines", handWrittenStack(p, logger), grpcmwStack(p, logger), manyLines(handwritten.Logger), manyLines(logging.FromContext)},
		{"logline-otelkit", handWrittenStack(p, ok), grpcmwStack(p, ok), hwLine, mwLine},
	}
	for _, tc := range cases {
		runtime.GC()
		mw := func(int) { tc.mw.serveOne(benchMD, tc.mh, req) }
		hw := func(int) { tc.hw.serveOne(benchMD, tc.hh, req) }
		fmt.Printf("%-16s grpcmw/handwritten %v; allocs %.0f vs %.0f\n", tc.name, paired.Measure(100, 400, mw, hw),
			testing.AllocsPerRun(200, func() { mw(0) }), testing.AllocsPerRun(200, func() { hw(0) }))
	}
}
