package faults

import (
	"context"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestOversizedResponseBounded: a collector answering every export with a
// 256 MiB body. The exporters stop reading at their limit (4 MiB, OTLP/HTTP)
// and report an error: the bytes allocated while flushing all three
// signals stay far below what the collector sent.
func TestOversizedResponseBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const size = 1 << 30
	c, ep := fakeFor(t, protoHTTP, fakeotlp.Behaviour{Oversize: size})
	tel := initWith(t, ep, protoHTTP, 5*time.Second)
	emit(tel, 10)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := tel.ForceFlush(ctx)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	requests, _ := c.Count("")
	record(t, "Memory", "oversized answers (%d MiB each, OTLP/HTTP): %d exports flushed in %v, %.1f MiB allocated in all, error: %.100q",
		size>>20, requests, took.Round(time.Millisecond), mib(allocated), errString(err))
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("ForceFlush error %v, want a response-too-large error", err)
	}
	if requests < 3 {
		t.Errorf("%d exports reached the collector, want one per signal", requests)
	}
	// Reading even one answer whole would allocate 1 GiB; the three
	// bounded reads allocate about 50 MiB (100 MiB under -race) (buffers growing to 4 MiB).
	if allocated > size/2 {
		t.Errorf("%.1f MiB allocated while the collector sent %d MiB per answer: the response is not bounded", mib(allocated), size>>20)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
