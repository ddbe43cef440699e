package logging_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/paired"
	"github.com/otelkit/otelkit/logging"
)

// Per-request log buffering against what a user would otherwise do: write
// the debug lines (logger at debug, JSON to a file). Each case is one whole
// request through the request scope, as httpmw runs it (bind, an info line,
// n debug lines, the access line), in a sampled span, writing to a file of
// its own:
//
//	10_debug_to_file       the baseline: logger at debug, 10 debug lines written
//	10_debug_dropped       logger at info, buffering debug: 10 lines buffered, then dropped
//	10_debug_flushed       the same, every request slow: 10 lines buffered, then written
//	info_only_off          no line below info, buffering off
//	info_only_on           the same, buffering on (at most +1 allocation)
//
//	go test -run '^$' -bench BufferedRequest -benchmem ./logging/
//	OTELKIT_PERF=1 go test -run PerfBuffer -v ./logging/   # paired ratios
func BenchmarkBufferedRequest(b *testing.B) {
	ctx, _ := staticSpan(true)
	for _, tc := range bufferBenchCases() {
		run := requestOnce(ctx, benchFileLogger(b, tc.opts...).Zap(), tc.n)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
	}
}

type bufferBenchCase struct {
	name string
	opts []logging.Option
	n    int
}

func bufferBenchCases() []bufferBenchCase {
	buffering := []logging.Option{logging.WithBufferLevel(zapcore.DebugLevel), logging.WithBufferSlow(time.Hour)}
	return []bufferBenchCase{
		{"10_debug_to_file", []logging.Option{logging.WithLevel(zapcore.DebugLevel)}, 10},
		{"10_debug_dropped", buffering, 10},
		{"10_debug_flushed", []logging.Option{logging.WithBufferLevel(zapcore.DebugLevel), logging.WithBufferSlow(time.Nanosecond)}, 10},
		{"info_only_off", nil, 0},
		{"info_only_on", buffering, 0},
	}
}

// benchFileLogger is a JSON logger writing to a new file.
func benchFileLogger(tb testing.TB, opts ...logging.Option) *logging.Logger {
	tb.Helper()
	f, err := os.CreateTemp(tb.TempDir(), "log")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = f.Close() })
	all := append([]logging.Option{logging.WithFormat("json"), logging.WithOutput(f), logging.WithEnvLookup(noEnv)}, opts...)
	l, err := logging.New(all...)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// TestPerfBufferRatios measures the buffering contract as paired ratios
// (see TestPerfRatios): 10 debug lines buffered and dropped against the same
// lines written to a file (target <= 0.8), and buffering on against off for
// a request with no line below info. Besides wall time it reports the CPU
// time of the measuring thread (Linux), which other processes on a loaded
// machine disturb far less. It runs only with OTELKIT_PERF=1.
func TestPerfBufferRatios(t *testing.T) {
	if os.Getenv("OTELKIT_PERF") != "1" {
		t.Skip("set OTELKIT_PERF=1 to measure")
	}
	ctx, _ := staticSpan(true)
	runs := map[string]func(){}
	for _, tc := range bufferBenchCases() {
		runs[tc.name] = requestOnce(ctx, benchFileLogger(t, tc.opts...).Zap(), tc.n)
	}
	for _, pair := range [][2]string{{"10_debug_dropped", "10_debug_to_file"}, {"10_debug_flushed", "10_debug_to_file"}, {"info_only_on", "info_only_off"}} {
		fmt.Printf("%-18s vs %-18s ratio %v  allocs %.0f vs %.0f\n", pair[0], pair[1], pairedRatio(runs[pair[0]], runs[pair[1]]),
			testing.AllocsPerRun(500, runs[pair[0]]), testing.AllocsPerRun(500, runs[pair[1]]))
	}
}

// pairedRatio measures ours against base as paired ratios, in blocks of
// 50 calls (internal/testutil/paired).
func pairedRatio(ours, base func()) paired.Result {
	return paired.Measure(50, 400, func(int) { ours() }, func(int) { base() })
}
