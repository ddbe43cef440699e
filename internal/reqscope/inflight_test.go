package reqscope

import (
	"net/http"
	"testing"
	"time"
)

func TestWaitIdle(t *testing.T) {
	Enter()
	Enter()
	if n := WaitIdle(10 * time.Millisecond); n != 2 {
		t.Fatalf("WaitIdle with two requests in flight = %d", n)
	}
	go func() { time.Sleep(20 * time.Millisecond); Leave(); Leave() }()
	if n := WaitIdle(5 * time.Second); n != 0 {
		t.Errorf("WaitIdle once they ended = %d", n)
	}
}

// TestWaitHijackedIdle: hijacked requests are counted per server, and the
// wait is for those of the servers asked about only; it ends when the
// last of them leaves.
func TestWaitHijackedIdle(t *testing.T) {
	mine, other := &http.Server{}, &http.Server{}
	Hijack(mine)
	Hijack(other)
	defer LeaveHijacked(other)
	if n := WaitHijackedIdle([]*http.Server{mine}, 10*time.Millisecond); n != 1 {
		t.Fatalf("WaitHijackedIdle with one of its own and another server's hijacked = %d, want 1", n)
	}
	if n := WaitHijackedIdle([]*http.Server{{}}, 5*time.Second); n != 0 {
		t.Errorf("WaitHijackedIdle for a server with none = %d, want 0", n)
	}
	go LeaveHijacked(mine)
	if n := WaitHijackedIdle([]*http.Server{mine}, 5*time.Second); n != 0 {
		t.Errorf("WaitHijackedIdle once its own left = %d", n)
	}
}
