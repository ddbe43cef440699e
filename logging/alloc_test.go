package logging_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

// TestAllocationContract enforces the allocation half of the performance
// contract (allocation counts are deterministic, timings are not): a line
// through FromContext allocates no more than the same line on a zap logger
// with the trace fields bound in advance; a line in a span never seen before
// at most one more.
func TestAllocationContract(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ctx, sc := requestCtx(t)
	req := "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"
	base := prebound(baselineZap(), sc, req)
	c1, sc1 := spanCtx(ctx, 0xab, 0x01)
	c2, _ := spanCtx(ctx, 0xab, 0x02)
	baseChild := prebound(baselineZap(), sc1, req)
	fs := tenFields()
	three := func(l *zap.Logger) {
		l.Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
	}
	alt := [2]context.Context{c1, c2}
	i := 0
	sctx, _ := spanCtx(context.Background(), 0xab, 0xcd)
	setupCtx := logging.NewContext(sctx, benchLogger(t).Zap())
	plain := baselineZap()

	cases := []struct {
		name       string
		ours, zl   func()
		extraAllow float64
	}{
		{"request span, 3 fields", func() { three(logging.FromContext(ctx)) }, func() { three(base) }, 0},
		{"child span, 3 fields", func() { three(logging.FromContext(c1)) }, func() { three(baseChild) }, 0},
		{"new span every line, 3 fields", func() { i++; three(logging.FromContext(alt[i&1])) }, func() { three(baseChild) }, 1},
		{"request span, 10 fields", func() { logging.FromContext(ctx).Info("order_shipped", fs...) }, func() { base.Info("order_shipped", fs...) }, 0},
		{"per request setup", func() {
			c := logging.With(setupCtx, zap.String("request_id", req))
			logging.FromContext(c).Info("request", zap.Int("status", 200))
		}, func() {
			c := context.WithValue(sctx, userCtxKey{}, prebound(plain, sc, req))
			c.Value(userCtxKey{}).(*zap.Logger).Info("request", zap.Int("status", 200))
		}, 0},
	}
	for _, tc := range cases {
		ours := testing.AllocsPerRun(200, tc.ours)
		zl := testing.AllocsPerRun(200, tc.zl)
		if ours > zl+tc.extraAllow {
			t.Errorf("%s: %v allocations, zap baseline %v (allowed +%v)", tc.name, ours, zl, tc.extraAllow)
		}
	}
}
