package logging

import (
	"testing"
	"time"
)

// TestAbandonCountsLinesBeforeBytes: a request's buffer collected without
// an end gives its bytes back only after its lines are counted as lost, so
// a health view that sees the bytes back sees the loss
// (TestBufferRequestNeverEndedGivesBytesBack waits on the one, then checks
// the other). The round's bytes are a size no other buffer holds, so that
// another test's buffer collected meanwhile cannot pass for them.
func TestAbandonCountsLinesBeforeBytes(t *testing.T) {
	const size = 1 << 30
	deadline := time.Now().Add(5 * time.Second)
	for i := range 20000 {
		before := BufferStatsNow()
		if !reserve(size, 1<<40) {
			t.Fatal("reserve refused")
		}
		a := &bufAccount{}
		a.bytes.Store(size)
		a.lines.Store(5)
		done := make(chan struct{})
		go func() { abandon(a); close(done) }()
		for BufferStatsNow().HeldBytes >= before.HeldBytes+size/2 {
		}
		if lost := BufferStatsNow().Lost - before.Lost; lost < 5 {
			t.Fatalf("round %d: bytes back, %d of 5 lines counted as lost", i, lost)
		}
		<-done
		if time.Now().After(deadline) {
			t.Logf("stopped after %d rounds at the deadline", i+1)
			return
		}
	}
}
