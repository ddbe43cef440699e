package traceview

import (
	"fmt"
	"testing"
	"time"
)

// TestBarStyleWithinAxis: a span's bar never reaches past the right end of
// the axis: not a short span at the very end (the least width, 0.4 %, was
// added to a left of 100 %), nor one whose left and width each round up,
// nor one that starts before the trace or outlasts it; and it is never
// narrower than 0.4 %.
func TestBarStyleWithinAxis(t *testing.T) {
	const total = 3 * time.Second
	for _, tc := range []struct{ offset, d time.Duration }{
		{total, 0}, // ends the trace, takes no time
		{total - time.Microsecond, time.Microsecond},
		{total / 3, total - total/3},                            // 33.3333 % + 66.6667 %: each rounds
		{2000500 * time.Microsecond, 999500 * time.Microsecond}, // 66.683 % + 33.317 %
		{1000005 * time.Microsecond, 1999995 * time.Microsecond},
		{0, total}, {0, 2 * total}, {-time.Second, 2 * total}, {2 * total, time.Second},
		{total / 2, 0},
	} {
		css := string(barStyle(tc.offset, tc.d, total))
		var left, width float64
		if _, err := fmt.Sscanf(css, "left:%f%%;width:%f%%", &left, &width); err != nil {
			t.Fatalf("barStyle(%v, %v) = %q: %v", tc.offset, tc.d, css, err)
		}
		if left < 0 || width < 0.4 || left+width > 100+1e-9 {
			t.Errorf("barStyle(%v, %v, %v) = %q: left %.3f + width %.3f = %.3f %%", tc.offset, tc.d, total, css, left, width, left+width)
		}
	}
	if got := barStyle(0, time.Second, 0); got != "left:0.000%;width:100.000%" {
		t.Errorf("a trace of no duration: %q", got)
	}
}
