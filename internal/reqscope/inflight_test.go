package reqscope

import (
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
