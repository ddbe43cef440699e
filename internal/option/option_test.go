package option

import "testing"

type testOption interface{ apply([]string) []string }

type add string

func (a add) apply(c []string) []string { return append(c, string(a)) }

func TestApplyInOrderSkippingNil(t *testing.T) {
	opts := []testOption{add("a"), nil, add("b")}
	got := Apply([]string{"start"}, opts, testOption.apply)
	if len(got) != 3 || got[0] != "start" || got[1] != "a" || got[2] != "b" {
		t.Fatalf("Apply = %q, want [start a b]", got)
	}
}

func TestApplyNoOptionsKeepsStart(t *testing.T) {
	if got := Apply(7, []testOption(nil), func(testOption, int) int { return 0 }); got != 7 {
		t.Fatalf("Apply = %d, want the start value 7", got)
	}
}
