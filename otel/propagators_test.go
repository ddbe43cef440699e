package otel

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/env"
)

// TestPropagatorsByName: every OTEL_PROPAGATORS name Init accepts selects
// the propagator that reads and writes that format's headers, alone or in
// a list; none wins over the rest; unset means tracecontext,baggage.
func TestPropagatorsByName(t *testing.T) {
	for _, tc := range []struct {
		value  string // "" unset
		fields []string
	}{
		{"", []string{"traceparent", "tracestate", "baggage"}},
		{"tracecontext", []string{"traceparent", "tracestate"}},
		{"baggage", []string{"baggage"}},
		{"b3", []string{"b3"}},
		{"b3multi", []string{"x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags"}},
		{"jaeger", []string{"uber-trace-id"}},
		{"ottrace", []string{"ot-tracer-traceid", "ot-tracer-spanid", "ot-tracer-sampled"}},
		{" Jaeger , B3 ", []string{"uber-trace-id", "b3"}},
		{"none", nil},
		{"b3,none,tracecontext", nil},
	} {
		t.Run(tc.value, func(t *testing.T) {
			vars := map[string]string{}
			if tc.value != "" {
				vars[envPropagators] = tc.value
			}
			p, err := config{}.propagators(env.FromMap(vars))
			if err != nil {
				t.Fatal(err)
			}
			got := p.Fields()
			for _, f := range tc.fields {
				if !slices.Contains(got, f) {
					t.Errorf("fields %v lack %q", got, f)
				}
			}
			if tc.fields == nil && len(got) != 0 {
				t.Errorf("fields %v, want none", got)
			}
		})
	}
}

// TestPropagatorsRefused: an unknown name, and xray, whose contrib module
// is deprecated, are ConfigErrors that name the variable and the value;
// xray's says why and what to do instead.
func TestPropagatorsRefused(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  []string
		not   []string
	}{
		{"zipkin", []string{"zipkin", "tracecontext, baggage, b3, b3multi, jaeger, ottrace, none"}, []string{"xray is no longer"}},
		{"xray", []string{`"xray"`, "xray is no longer supported", "deprecated", "otel.WithPropagators"}, nil},
		{"tracecontext,xray", []string{"tracecontext,xray", "xray is no longer supported"}, nil},
	} {
		t.Run(tc.value, func(t *testing.T) {
			p, err := config{}.propagators(env.FromMap(map[string]string{envPropagators: tc.value}))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Var != envPropagators {
				t.Fatalf("err = %v (propagator %v), want a ConfigError for %s", err, p, envPropagators)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q contains %q", err, n)
				}
			}
		})
	}
}
