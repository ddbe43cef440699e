package w3c

import (
	"fmt"
	"strings"
	"testing"
)

func TestBoundTraceStateKeepsWhatFits(t *testing.T) {
	for _, fits := range []string{"", "a=1,b=2", strings.Repeat("x", MaxTraceStateBytes), members(32, "vendor%02d="+strings.Repeat("v", 240))} {
		if got, drop := BoundTraceState(fits); got != fits || drop != 0 {
			t.Errorf("BoundTraceState(%d bytes) changed it (%v)", len(fits), drop)
		}
	}
}

// §3.3.3.1: whole entries are removed, those over 128 characters first,
// from the end.
func TestBoundTraceStateRemovesWholeLongEntriesFromTheEnd(t *testing.T) {
	// 32 entries of 259 characters: 8319 bytes; removing the last fits.
	s := members(32, "vendor%02d="+strings.Repeat("v", 250))
	got, drop := BoundTraceState(s)
	if want := members(31, "vendor%02d="+strings.Repeat("v", 250)); got != want || drop != DropTruncated {
		t.Errorf("got %d bytes (%v), want the first 31 entries", len(got), drop)
	}
}

func TestBoundTraceStateSparesShortEntries(t *testing.T) {
	// Short entries (100 characters) at 0-7 and 24-31, long ones (511) at
	// 8-23: 9807 bytes. Removing the long entries 20-23 from the end brings
	// it to 7759; removing three would leave 8271.
	entry := func(i int) string {
		if i >= 8 && i < 24 {
			return fmt.Sprintf("k%02d%s=%s", i, strings.Repeat("x", 251), strings.Repeat("v", 256))
		}
		return fmt.Sprintf("k%02d=%s", i, strings.Repeat("v", 96))
	}
	var all, want []string
	for i := 0; i < 32; i++ {
		all = append(all, entry(i))
		if i < 20 || i >= 24 {
			want = append(want, entry(i))
		}
	}
	got, drop := BoundTraceState(strings.Join(all, ","))
	if got != strings.Join(want, ",") || drop != DropTruncated {
		t.Errorf("got %d bytes (%v), want %d", len(got), drop, len(strings.Join(want, ",")))
	}
}

func TestBoundTraceStateMoreThan32Entries(t *testing.T) {
	// A caller's own header of 40 entries: the first 32 are sent.
	if got, drop := BoundTraceState(members(40, "k%d=v")); got != members(32, "k%d=v") || drop != DropTruncated {
		t.Errorf("got %q (%v)", got, drop)
	}
}

func TestBoundBaggage(t *testing.T) {
	for _, fits := range []string{"", "a=1", members(64, "k%d=v")} {
		if got, drop := BoundBaggage(fits); got != fits || drop != 0 {
			t.Errorf("BoundBaggage(%q) changed it (%v)", fits, drop)
		}
	}
	if got, drop := BoundBaggage(members(100, "k%d=v")); got != members(64, "k%d=v") || drop != DropTruncated {
		t.Errorf("100 members: %q (%v)", got, drop)
	}
	big := members(40, "k%02d="+strings.Repeat("v", 300))
	got, drop := BoundBaggage(big)
	if drop != DropTruncated || len(got) > MaxBaggageBytes || !strings.HasPrefix(big, got) || strings.HasSuffix(got, ",") {
		t.Fatalf("%d bytes (%v)", len(got), drop)
	}
	if n := strings.Count(got, ",") + 1; n != MaxBaggageBytes/305 {
		t.Errorf("kept %d members", n)
	}
	if got, _ := BoundBaggage("k=" + strings.Repeat("v", MaxBaggageBytes)); got != "" {
		t.Errorf("a single member over the limit was kept")
	}
}
