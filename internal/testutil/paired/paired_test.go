package paired

import (
	"runtime"
	"testing"
)

var sink uint64

// work does n rounds of arithmetic the compiler cannot drop.
func work(n int) {
	x := sink | 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink = x
}

// A side that does twice the work measures about twice as long, and each
// call sees its index in the block.
func TestMeasureRatioAndIndex(t *testing.T) {
	var seen [5]int
	r := Measure(5, 20, func(i int) { seen[i]++; work(200000) }, func(int) { work(100000) })
	if r.Sums < 1.5 || r.Sums > 2.7 || r.Median < 1.5 || r.Median > 2.7 {
		t.Errorf("twice the work measured as %v", r)
	}
	if r.P25 > r.Median || r.Median > r.P75 || r.NsA <= r.NsB {
		t.Errorf("inconsistent result %v", r)
	}
	for i, n := range seen {
		if n != 20 {
			t.Errorf("index %d called %d times, want 20", i, n)
		}
	}
}

// The process CPU clock reads on Linux, and counts the CPU a busy loop
// spends; elsewhere it reports false.
func TestProcessCPUAdvancesWithWork(t *testing.T) {
	t0, ok0 := processCPU()
	if runtime.GOOS != "linux" {
		if ok0 {
			t.Fatal("processCPU reports a time outside Linux")
		}
		t.Skip("the clock is read on Linux only")
	}
	work(20_000_000)
	if t1, ok1 := processCPU(); !ok0 || !ok1 || t1 <= t0 {
		t.Errorf("process clock %v (%v) then %v (%v) around a busy loop", t0, ok0, t1, ok1)
	}
}
