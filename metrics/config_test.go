package metrics

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
)

func TestInvalidConfigurationIsAnError(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts []Option
		want []string // substrings of the error
		env2 bool     // the error is about a variable (else an option)
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
		{"cardinality option", nil, []Option{WithCardinalityLimit(-3)}, []string{`WithCardinalityLimit("-3")`}, false},
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
		{"otlp variable with prometheus only", map[string]string{envExporter: "prometheus", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "soon"}, nil, []string{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "soon"}, true},
		{"otel's exporter option", nil, []Option{WithOTLPOverrides(otlpconf.Overrides{Exporter: "statsd", Names: otlpconf.Names{Exporter: "WithMetricsExporter"}})}, []string{`WithMetricsExporter("statsd")`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{WithEnvLookup(envMap(tc.env))}, tc.opts...)
			p, err := NewMeterProvider(context.Background(), opts...)
			if err == nil {
				_ = p.Shutdown(context.Background())
				t.Fatal("NewMeterProvider succeeded, want an error")
			}
			if p != nil {
				t.Error("NewMeterProvider returned a provider with its error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a ConfigError", err)
			}
			if got := ce.Var != ""; got != tc.env2 || (ce.Option != "") == tc.env2 {
				t.Errorf("ConfigError{Var: %q, Option: %q}, want a %s (%v)", ce.Var, ce.Option, pick(tc.env2, "variable", "option"), err)
			}
			if !strings.HasPrefix(err.Error(), "otelkit: invalid ") {
				t.Errorf("error %q does not start with the common prefix", err)
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
	if exp := s.exporter; exp.Exporter != "console,prometheus" || exp.Sources["exporter"] != "env:"+envExporter {
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
	if exp := s.exporter; exp.Exporter != "otlp" || exp.Sources["exporter"] != "option" {
		t.Errorf("exporter option did not win: %+v", s)
	}
	if s.interval != 2*time.Second || s.timeout != time.Second || s.promAddr != "[::1]:0" || s.exemplarName != "trace_based" {
		t.Errorf("options did not win: %+v", s)
	}

	s, err = newConfig(nil).resolve(env.FromMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if exp := s.exporter; exp.Exporter != "otlp" || exp.Sources["exporter"] != "default" {
		t.Errorf("default exporter: %+v", s)
	}
	// The periodic reader reads no variable: the defaults are explicit.
	if s.interval != 60*time.Second || s.timeout != 30*time.Second || s.cardinalityLimit != DefaultCardinalityLimit ||
		s.promAddr != "localhost:9464" || s.exemplarName != "trace_based" {
		t.Errorf("defaults: %+v", s)
	}
}

func TestExporterNoneAndList(t *testing.T) {
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("none"), WithoutRuntimeMetrics())
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

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// TestAllErrorsJoined: every invalid setting is reported, not only the
// first.
func TestAllErrorsJoined(t *testing.T) {
	_, err := NewMeterProvider(context.Background(), WithEnvLookup(envMap(map[string]string{
		envExporter: "statsd", envInterval: "soon", envCardinalityLimit: "-1", envPromPort: "http",
	})), WithExportTimeout(-time.Second), WithExemplarFilter("often"), WithTimeout(-time.Second))
	for _, name := range []string{envExporter, envInterval, envCardinalityLimit, envPromPort, "WithExportTimeout", "WithExemplarFilter", "WithTimeout"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

// TestNewIsNewMeterProvider: the deprecated name still builds a provider.
func TestNewIsNewMeterProvider(t *testing.T) {
	p, err := New(context.Background(), WithEnvLookup(noEnv), WithExporter("none"), WithoutRuntimeMetrics())
	if err != nil || p.MeterProvider() == nil {
		t.Fatalf("New: %v", err)
	}
	_ = p.Shutdown(context.Background())
}

// A typed nil given to an option means what nil means, the default:
// before, NewMeterProvider panicked on the reader.
func TestTypedNilOptionsMeanDefault(t *testing.T) {
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("console"), WithoutRuntimeMetrics(),
		WithReader((*sdkmetric.ManualReader)(nil)), WithConsoleWriter((*os.File)(nil)))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.MeterProvider().Meter("test").Int64Counter("typed_nil")
	c.Add(context.Background(), 1)
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestValidateReportsWhatNewMeterProviderWould: Validate returns the
// errors NewMeterProvider returns, and with valid settings nil, without
// opening the Prometheus listener.
func TestValidateReportsWhatNewMeterProviderWould(t *testing.T) {
	bad := []Option{WithEnvLookup(envMap(map[string]string{envInterval: "soon", envPromPort: "http"})), WithExemplarFilter("often")}
	_, want := NewMeterProvider(context.Background(), bad...)
	if err := Validate(bad...); err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("Validate: %v\nNewMeterProvider: %v", err, want)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	if err := Validate(WithEnvLookup(noEnv), WithExporter(ExporterPrometheus), WithPrometheusAddr(addr)); err != nil {
		t.Fatalf("Validate of valid settings: %v", err)
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("Validate opened the Prometheus listener: %v", err)
	}
	_ = ln.Close()
}
