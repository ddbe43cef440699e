package w3c

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

const (
	parent   = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	parent2  = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b8-01"
	traceHex = "4bf92f3577b34da6a3ce929d0e0e4736"
)

func TestNormalizeTraceParent(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  string
		drop  Drop
	}{
		{"absent", nil, "", 0},
		{"one line", []string{parent}, parent, 0},
		{"optional whitespace", []string{" \t" + parent + "\t "}, parent, 0},
		{"identical repeats read as one", []string{parent, " " + parent}, parent, 0},
		{"differing repeats restart", []string{parent, parent2}, "", DropConflict},
		{"empty and valid differ", []string{parent, ""}, "", DropConflict},
		{"over the byte limit", []string{parent + strings.Repeat("-ab", 200)}, "", DropOversize},
		{"repeats over the byte limit", slicesRepeat(parent, 10), "", DropOversize},
		{"too many lines", slicesRepeat("", maxFieldLines+1), "", DropOversize},
		{"reserved flag cleared", []string{parent[:53] + "09"}, parent, 0},
		{"all flags cleared to defined ones", []string{parent[:53] + "ff"}, parent[:53] + "03", 0},
		{"random flag kept", []string{parent[:53] + "03"}, parent[:53] + "03", 0},
		{"upper-case flags left to the SDK", []string{parent[:53] + "0A"}, parent[:53] + "0A", 0},
		{"later version left to the SDK", []string{"cc" + parent[2:53] + "09-extra"}, "cc" + parent[2:53] + "09-extra", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, drop := NormalizeTraceParent(tc.lines)
			if got != tc.want || drop != tc.drop {
				t.Errorf("got %q (%v), want %q (%v)", got, drop, tc.want, tc.drop)
			}
		})
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// The SDK rejects a version-00 traceparent with undefined flags; through
// Propagator the trace continues, sampled.
func TestReservedFlagsContinueTheTrace(t *testing.T) {
	h := propagation.HeaderCarrier{}
	h.Set("traceparent", parent[:53]+"09")
	if sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), h)); sc.IsValid() {
		t.Fatal("the SDK now accepts reserved flags: drop clearReservedFlags and its documentation")
	}
	sc := trace.SpanContextFromContext(Propagator(propagation.TraceContext{}).Extract(context.Background(), h))
	if sc.TraceID().String() != traceHex || !sc.IsSampled() || sc.TraceFlags() != trace.FlagsSampled {
		t.Errorf("span context %v flags %v", sc, sc.TraceFlags())
	}
}

func TestNormalizeTraceParentAllocatesNothing(t *testing.T) {
	lines := []string{parent}
	if n := testing.AllocsPerRun(100, func() { _, _ = NormalizeTraceParent(lines) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
