package logging

import (
	"testing"
	"time"
)

// TestAbandonCountsLinesBeforeBytes: a request's buffer collected without
// an end gives its bytes back only after its lines are counted as lost, so
// a health view that sees the bytes back sees the loss
// (TestBufferRequestNeverEndedGivesBytesBack waits on the one, then checks
// the other).
func TestAbandonCountsLinesBeforeBytes(t *testing.T) {
	const rounds = 20000
	deadline := time.Now().Add(20 * time.Second)
	for i := range rounds {
		before := BufferStatsNow()
		if !reserve(100, 1<<40) {
			t.Fatal("reserve refused")
		}
		a := &bufAccount{}
		a.bytes.Store(100)
		a.lines.Store(5)
		done := make(chan struct{})
		go func() { abandon(a); close(done) }()
		for BufferStatsNow().HeldBytes > before.HeldBytes && time.Now().Before(deadline) {
		}
		if lost := BufferStatsNow().Lost - before.Lost; lost < 5 {
			t.Fatalf("round %d: bytes back, %d of 5 lines counted as lost", i, lost)
		}
		<-done
		if time.Now().After(deadline) {
			t.Logf("stopped after %d rounds at the deadline", i)
			return
		}
	}
}
