package panictext

import (
	"errors"
	"strings"
	"testing"
)

// selfPanicking's String panics with itself, so that fmt, formatting it,
// panics again.
type selfPanicking struct{}

func (s selfPanicking) String() string { panic(s) }

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		v    any
		max  int
		want string
	}{
		{"boom", 10, "boom"},
		{errors.New("nil map"), 10, "nil map"},
		{nil, 10, "<nil>"},
		{selfPanicking{}, 10, "(panictext.selfPanicking)"},
		{strings.Repeat("x", 20), 8, "xxxxxxxx"},
		{"ééé", 5, "éé"}, // not in the middle of a rune
		{"😀😀", 7, "😀"},
		// Bytes that are no rune's start (invalid UTF-8) are cut at max:
		// the cut walks back over at most one rune's continuation bytes.
		{strings.Repeat("\x80", 20), 8, strings.Repeat("\x80", 8)},
	} {
		if got := Of(tc.v, tc.max); got != tc.want {
			t.Errorf("Of(%#v, %d) = %q, want %q", tc.v, tc.max, got, tc.want)
		}
	}
}
