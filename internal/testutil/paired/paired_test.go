package paired

import "testing"

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
