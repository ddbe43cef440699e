package propagators

import (
	"slices"
	"strings"
	"testing"
)

// TestBuild: the composite holds the named propagators in the list's
// order; none empties it; unknown names come back once each, in order,
// without a propagator.
func TestBuild(t *testing.T) {
	for _, tc := range []struct {
		list    []string
		fields  []string // of the composite, in order
		unknown []string
	}{
		{[]string{"tracecontext", "baggage"}, []string{"traceparent", "tracestate", "baggage"}, nil},
		{[]string{"jaeger", "b3"}, []string{"uber-trace-id", "b3"}, nil},
		{[]string{"b3multi"}, []string{"x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags"}, nil},
		{[]string{"ottrace"}, []string{"ot-tracer-traceid", "ot-tracer-spanid", "ot-tracer-sampled"}, nil},
		{[]string{"b3", "none", "tracecontext"}, nil, nil},
		{[]string{"zipkin", "tracecontext", "xray", "zipkin"}, nil, []string{"zipkin", "xray"}},
	} {
		t.Run(strings.Join(tc.list, ","), func(t *testing.T) {
			p, unknown := Build(tc.list)
			if !slices.Equal(unknown, tc.unknown) {
				t.Fatalf("unknown = %q, want %q", unknown, tc.unknown)
			}
			if tc.unknown != nil {
				if p != nil {
					t.Errorf("propagator %v with unknown names", p)
				}
				return
			}
			if got := p.Fields(); !slices.Equal(got, tc.fields) && !(len(got) == 0 && len(tc.fields) == 0) {
				t.Errorf("fields = %q, want %q", got, tc.fields)
			}
		})
	}
}

// TestAllowed: every accepted name is listed; xray's refusal is explained
// only when xray was asked for.
func TestAllowed(t *testing.T) {
	plain := Allowed([]string{"zipkin"})
	for _, n := range names {
		if !strings.Contains(plain, n) {
			t.Errorf("%q does not list %s", plain, n)
		}
		if _, ok := byName(n); !ok && n != "none" {
			t.Errorf("%s is listed but not built", n)
		}
	}
	if strings.Contains(plain, "xray") {
		t.Errorf("%q mentions xray, which was not asked for", plain)
	}
	if x := Allowed([]string{"zipkin", "xray"}); !strings.Contains(x, "deprecated") || !strings.Contains(x, "WithPropagators") {
		t.Errorf("%q does not say why xray is refused and what to do", x)
	}
}
