package logging_test

import (
	"context"
	"io"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// requestOnce returns one request through the scope, in the span of ctx,
// writing an info line and n debug lines.
func requestOnce(ctx context.Context, l *zap.Logger, n int) func() {
	ids := []string{"req-1"}
	return func() {
		s := new(reqscope.Scope)
		s.Begin(ids, l, nil, zap.String("method", "GET"), zap.String("path", "/p"))
		rctx := s.Bind(ctx)
		log := logging.FromContext(rctx)
		log.Info("handled", zap.Int("n", 1))
		for i := 0; i < n; i++ {
			log.Debug("detail", zap.Int("i", i))
		}
		s.End(&accessPolicy, reqscope.Succeeded, statusField(200))
	}
}

// Buffering on costs a request that writes nothing below info at most one
// allocation (its buffer's state; the storage is taken on the first
// buffered line, from a pool).
func TestBufferAllocationContract(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ctx, _ := staticSpan(true)
	out := logging.WithOutput(zapcore.AddSync(io.Discard))
	off, _ := newJSON(t, out)
	on, _ := bufLogger(t, out)
	offAllocs := testing.AllocsPerRun(200, requestOnce(ctx, off.Zap(), 0))
	onAllocs := testing.AllocsPerRun(200, requestOnce(ctx, on.Zap(), 0))
	if onAllocs > offAllocs+1 {
		t.Errorf("a request with buffering on: %v allocations, off: %v (at most +1 allowed)", onAllocs, offAllocs)
	}
	t.Logf("allocations per request: off %v, on %v, on with 10 debug lines dropped %v",
		offAllocs, onAllocs, testing.AllocsPerRun(200, requestOnce(ctx, on.Zap(), 10)))
}
