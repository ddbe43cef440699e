package grpcmw

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/testutil/cpuclock"
	"github.com/otelkit/otelkit/internal/testutil/handwritten"
	"github.com/otelkit/otelkit/logging"
)

// TestPerfServerDirect measures BenchmarkServerDirect's pairs as paired
// ratios: it alternates short blocks of RPCs through grpcmw and through the
// hand-written stack, times each block by the process's CPU time (so the
// garbage collector's work counts, and other processes' does not), and
// reports the ratio of the summed times and the median of the per-block
// ratios, which a shared, loaded machine disturbs far less than separate
// benchmark runs. It runs only with OTELKIT_PERF=1 and
// prints the figures (see the README notes of the branch that added it);
// pin it to one CPU (taskset -c 1, -test.cpu 1) for stable numbers. It
// asserts nothing about time.
func TestPerfServerDirect(t *testing.T) {
	if os.Getenv("OTELKIT_PERF") != "1" {
		t.Skip("set OTELKIT_PERF=1 to measure")
	}
	if _, ok := cpuclock.Process(); !ok {
		t.Skip("no process CPU clock here")
	}
	logger, ok := benchLogger(), otelkitLogger(t)
	p := newBenchProviders(t, sdktrace.AlwaysSample())
	withID := metadata.Pairs("traceparent", validParent, RequestIDMetadataKey, "req-0123456789",
		"user-agent", "grpc-go/1.84.0", ":authority", "bufconn", "content-type", "application/grpc")
	hwLine := func(ctx context.Context, _ any) (any, error) {
		handwritten.Logger(ctx).Info("order_loaded", zap.String("order_id", "42"))
		return &testpb.Empty{}, nil
	}
	mwLine := func(ctx context.Context, _ any) (any, error) {
		logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "42"))
		return &testpb.Empty{}, nil
	}
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
	const block, rounds = 100, 400
	// timeBlock serves block RPCs through s with handler h and returns the
	// process CPU time they took.
	timeBlock := func(s stack, h func(context.Context, any) (any, error)) time.Duration {
		t0, _ := cpuclock.Process()
		for i := 0; i < block; i++ {
			s.serveOne(withID, h, req)
		}
		t1, _ := cpuclock.Process()
		return t1 - t0
	}
	for _, tc := range cases {
		runtime.GC()
		var ratios []float64
		var sumMW, sumHW time.Duration // process CPU time
		for r := 0; r < rounds; r++ {
			// Each side goes first in every other round, so that what
			// one block leaves behind (garbage, caches) weighs on both.
			var mw, hw time.Duration
			if r%2 == 0 {
				mw, hw = timeBlock(tc.mw, tc.mh), timeBlock(tc.hw, tc.hh)
			} else {
				hw, mw = timeBlock(tc.hw, tc.hh), timeBlock(tc.mw, tc.mh)
			}
			if r < rounds/10 {
				continue // warm-up
			}
			sumMW, sumHW = sumMW+mw, sumHW+hw
			ratios = append(ratios, float64(mw)/float64(hw))
		}
		sort.Float64s(ratios)
		fmt.Printf("%-16s grpcmw/handwritten median %.3f (p25 %.3f, p75 %.3f), sums %.3f; %.0f vs %.0f ns/RPC; allocs %.0f vs %.0f\n",
			tc.name, ratios[len(ratios)/2], ratios[len(ratios)/4], ratios[3*len(ratios)/4],
			float64(sumMW)/float64(sumHW),
			float64(sumMW)/float64(len(ratios)*block), float64(sumHW)/float64(len(ratios)*block),
			testing.AllocsPerRun(200, func() { tc.mw.serveOne(withID, tc.mh, req) }),
			testing.AllocsPerRun(200, func() { tc.hw.serveOne(withID, tc.hh, req) }))
	}
}
