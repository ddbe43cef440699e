package logging_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/testutil/paired"
	"github.com/otelkit/otelkit/logging"
)

// TestPerfRatios measures the performance contract as paired ratios
// (internal/testutil/paired: alternating short blocks of the otelkit call
// and the zap baseline, timed by the process's CPU time), which shared,
// loaded machines disturb far less than separate benchmark runs. It runs only with
// OTELKIT_PERF=1 (go test -run PerfRatios ./logging/ with the variable set)
// and prints the ratios; BENCHMARKS.md records them.
func TestPerfRatios(t *testing.T) {
	if os.Getenv("OTELKIT_PERF") != "1" {
		t.Skip("set OTELKIT_PERF=1 to measure")
	}
	ctx, sc := requestCtx(t)
	c1, sc1 := spanCtx(ctx, 0xab, 0x01)
	c2, _ := spanCtx(ctx, 0xab, 0x02)
	req := "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"
	base := prebound(baselineZap(), sc, req)
	baseChild := prebound(baselineZap(), sc1, req)
	fs := tenFields()
	alt := [2]context.Context{c1, c2}

	three := func(l *zap.Logger) {
		l.Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
	}
	cases := []struct {
		name     string
		ours, zl func(i int)
	}{
		{"request span, 3 fields", func(int) { three(logging.FromContext(ctx)) }, func(int) { three(base) }},
		{"child span (same span again), 3 fields", func(int) { three(logging.FromContext(c1)) }, func(int) { three(baseChild) }},
		{"child span (new span every line), 3 fields", func(i int) { three(logging.FromContext(alt[i&1])) }, func(int) { three(baseChild) }},
		{"request span, 10 fields", func(int) { logging.FromContext(ctx).Info("order_shipped", fs...) }, func(int) { base.Info("order_shipped", fs...) }},
	}
	for _, tc := range cases {
		r := paired.Measure(200, 600, tc.ours, tc.zl)
		oursAllocs := testing.AllocsPerRun(1000, func() { tc.ours(1) })
		if tc.name == "child span (new span every line), 3 fields" {
			i := 0
			oursAllocs = testing.AllocsPerRun(1000, func() { i++; tc.ours(i) })
		}
		zapAllocs := testing.AllocsPerRun(1000, func() { tc.zl(1) })
		fmt.Printf("%-45s ratio %v  allocs %.0f vs %.0f\n", tc.name, r, oursAllocs, zapAllocs)
	}
}

// TestPerfRequestSetup measures, paired like TestPerfRatios, what the
// middleware does once per request (bind request_id in the server span's
// context) plus the first line, against the hand-written equivalent. It is
// a separate function because the closures of one measurement change the
// code layout, and so the timing, of the others.
func TestPerfRequestSetup(t *testing.T) {
	if os.Getenv("OTELKIT_PERF") != "1" {
		t.Skip("set OTELKIT_PERF=1 to measure")
	}
	sctx, sc := spanCtx(context.Background(), 0xab, 0xcd)
	req := "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"
	setupCtx := logging.NewContext(sctx, benchLogger(t).Zap())
	plain := baselineZap()
	ours := func() {
		c := logging.With(setupCtx, zap.String("request_id", req))
		logging.FromContext(c).Info("request", zap.Int("status", 200))
	}
	hand := func() {
		c := context.WithValue(sctx, userCtxKey{}, prebound(plain, sc, req))
		c.Value(userCtxKey{}).(*zap.Logger).Info("request", zap.Int("status", 200))
	}
	r := paired.Measure(200, 600, func(int) { ours() }, func(int) { hand() })
	fmt.Printf("%-45s ratio %v  allocs %.0f vs %.0f\n", "per request: bind request_id + first line",
		r, testing.AllocsPerRun(1000, ours), testing.AllocsPerRun(1000, hand))
}
