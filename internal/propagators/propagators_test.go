package propagators

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// TestBuild: the composite holds the named propagators; none empties it;
// unknown names come back once each, in order, without a propagator, also
// beside none (which returned at once, and a name after or before it that
// is no propagator was accepted without a word).
func TestBuild(t *testing.T) {
	for _, tc := range []struct {
		list    []string
		fields  []string // of the composite, in any order
		unknown []string
	}{
		{[]string{"tracecontext", "baggage"}, []string{"traceparent", "tracestate", "baggage"}, nil},
		{[]string{"jaeger", "b3"}, []string{"uber-trace-id", "b3"}, nil},
		{[]string{"b3multi"}, []string{"x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags"}, nil},
		{[]string{"ottrace"}, []string{"ot-tracer-traceid", "ot-tracer-spanid", "ot-tracer-sampled"}, nil},
		{[]string{"b3", "none", "tracecontext"}, nil, nil},
		{[]string{"zipkin", "tracecontext", "xray", "zipkin"}, nil, []string{"zipkin", "xray"}},
		// none does not hide a mistyped name, before or after it.
		{[]string{"tracecontxt", "none", "b4"}, nil, []string{"tracecontxt", "b4"}},
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
			got := slices.Sorted(slices.Values(p.Fields()))
			if want := slices.Sorted(slices.Values(tc.fields)); !slices.Equal(got, want) {
				t.Errorf("fields = %q, want %q", got, tc.fields)
			}
		})
	}
}

// TestBuildKeepsOrder: with two formats in a request, the one named last
// wins, as in a composite of the list's order.
func TestBuildKeepsOrder(t *testing.T) {
	const w3c, b3 = "0af7651916cd43dd8448eb211c80319c", "80f198ee56343ba864fe8b2a57d3eff7"
	carrier := propagation.MapCarrier{
		"traceparent": "00-" + w3c + "-b7ad6b7169203331-01",
		"b3":          b3 + "-e457b5a2e4d86bd1-1",
	}
	for _, tc := range []struct {
		list []string
		want string
	}{
		{[]string{"b3", "tracecontext"}, w3c},
		{[]string{"tracecontext", "b3"}, b3},
	} {
		p, _ := Build(tc.list)
		got := trace.SpanContextFromContext(p.Extract(context.Background(), carrier)).TraceID().String()
		if got != tc.want {
			t.Errorf("%v extracted trace %s, want %s", tc.list, got, tc.want)
		}
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
