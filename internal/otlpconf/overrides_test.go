package otlpconf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/env"
)

// TestErrorsNameTheOptionAsWritten: an invalid option is reported under
// the name of the option that set it (Names), the signal packages' own
// names when none is given.
func TestErrorsNameTheOptionAsWritten(t *testing.T) {
	bad := Overrides{Exporter: "zipkin", Protocol: "udp", Endpoint: "ftp://x:1", Timeout: -time.Second,
		Compression: "br", Headers: map[string]string{"bad key": "v"}}
	otel := Names{Exporter: "WithTracesExporter", Protocol: "WithOTLPProtocol", Endpoint: "WithOTLPEndpoint",
		Headers: "WithOTLPHeaders", Timeout: "WithOTLPTimeout", Compression: "WithOTLPCompression"}
	for _, tc := range []struct {
		names Names
		want  []string
	}{
		{Names{}, []string{"WithExporter", "WithProtocol", "WithEndpoint", "WithHeaders", "WithTimeout", "WithCompression"}},
		{otel, []string{"WithTracesExporter", "WithOTLPProtocol", "WithOTLPEndpoint", "WithOTLPHeaders", "WithOTLPTimeout", "WithOTLPCompression"}},
	} {
		o := bad
		o.Names = tc.names
		_, err := Resolve(env.FromMap(nil), Traces, o)
		got := map[string]bool{}
		for _, e := range leaves(err) {
			var ce *env.Error
			if !errors.As(e, &ce) || ce.Option == "" || ce.Var != "" {
				t.Errorf("%v is not an option error", e)
				continue
			}
			got[ce.Option] = true
			if !strings.HasPrefix(e.Error(), "otelkit: invalid option "+ce.Option) {
				t.Errorf("message %q does not start with the prefix and the option", e)
			}
		}
		for _, w := range tc.want {
			if !got[w] {
				t.Errorf("no error names %s (got %v)", w, got)
			}
		}
	}
}

func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func TestMergeTakesSetFieldsWithTheirNames(t *testing.T) {
	insecure := true
	base := Overrides{Exporter: "console", Endpoint: "http://a:1", Timeout: time.Second, Names: Names{Endpoint: "WithEndpoint"}}
	top := Overrides{Endpoint: "http://b:2", Protocol: "grpc", Insecure: &insecure, Headers: map[string]string{},
		Names: Names{Endpoint: "WithOTLPEndpoint", Protocol: "WithOTLPProtocol", Headers: "WithOTLPHeaders", Timeout: "WithOTLPTimeout"}}
	m := base.Merge(top)
	if m.Exporter != "console" || m.Timeout != time.Second || m.Names.Timeout != "" {
		t.Errorf("fields top leaves unset changed: %+v", m)
	}
	if m.Endpoint != "http://b:2" || m.Names.Endpoint != "WithOTLPEndpoint" || m.Protocol != "grpc" || m.Insecure != &insecure ||
		m.Headers == nil || m.Names.Headers != "WithOTLPHeaders" {
		t.Errorf("fields top sets not taken: %+v", m)
	}
}

func TestMetricsExporterLists(t *testing.T) {
	for _, tc := range []struct {
		env, option string
		want        []string
		exporter    string
		source      string
	}{
		{"", "", []string{"otlp"}, "otlp", SourceDefault},
		{"prometheus , OTLP", "", []string{"otlp", "prometheus"}, "otlp,prometheus", "env:OTEL_METRICS_EXPORTER"},
		{"otlp", "console,prometheus,otlp", []string{"otlp", "console", "prometheus"}, "otlp,console,prometheus", SourceOption},
		{"", "none", nil, "none", SourceOption},
	} {
		vars := map[string]string{}
		if tc.env != "" {
			vars["OTEL_METRICS_EXPORTER"] = tc.env
		}
		r, err := Resolve(env.FromMap(vars), Metrics, Overrides{Exporter: tc.option})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(r.Exporters) != fmt.Sprint(tc.want) || r.Exporter != tc.exporter || r.Sources[KeyExporter] != tc.source {
			t.Errorf("env %q option %q: %v %q from %s", tc.env, tc.option, r.Exporters, r.Exporter, r.Sources[KeyExporter])
		}
	}
	// Traces and logs take one exporter.
	if _, err := Resolve(env.FromMap(nil), Logs, Overrides{Exporter: "otlp,console"}); err == nil {
		t.Error("a list of log exporters was accepted")
	}
}

// TestResolvedNeverPrintsHeaderValues: Resolved keeps what the exporter
// needs, header values included, out of reach of fmt.
func TestResolvedNeverPrintsHeaderValues(t *testing.T) {
	const secret = "s3cr3t-t0ken"
	r, err := Resolve(env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "x-env=" + secret + "-env"}), Traces,
		Overrides{Headers: map[string]string{"authorization": "Bearer " + secret}, Endpoint: "http://collector:4318"})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, r); strings.Contains(s, secret) {
			t.Errorf("%s shows a header value: %s", verb, s)
		}
	}
	if fmt.Sprint(r.HeaderNames) != "[authorization]" {
		t.Errorf("header names %v", r.HeaderNames)
	}
}

func TestBuildersNeedAResolvedOfTheirSignal(t *testing.T) {
	ctx := context.Background()
	if _, err := SpanExporter(ctx, Resolved{}); err == nil {
		t.Error("SpanExporter built from a zero Resolved")
	}
	r, err := Resolve(env.FromMap(nil), Logs, Overrides{Exporter: "console"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MetricExporter(ctx, r, "console"); err == nil {
		t.Error("MetricExporter built from the logs' Resolved")
	}
	mr, _ := Resolve(env.FromMap(nil), Metrics, Overrides{Exporter: "prometheus"})
	if _, err := MetricExporter(ctx, mr, "prometheus"); err == nil {
		t.Error("MetricExporter built a prometheus push exporter")
	}
}

func TestCloneHandsOutNoBuildState(t *testing.T) {
	r, err := Resolve(env.FromMap(nil), Traces, Overrides{Exporter: "console", Headers: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Clone()
	c.Sources["exporter"] = "changed"
	c.HeaderNames[0] = "changed"
	if r.Sources["exporter"] != SourceOption || r.HeaderNames[0] != "k" {
		t.Error("changing the clone changed the original")
	}
	if c.plan != nil || c.endpointURL != nil {
		t.Error("the clone carries what builds an exporter")
	}
	if _, err := SpanExporter(context.Background(), c); err == nil {
		t.Error("an exporter was built from a clone")
	}
}
