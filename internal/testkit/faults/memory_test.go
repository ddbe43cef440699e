package faults

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"go.uber.org/zap"
)

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestHeapBoundedWhenDown emits 100 000 spans and 100 000 log lines against
// a collector that refuses connections: the heap must stay near what the
// queues (2048 spans, 2048 log records by default) can hold.
func TestHeapBoundedWhenDown(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const n = 100_000
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			ep, _ := fakeotlp.DownEndpoint(t)
			faultEnv(t, ep, protocol, exportTimeout)
			tel := initTel(t, discard{})
			tracer := tel.TracerProvider().Tracer("faults")
			log := tel.Logger()
			counter, _ := tel.MeterProvider().Meter("faults").Int64Counter("items")
			ctx := context.Background()

			before := heapAfterGC()
			start := time.Now()
			var peak uint64
			for i := range n {
				sctx, span := tracer.Start(ctx, "work")
				log.Info("item_done", zap.Int("i", i), zap.String("payload", "0123456789abcdef0123456789abcdef"))
				counter.Add(sctx, 1)
				span.End()
				if i%20_000 == 0 {
					peak = max(peak, heapAfterGC())
				}
			}
			emit := time.Since(start)
			after := heapAfterGC()
			peak = max(peak, after)
			growth := int64(after) - int64(before)
			record(t, "Memory", "%s: %d spans + %d log lines in %v; heap before %.1f MiB, after %.1f MiB (growth %.1f MiB), peak sampled %.1f MiB",
				protocol, n, n, emit.Round(time.Millisecond), mib(before), mib(after), float64(growth)/(1<<20), mib(peak))

			// Two full queues of 2048 items are a few MiB; 64 MiB is a
			// generous bound that an unbounded buffer of 200 000 items
			// would exceed under -race and without.
			const bound = 64 << 20
			if growth > bound {
				t.Errorf("heap grew by %.1f MiB after %d spans and log lines against a down collector (bound %d MiB)", float64(growth)/(1<<20), n, bound>>20)
			}
			sctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			t0 := time.Now()
			_ = tel.Shutdown(sctx)
			margin := time.Second // scheduling on a loaded machine, as in requestpath_test.go
			if raceEnabled {
				margin *= 2
			}
			if took := time.Since(t0); took > 500*time.Millisecond+margin {
				t.Errorf("Shutdown took %v with a 500ms deadline (+%v margin)", took, margin)
			}
		})
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
