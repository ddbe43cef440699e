// Package paired measures two pieces of code against each other as paired
// ratios, the method of otelkit's performance tests (OTELKIT_PERF=1): short
// blocks of each, alternating, timed by the process's CPU time. A shared,
// loaded machine moves separate benchmark runs by ±20-40 %; paired sums move
// by about ±0.01.
package paired

import (
	"fmt"
	"sort"
	"time"
)

// Result is one paired measurement of a against b.
type Result struct {
	Median, P25, P75 float64 // of the per-round ratios a/b
	Sums             float64 // the summed time of a over that of b
	NsA, NsB         float64 // per call
}

func (r Result) String() string {
	return fmt.Sprintf("median %.3f (p25 %.3f, p75 %.3f), sums %.3f; %.0f vs %.0f ns/call",
		r.Median, r.P25, r.P75, r.Sums, r.NsA, r.NsB)
}

// Measure calls a and then b block times each, or b and then a, in turns,
// for rounds rounds, handing each call its index in the block. It times
// each block by the process's CPU time (so the garbage collector's work
// counts, and other processes' does not; wall time where that clock cannot
// be read). Each side goes first in every other round, so that what one
// block leaves behind (garbage, caches) weighs on both; the first tenth of
// the rounds warms up and is not counted.
func Measure(block, rounds int, a, b func(i int)) Result {
	var ratios []float64
	var sumA, sumB time.Duration
	for r := 0; r < rounds; r++ {
		var da, db time.Duration
		if r%2 == 0 {
			da, db = timeBlock(block, a), timeBlock(block, b)
		} else {
			db, da = timeBlock(block, b), timeBlock(block, a)
		}
		if r < rounds/10 {
			continue
		}
		sumA, sumB = sumA+da, sumB+db
		ratios = append(ratios, float64(da)/float64(db))
	}
	sort.Float64s(ratios)
	n := float64(len(ratios) * block)
	return Result{
		Median: ratios[len(ratios)/2], P25: ratios[len(ratios)/4], P75: ratios[3*len(ratios)/4],
		Sums: float64(sumA) / float64(sumB),
		NsA:  float64(sumA) / n, NsB: float64(sumB) / n,
	}
}

// timeBlock calls f block times and returns the time they took.
func timeBlock(block int, f func(i int)) time.Duration {
	t0 := now()
	for i := 0; i < block; i++ {
		f(i)
	}
	return now() - t0
}

// now reads the process CPU clock, or the monotonic wall clock where it
// cannot be read.
func now() time.Duration {
	if d, ok := processCPU(); ok {
		return d
	}
	return time.Since(start)
}

var start = time.Now()
