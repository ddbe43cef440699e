package logging

import (
	"runtime"
	"testing"
)

//go:noinline
func pcHere() uintptr {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	return pcs[0]
}

//go:noinline
func pcThere() uintptr {
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	return pcs[0]
}

// callerOf gives what runtime.CallersFrames gives, from the cache or not,
// and a slot taken over by another PC never answers for the old one.
func TestCallerCache(t *testing.T) {
	want := func(pc uintptr) runtime.Frame {
		f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
		return f
	}
	for _, pc := range []uintptr{pcHere(), pcThere()} {
		w := want(pc)
		for i := 0; i < 3; i++ { // a miss, then hits
			c := callerOf(pc)
			if !c.Defined || c.File != w.File || c.Line != w.Line || c.Function != w.Function || c.PC != w.PC {
				t.Fatalf("callerOf(%#x) = %+v, want %s:%d %s", pc, c, w.File, w.Line, w.Function)
			}
		}
	}
	// A PC in the same slot as pcHere's replaces it; both still resolve right.
	a := pcHere()
	b := a + callerSlots // same slot index for this mapping? find one that is
	for idx := func(pc uintptr) uintptr { return (pc ^ pc>>10 ^ pc>>20) & (callerSlots - 1) }; idx(b) != idx(a); b++ {
	}
	if b == a {
		t.Fatal("no colliding PC")
	}
	same := func(pc uintptr) bool {
		c, w := callerOf(pc), want(pc)
		return c.PC == w.PC && c.File == w.File && c.Line == w.Line && c.Function == w.Function
	}
	for i := 0; i < 2; i++ {
		if !same(a) || !same(b) {
			t.Fatalf("colliding PCs %#x and %#x answered wrongly", a, b)
		}
	}
	// Unknown PCs do not panic and the cache stays bounded (a fixed array).
	for pc := uintptr(1); pc < 5000; pc += 7 {
		_ = callerOf(pc)
	}
	if len(callerCache) != callerSlots {
		t.Fatal("cache size changed")
	}
}
