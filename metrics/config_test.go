package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/env"
)

func TestInvalidConfigurationIsAnError(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts []Option
		want []string // substrings of the error
		env2 bool     // the error must be an *env.Error
	}{
		{"unknown exporter", map[string]string{envExporter: "zipkin"}, nil, []string{envExporter, "zipkin", "otlp, prometheus, console or none"}, true},
		{"none with another", map[string]string{envExporter: "none,otlp"}, nil, []string{envExporter, "none,otlp"}, true},
		{"no exporter named", nil, []Option{WithExporter()}, []string{"WithExporter", "allowed"}, false},
		{"empty exporter name", nil, []Option{WithExporter("")}, []string{"WithExporter"}, false},
		{"exporter option", nil, []Option{WithExporter("jaeger")}, []string{"WithExporter", "jaeger"}, false},
		{"interval text", map[string]string{envInterval: "1s"}, nil, []string{envInterval, "1s", "milliseconds"}, true},
		{"interval zero", map[string]string{envInterval: "0"}, nil, []string{envInterval, `"0"`}, true},
		{"interval negative", map[string]string{envInterval: "-5"}, nil, []string{envInterval, "-5"}, true},
		{"timeout text", map[string]string{envTimeout: "soon"}, nil, []string{envTimeout, "soon"}, true},
		{"interval option", nil, []Option{WithExportInterval(0)}, []string{"WithExportInterval", "positive"}, false},
		{"timeout option", nil, []Option{WithExportTimeout(-time.Second)}, []string{"WithExportTimeout", "positive"}, false},
		{"cardinality text", map[string]string{envCardinalityLimit: "lots"}, nil, []string{envCardinalityLimit, "lots"}, true},
		{"cardinality negative", map[string]string{envCardinalityLimit: "-1"}, nil, []string{envCardinalityLimit, "-1"}, true},
		{"cardinality option", nil, []Option{WithCardinalityLimit(-3)}, []string{"WithCardinalityLimit(-3)"}, false},
		{"exemplar filter", map[string]string{envExemplarFilter: "sometimes"}, nil, []string{envExemplarFilter, "sometimes", "trace_based, always_on or always_off"}, true},
		{"exemplar option", nil, []Option{WithExemplarFilter("often")}, []string{"WithExemplarFilter", "often"}, false},
		{"prometheus port range", map[string]string{envPromPort: "99999"}, nil, []string{envPromPort, "99999", "0 to 65535"}, true},
		{"prometheus port text", map[string]string{envPromPort: "http"}, nil, []string{envPromPort, "http"}, true},
		{"prometheus host with port", map[string]string{envPromHost: "localhost:9464"}, nil, []string{envPromHost, "localhost:9464", "without port"}, true},
		{"prometheus addr option", nil, []Option{WithPrometheusAddr("9464")}, []string{"WithPrometheusAddr", "9464"}, false},
		{"prometheus addr port", nil, []Option{WithPrometheusAddr("localhost:70000")}, []string{"WithPrometheusAddr", "70000"}, false},
		{"otlp protocol env", map[string]string{envProtocol: "http/json"}, nil, []string{envProtocol, "http/json", "grpc, http/protobuf"}, true},
		{"otlp metrics protocol env wins", map[string]string{envProtocol: "grpc", envMetricsProtocol: "thrift"}, nil, []string{envMetricsProtocol, "thrift"}, true},
		{"otlp protocol option", nil, []Option{WithProtocol("udp")}, []string{"WithProtocol", "udp"}, false},
		{"temporality", map[string]string{envTemporality: "sometimes"}, nil, []string{envTemporality, "cumulative, delta, lowmemory"}, true},
		{"temporality console", map[string]string{envExporter: "console", envTemporality: "x"}, nil, []string{envTemporality}, true},
		{"compression option", nil, []Option{WithCompression("br")}, []string{"WithCompression", "br"}, false},
		{"endpoint scheme", nil, []Option{WithEndpoint("ftp://collector:4318")}, []string{"WithEndpoint", "ftp://collector:4318"}, false},
		{"timeout option negative", nil, []Option{WithTimeout(-time.Second)}, []string{"WithTimeout"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{WithEnvLookup(envMap(tc.env))}, tc.opts...)
			p, err := New(context.Background(), opts...)
			if err == nil {
				_ = p.Shutdown(context.Background())
				t.Fatal("New succeeded, want an error")
			}
			if p != nil {
				t.Error("New returned a provider with its error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := env.IsEnvError(err); got != tc.env2 {
				t.Errorf("IsEnvError = %v, want %v (%v)", got, tc.env2, err)
			}
		})
	}
}

func TestResolvePrecedence(t *testing.T) {
	src := env.FromMap(map[string]string{
		envExporter: "prometheus , console", envInterval: "1500", envTimeout: "700",
		envPromHost: "127.0.0.1", envPromPort: "9999", envExemplarFilter: "always_on",
	})
	s, err := newConfig(nil).resolve(src)
	if err != nil {
		t.Fatal(err)
	}
	if !s.prometheus || !s.console || s.otlp || s.exporterSource != "env:"+envExporter {
		t.Errorf("exporters from env: %+v", s)
	}
	if s.interval != 1500*time.Millisecond || s.timeout != 700*time.Millisecond {
		t.Errorf("interval/timeout from env = %v/%v", s.interval, s.timeout)
	}
	if s.promAddr != "127.0.0.1:9999" || s.exemplarName != "always_on" {
		t.Errorf("addr %q filter %q from env", s.promAddr, s.exemplarName)
	}

	s, err = newConfig([]Option{
		WithExporter("otlp"), WithExportInterval(2 * time.Second), WithExportTimeout(time.Second),
		WithPrometheusAddr("[::1]:0"), WithExemplarFilter("trace_based"),
	}).resolve(src)
	if err != nil {
		t.Fatal(err)
	}
	if !s.otlp || s.prometheus || s.console || s.exporterSource != "option" {
		t.Errorf("exporter option did not win: %+v", s)
	}
	if s.interval != 2*time.Second || s.timeout != time.Second || s.promAddr != "[::1]:0" || s.exemplarName != "trace_based" {
		t.Errorf("options did not win: %+v", s)
	}

	s, err = newConfig(nil).resolve(env.FromMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !s.otlp || s.prometheus || s.console || s.exporterSource != "default" {
		t.Errorf("default exporter: %+v", s)
	}
	if s.interval != 0 || s.timeout != 0 || s.cardinalityLimit != DefaultCardinalityLimit ||
		s.promAddr != "localhost:9464" || s.exemplarName != "trace_based" {
		t.Errorf("defaults: %+v", s)
	}
}

func TestExporterNoneAndList(t *testing.T) {
	p, err := New(context.Background(), WithEnvLookup(noEnv), WithExporter("none"), WithoutRuntimeMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	if len(p.Exporters()) != 0 {
		t.Errorf("exporters %v, want none", p.Exporters())
	}
	if _, err := newConfig([]Option{WithExporter("otlp,PROMETHEUS", "otlp")}).resolve(env.FromMap(nil)); err != nil {
		t.Errorf("list with case and repeat: %v", err)
	}
}
