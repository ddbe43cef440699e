package cpuclock

import (
	"runtime"
	"testing"
)

// TestClocksAdvanceWithWork: both clocks read, and count CPU spent between
// two reads (a busy loop of a few milliseconds).
func TestClocksAdvanceWithWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, ok := Process(); ok {
			t.Fatal("Process reports a time outside Linux")
		}
		t.Skip("the clocks are read on Linux only")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for name, clock := range map[string]func() (int64, bool){
		"process": func() (int64, bool) { d, ok := Process(); return int64(d), ok },
		"thread":  func() (int64, bool) { d, ok := Thread(); return int64(d), ok },
	} {
		t0, ok0 := clock()
		x := 0
		for i := 0; i < 20_000_000; i++ {
			x += i ^ (x >> 3)
		}
		t1, ok1 := clock()
		if !ok0 || !ok1 || t1 <= t0 {
			t.Errorf("%s clock: %d (%v) then %d (%v) around a busy loop (%d)", name, t0, ok0, t1, ok1, x)
		}
	}
}
