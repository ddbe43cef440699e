package otel

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/zap/zapcore"
	"google.golang.org/protobuf/proto"
)

// fileYAML is a valid file with every provider exporting nowhere, to be
// extended by a test.
const fileYAML = `file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: from-file
propagator:
  composite_list: tracecontext
`

// initFile runs Init with content as the configuration file (and opts),
// without globals, and shuts it down when the test ends.
func initFile(t *testing.T, content string, opts ...Option) (*Telemetry, *lineBuffer) {
	t.Helper()
	out := &lineBuffer{}
	opts = append([]Option{WithConfigYAML([]byte(content)), WithoutGlobals(), WithLogOutput(out),
		WithLogFormat("json")}, opts...)
	tel, err := Init(context.Background(), opts...)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = tel.Shutdown(ctx)
	})
	return tel, out
}

// TestConfigFileBadFiles: every bad file fails Init, never a partial
// setup, with ConfigErrors that name the file, the line, the key and what
// is wrong, and never show a header value.
func TestConfigFileBadFiles(t *testing.T) {
	clearEnv(t)
	const secret = "sk-VENDOR-SECRET-0042"
	t.Setenv("VENDOR_KEY", secret)
	batch := func(lines string) string {
		return "file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n" + lines
	}
	http := func(lines string) string {
		return batch("        exporter:\n          otlp_http:\n" + lines)
	}
	for _, tc := range []struct {
		name, file string
		line       int
		key, want  string
	}{
		{"yaml syntax", "file_format: \"1.0\"\ntracer_provider:\n  processors: [\n", 3, "", "did not find expected"},
		{"no mapping", "- a\n- b\n", 1, "", "holds no mapping"},
		{"missing file_format", "tracer_provider:\n  processors: []\n", 1, "file_format", "missing"},
		{"unsupported file_format", "file_format: \"0.3\"\n", 1, "file_format", `"1.0"`},
		{"unknown top-level key", "file_format: \"1.0\"\ntracer_provder: {}\n", 2, "tracer_provder", "unknown key"},
		{"unknown nested key", http("            endpiont: http://c:4318\n"), 7, "otlp_http.endpiont", "endpoint"},
		{"queue size 0", batch("        max_queue_size: 0\n        exporter: {console: }\n"), 5, "batch.max_queue_size", "must be > 0"},
		{"wrong type", "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - periodic:\n        interval: often\n        exporter: {console: }\n", 5, "periodic.interval", "!!str (value not shown) into int"},
		{"endpoint scheme", http("            endpoint: ftp://c:4318/v1/traces\n"), 7, "otlp_http.endpoint", "scheme"},
		{"schedule delay 0", batch("        schedule_delay: 0\n        exporter: {console: }\n"), 5, "batch.schedule_delay", ">= 1"},
		{"compression", http("            endpoint: http://c:4318\n            compression: zstd\n"), 8, "otlp_http.compression", "gzip"},
		{"encoding", http("            endpoint: http://c:4318\n            encoding: jsn\n"), 8, "otlp_http.encoding", "protobuf or json"},
		{"metrics encoding", "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - periodic:\n        exporter:\n          otlp_http:\n            endpoint: http://c:4318\n            encoding: proto\n", 8, "otlp_http.encoding", "protobuf or json"},
		{"timeout 0", http("            endpoint: http://c:4318\n            timeout: 0\n"), 8, "otlp_http.timeout", "no limit"},
		{"header name", http("            endpoint: http://c:4318\n            headers:\n              - name: \"api key\"\n                value: ${VENDOR_KEY}\n"), 9, "headers[0]", "HTTP token"},
		{"headers_list", http("            endpoint: http://c:4318\n            headers_list: \"api-key${VENDOR_KEY}\"\n"), 8, "headers_list", "no '='"},
		{"no exporter", batch("        exporter: {}\n"), 5, "batch.exporter", "no exporter"},
		{"two processors", "file_format: \"1.0\"\nlogger_provider:\n  processors:\n    - batch: {exporter: {console: }}\n    - simple: {exporter: {console: }}\n", 5, "processors[1]", "one batch processor"},
		{"sampler ratio", "file_format: \"1.0\"\ntracer_provider:\n  sampler:\n    trace_id_ratio_based:\n      ratio: ${RATIO:-1.5}\n", 5, "ratio", "from 0 to 1"},
		{"propagator", "file_format: \"1.0\"\npropagator:\n  composite_list: tracecontext,bogus\n", 3, "propagator.composite_list", "item 2 is not a propagator"},
		{"substitution", "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: a\n      value: ${NOT CLOSED\n", 5, "value", "no closing"},
		{"attribute type", "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: n\n      value: abc\n      type: int\n", 4, "resource.attributes[0]", "not of type int"},
		{"metrics http/json", "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - periodic:\n        exporter:\n          otlp_http:\n            endpoint: http://c:4318\n            encoding: json\n", 8, "otlp_http.encoding", "http/json"},
		{"two temporalities", "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - periodic:\n        exporter:\n          console:\n            temporality_preference: delta\n    - periodic:\n        exporter:\n          otlp_http:\n            endpoint: http://c:4318\n            temporality_preference: cumulative\n", 12, "temporality_preference", "one value for all metric readers"},
		{"pull without prometheus", "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - pull:\n        exporter: {}\n", 5, "pull.exporter", "prometheus/development"},
		{"otelkit log level", "file_format: \"1.0\"\ndistribution:\n  otelkit:\n    log:\n      level: loud\n", 5, "distribution.otelkit.log.level", "(value not shown)"},
		{"otelkit unknown key", "file_format: \"1.0\"\ndistribution:\n  otelkit:\n    log:\n      levle: debug\n", 5, "distribution.otelkit.log.levle", "unknown key"},
		{"otelkit buffer slow", "file_format: \"1.0\"\ndistribution:\n  otelkit:\n    log:\n      buffer:\n        slow: fast\n", 6, "buffer.slow", "positive Go duration"},
		{"invalid UTF-8", "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: a\n      value: \"\xff\"\n", 5, "", "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel, err := Init(context.Background(), WithConfigYAML([]byte(tc.file)), WithoutGlobals(), WithLogOutput(&lineBuffer{}))
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatal("Init accepted the file")
			}
			if tel != nil {
				t.Error("Init returned a Telemetry with its error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the header value: %v", err)
			}
			ce := findConfigError(err, func(ce *ConfigError) bool { return ce.File == "WithConfigYAML" })
			if ce == nil {
				t.Fatalf("no ConfigError naming the file in %v", err)
			}
			if ce.Line != tc.line || !strings.Contains(ce.Key, tc.key) {
				t.Errorf("error at line %d, key %q; want line %d, key containing %q: %v", ce.Line, ce.Key, tc.line, tc.key, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "WithConfigYAML line ") ||
				!strings.HasPrefix(err.Error(), "otelkit: invalid ") {
				t.Errorf("error %q lacks %q or the file and line", err, tc.want)
			}
		})
	}
}

// TestConfigFileReportsEveryError: all the errors of a file at once, each
// with its line.
func TestConfigFileReportsEveryError(t *testing.T) {
	clearEnv(t)
	file := "file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n        max_queue_size: 0\n        exporter: {console: }\n" +
		"meter_provider:\n  readers:\n    - periodic:\n        interval: often\n        exporter: {console: }\n"
	_, err := Init(context.Background(), WithConfigYAML([]byte(file)), WithoutGlobals())
	var lines []int
	for _, ce := range configErrors(err) {
		lines = append(lines, ce.Line)
	}
	if len(lines) != 2 || lines[0] != 5 || lines[1] != 10 {
		t.Fatalf("errors at lines %v, want 5 and 10: %v", lines, err)
	}
}

// TestConfigFileNoPartialSetup: a bad file leaves the globals as they were,
// and the next Init is not refused.
func TestConfigFileNoPartialSetup(t *testing.T) {
	clearEnv(t)
	tp, mp, prop := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator()
	// Valid up to the logger provider: the traces and metrics were built.
	bad := fileYAML + "tracer_provider:\n  processors:\n    - batch: {exporter: {console: }}\n" +
		"logger_provider:\n  processors:\n    - batch:\n        exporter:\n          otlp_http:\n            endpoint: ftp://x\n"
	if _, err := Init(context.Background(), WithConfigYAML([]byte(bad)), WithLogOutput(&lineBuffer{})); err == nil {
		t.Fatal("Init accepted the file")
	}
	if otel.GetTracerProvider() != tp || otel.GetMeterProvider() != mp || otel.GetTextMapPropagator() != prop {
		t.Error("a failed Init changed the globals")
	}
	tel, err := Init(context.Background(), WithConfigYAML([]byte(fileYAML)), WithLogOutput(&lineBuffer{}))
	if err != nil {
		t.Fatalf("Init after a failed one: %v", err)
	}
	_ = tel.Shutdown(context.Background())
}

// TestConfigFileSources: OTEL_CONFIG_FILE, WithConfigFile winning over
// it, a missing file, and the variable's former name.
func TestConfigFileSources(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	good, other := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(good, []byte(fileYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte(strings.Replace(fileYAML, "from-file", "from-option", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvConfigFile, good)
	tel, _ := initFile(t, fileYAML)
	if h := tel.Health(); h.ConfigFile != "WithConfigYAML" {
		t.Errorf("config_file = %q, want WithConfigYAML (the option wins)", h.ConfigFile)
	}
	out := &lineBuffer{}
	tel, err := Init(context.Background(), WithoutGlobals(), WithLogOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	if h := tel.Health(); h.ConfigFile != good || h.Service != "from-file" {
		t.Errorf("config_file %q, service %q; want %s, from-file", h.ConfigFile, h.Service, good)
	}
	_ = tel.Shutdown(context.Background())
	// An empty path is no option: the variable's file applies.
	tel, err = Init(context.Background(), WithConfigFile(""), WithoutGlobals(), WithLogOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	if h := tel.Health(); h.ConfigFile != good {
		t.Errorf("WithConfigFile(\"\"): config_file %q, want %s", h.ConfigFile, good)
	}
	_ = tel.Shutdown(context.Background())
	tel, err = Init(context.Background(), WithConfigFile(other), WithoutGlobals(), WithLogOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	if h := tel.Health(); h.Service != "from-option" {
		t.Errorf("service %q: WithConfigFile does not win over %s", h.Service, EnvConfigFile)
	}
	_ = tel.Shutdown(context.Background())

	for _, tc := range []struct {
		env, path, name string
	}{{EnvConfigFile, filepath.Join(dir, "missing.yaml"), EnvConfigFile}, {EnvConfigFile, dir, EnvConfigFile}} {
		t.Setenv(tc.env, tc.path)
		_, err := Init(context.Background(), WithoutGlobals())
		if ce := findConfigError(err, func(ce *ConfigError) bool { return ce.Var == tc.name }); ce == nil || ce.Value != tc.path {
			t.Errorf("%s=%s: error %v, want a ConfigError naming it", tc.env, tc.path, err)
		}
	}
	t.Setenv(EnvConfigFile, "")
	t.Setenv("OTEL_EXPERIMENTAL_CONFIG_FILE", good)
	if _, err := Init(context.Background(), WithoutGlobals()); err == nil || !strings.Contains(err.Error(), EnvConfigFile) {
		t.Errorf("OTEL_EXPERIMENTAL_CONFIG_FILE: error %v, want one pointing at %s", err, EnvConfigFile)
	}
	_, err = Init(context.Background(), WithConfigFile(filepath.Join(dir, "missing.yaml")), WithoutGlobals())
	if ce := findConfigError(err, func(ce *ConfigError) bool { return ce.Option == "WithConfigFile" }); ce == nil {
		t.Errorf("WithConfigFile(missing): error %v, want a ConfigError naming the option", err)
	}
}

// otlpRequest is one export an httptest OTLP/HTTP receiver got.
type otlpRequest struct {
	path     string
	header   http.Header
	body     []byte
	encoding string
}

// otlpReceiver answers every OTLP/HTTP export with success and keeps it.
func otlpReceiver(t *testing.T) (*httptest.Server, func() []otlpRequest) {
	t.Helper()
	var mu sync.Mutex
	var got []otlpRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, otlpRequest{r.URL.Path, r.Header.Clone(), body, r.Header.Get("Content-Encoding")})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	return srv, func() []otlpRequest { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
}

// exportingFile is a file whose three providers export to endpoint over
// OTLP/HTTP with the header api-key from ${KEY}.
func exportingFile(endpoint string) string {
	exp := func(sig string) string {
		return "          otlp_http:\n            endpoint: " + endpoint + "/v1/" + sig + "\n" +
			"            headers:\n              - name: api-key\n                value: ${KEY}\n"
	}
	return `file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: ${SVC:-from-file}
propagator:
  composite_list: tracecontext
tracer_provider:
  processors:
    - batch:
        exporter:
` + exp("traces") + `meter_provider:
  readers:
    - periodic:
        interval: 60000
        exporter:
` + exp("metrics") + `logger_provider:
  processors:
    - batch:
        exporter:
` + exp("logs") + `distribution:
  otelkit:
    runtime_metrics: false
`
}

// TestConfigFileIgnoresOTELVariables: while a file is in use, conflicting
// OTEL_* variables change nothing (invalid ones do not even fail Init),
// the file's ${VAR} references are read, and a warning names the ignored
// variables, never their values.
func TestConfigFileIgnoresOTELVariables(t *testing.T) {
	clearEnv(t)
	srv, received := otlpReceiver(t)
	const key, leaked = "sk-FILE-KEY-77", "sk-ENV-HEADER-LEAK"
	t.Setenv("KEY", key)
	for k, v := range map[string]string{
		"OTEL_SDK_DISABLED": "true", "OTEL_SERVICE_NAME": "from-env", "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-env-attrs,team=env",
		"OTEL_PROPAGATORS": "b3", "OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none",
		"OTEL_LOGS_EXPORTER": "none", "OTEL_TRACES_SAMPLER": "always_off", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1/v1/traces",
		"OTEL_EXPORTER_OTLP_HEADERS": "x-env=" + leaked, "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
		"OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent.pem", "OTEL_BSP_MAX_QUEUE_SIZE": "bogus",
		"OTEL_METRIC_EXPORT_INTERVAL": "bogus", "OTEL_EXPORTER_OTLP_TIMEOUT": "1",
	} {
		t.Setenv(k, v)
	}
	out := &lineBuffer{}
	tel, err := Init(context.Background(), WithConfigYAML([]byte(exportingFile(srv.URL))), WithLogOutput(out), WithLogFormat("json"))
	if err != nil {
		t.Fatalf("Init read an OTEL_* variable: %v", err)
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	if f := otel.GetTextMapPropagator().Fields(); !slices.Contains(f, "traceparent") || slices.Contains(f, "x-b3-traceid") || slices.Contains(f, "b3") {
		t.Errorf("global propagator fields %v: want the file's tracecontext, not OTEL_PROPAGATORS' b3", f)
	}
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "from_file")
	span.End()
	tel.Logger().Info("file_line")
	counter, _ := tel.MeterProvider().Meter("t").Int64Counter("file.count")
	counter.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	paths := map[string]bool{}
	for _, r := range received() {
		paths[r.path] = true
		if r.header.Get("api-key") != key || r.header.Get("x-env") != "" || r.encoding == "gzip" {
			t.Errorf("%s: api-key %q, x-env %q, encoding %q: want the file's header only, uncompressed",
				r.path, r.header.Get("api-key"), r.header.Get("x-env"), r.encoding)
		}
		if r.path != "/v1/traces" {
			continue
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(r.body, &req); err != nil {
			t.Fatal(err)
		}
		res := map[string]string{}
		for _, kv := range req.ResourceSpans[0].Resource.Attributes {
			res[kv.Key] = kv.Value.GetStringValue()
		}
		if res["service.name"] != "from-file" {
			t.Errorf("resource %v: want service.name from the file", res)
		}
	}
	if !paths["/v1/traces"] || !paths["/v1/metrics"] || !paths["/v1/logs"] {
		t.Errorf("exports received at %v, want traces, metrics and logs (sampler and exporters from the file)", paths)
	}
	warned := false
	for _, l := range out.lines(t) {
		d, _ := l["detail"].(string)
		if l["msg"] == "otelkit_config_warning" && strings.Contains(d, "OTEL_EXPORTER_OTLP_HEADERS") && strings.Contains(d, "OTEL_SDK_DISABLED") {
			warned = true
		}
	}
	if !strings.Contains(out.String(), "OTEL_RESOURCE_ATTRIBUTES is set while a configuration file is in use") {
		t.Error("no warning that the SDK still merges OTEL_RESOURCE_ATTRIBUTES")
	}
	if !warned || strings.Contains(out.String(), leaked) || strings.Contains(out.String(), key) {
		t.Errorf("want one warning naming the ignored variables and no value:\n%s", out.String())
	}
}

// TestConfigFileWarnsOnlyAboutIgnoredVariables: a variable the file reads
// through ${NAME} is not called ignored (examples/config/default.yaml
// reads OTEL_SERVICE_NAME), nor an OTELKIT_* variable the file reads
// overridden; OTEL_SERVICE_NAME, which never wins over the
// resource's service.name, and an OTEL_RESOURCE_ATTRIBUTES whose keys the
// resource all has are listed as ignored rather than warned about as
// reaching the resource.
func TestConfigFileWarnsOnlyAboutIgnoredVariables(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		set        map[string]string
		ignored    []string // listed in the "ignored" warning
		notIgnored []string // in no warning at all
	}{
		{name: "read through ${NAME}",
			file: `file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: ${OTEL_SERVICE_NAME:-checkout}
    - name: team
      value: ${OTEL_RESOURCE_ATTRIBUTES}
    - name: collector
      value: ${env:OTEL_EXPORTER_OTLP_ENDPOINT}
propagator:
  composite_list: tracecontext
distribution:
  otelkit:
    log:
      level: ${OTELKIT_LOG_LEVEL:-info}
`,
			set: map[string]string{"OTEL_SERVICE_NAME": "svc", "OTEL_RESOURCE_ATTRIBUTES": "team=b", "OTELKIT_LOG_LEVEL": "debug", "OTEL_TRACES_SAMPLER": "always_off",
				"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			ignored:    []string{"OTEL_TRACES_SAMPLER"},
			notIgnored: []string{"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTELKIT_LOG_LEVEL", "OTEL_EXPORTER_OTLP_ENDPOINT"}},
		{name: "set, not read, adding no key", file: fileYAML,
			set:     map[string]string{"OTEL_SERVICE_NAME": "svc", "OTEL_RESOURCE_ATTRIBUTES": "service.name=x"},
			ignored: []string{"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.set {
				t.Setenv(k, v)
			}
			_, out := initFile(t, tc.file)
			var ignoredLine string
			for _, l := range out.lines(t) {
				d, _ := l["detail"].(string)
				if l["msg"] != "otelkit_config_warning" {
					continue
				}
				if strings.Contains(d, "these variables are ignored") {
					ignoredLine = d
					continue
				}
				for _, name := range append(tc.ignored, tc.notIgnored...) {
					if strings.Contains(d, name) {
						t.Errorf("warning about %s: %s", name, d)
					}
				}
			}
			for _, name := range tc.ignored {
				if !strings.Contains(ignoredLine, name) {
					t.Errorf("%s not listed as ignored: %q", name, ignoredLine)
				}
			}
			for _, name := range tc.notIgnored {
				if strings.Contains(ignoredLine, name) {
					t.Errorf("%s, which the file reads, listed as ignored: %q", name, ignoredLine)
				}
			}
		})
	}
}

// TestConfigFileOtelkitSettingsOrder: for otelkit's own settings an option
// wins over the file, which wins over the OTELKIT_* variable, which wins
// over the default; the file's winning over a variable is warned about.
func TestConfigFileOtelkitSettingsOrder(t *testing.T) {
	const withLevel = fileYAML + "distribution:\n  otelkit:\n    log:\n      level: warn\n"
	for _, tc := range []struct {
		name, file, env string
		opts            []Option
		level, source   string
		warned          bool
	}{
		{"default", fileYAML, "", nil, "info", "default", false},
		{"variable", fileYAML, "error", nil, "error", "env:OTELKIT_LOG_LEVEL", false},
		{"file over variable", withLevel, "error", nil, "warn", "file:WithConfigYAML:11", true},
		{"file", withLevel, "", nil, "warn", "file:WithConfigYAML:11", false},
		{"option over file", withLevel, "error", []Option{WithLogLevel(zapcore.DebugLevel)}, "debug", "option", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTELKIT_LOG_LEVEL", tc.env)
			tel, out := initFile(t, tc.file, tc.opts...)
			h := tel.Health()
			if h.LogLevel != tc.level || h.LogLevelSrc != tc.source {
				t.Errorf("level %s from %s, want %s from %s", h.LogLevel, h.LogLevelSrc, tc.level, tc.source)
			}
			tel.Logger().Error("flush") // the warnings are written at Init
			if got := strings.Contains(out.String(), "OTELKIT_LOG_LEVEL is ignored"); got != tc.warned {
				t.Errorf("warning that the file overrides OTELKIT_LOG_LEVEL: %v, want %v\n%s", got, tc.warned, out.String())
			}
		})
	}
	t.Run("format", func(t *testing.T) {
		clearEnv(t)
		t.Setenv("OTELKIT_LOG_FORMAT", "json")
		out := &lineBuffer{}
		file := fileYAML + "distribution:\n  otelkit:\n    log:\n      format: console\n"
		tel, err := Init(context.Background(), WithConfigYAML([]byte(file)), WithoutGlobals(), WithLogOutput(out))
		if err != nil {
			t.Fatal(err)
		}
		tel.Logger().Info("console_line")
		_ = tel.Shutdown(context.Background())
		if s := out.String(); strings.HasPrefix(s, "{") || !strings.Contains(s, "console_line") {
			t.Errorf("want a console line (the file wins over OTELKIT_LOG_FORMAT), got %q", s)
		}
	})
}

// TestConfigFileRuntimeMetrics: runtime metrics are on unless the file
// (or WithoutRuntimeMetrics) turns them off.
func TestConfigFileRuntimeMetrics(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		opts       []Option
		want       bool
	}{
		{"default", fileYAML, nil, true},
		{"file off", fileYAML + "distribution:\n  otelkit:\n    runtime_metrics: false\n", nil, false},
		{"option off", fileYAML + "distribution:\n  otelkit:\n    runtime_metrics: true\n", []Option{WithoutRuntimeMetrics()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			reader := sdkmetric.NewManualReader()
			initFile(t, tc.file, append(tc.opts, WithMetricReader(reader))...)
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(context.Background(), &rm); err != nil {
				t.Fatal(err)
			}
			got := false
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					got = got || strings.HasPrefix(m.Name, "go.")
				}
			}
			if got != tc.want {
				t.Errorf("runtime metrics collected: %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDefaultConfigFileIsTheDefaultSetup: examples/config/default.yaml
// gives the exporter configuration Init gives with no variable set, value
// for value; only the sources differ.
func TestDefaultConfigFileIsTheDefaultSetup(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_SERVICE_NAME", "checkout")
	health := func(opts ...Option) Health {
		tel, err := Init(context.Background(), append(opts, WithoutGlobals(), WithLogOutput(&lineBuffer{}))...)
		if err != nil {
			t.Fatal(err)
		}
		h := tel.Health()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_ = tel.Shutdown(ctx) // nothing listens on localhost:4318
		return h
	}
	fromEnv := health()
	fromFile := health(WithConfigFile(filepath.Join("..", "examples", "config", "default.yaml")))
	if fromFile.Service != fromEnv.Service || fromFile.LogLevel != fromEnv.LogLevel {
		t.Errorf("service %q level %q, want %q %q", fromFile.Service, fromFile.LogLevel, fromEnv.Service, fromEnv.LogLevel)
	}
	for sig, want := range fromEnv.Config {
		got := fromFile.Config[sig]
		for k, src := range got.Sources {
			if !strings.HasPrefix(src, "file:") && src != "default" {
				t.Errorf("%s %s from %s, want the file or the default", sig, k, src)
			}
		}
		got.Sources, want.Sources = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s from the file:\n%+v\nwithout it:\n%+v", sig, got, want)
		}
	}
}

// TestConfigFileHeaderValuesMasked: a header value from the file (through
// ${VAR}) appears nowhere: not in HealthHandler (only its name), not in the
// errors of a collector that quotes it back, not in any log line.
func TestConfigFileHeaderValuesMasked(t *testing.T) {
	clearEnv(t)
	const key = "sk-QUOTED-BACK-9931"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid api-key: "+r.Header.Get("api-key"), http.StatusUnauthorized)
	}))
	defer srv.Close()
	t.Setenv("KEY", key)
	tel, out := initFile(t, exportingFile(srv.URL))
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "s")
	span.End()
	tel.Logger().Info("line")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ferr := tel.ForceFlush(ctx)
	if ferr == nil || strings.Contains(ferr.Error(), key) {
		t.Errorf("ForceFlush error %v: want an error without the key", ferr)
	}
	h, body := getHealth(t, tel)
	if strings.Contains(body, key) || strings.Contains(out.String(), key) {
		t.Errorf("the key shows:\nhealth %s\nlog %s", body, out.String())
	}
	if names := h.Config["traces"].HeaderNames; len(names) != 1 || names[0] != "api-key" {
		t.Errorf("header names %v, want [api-key]", names)
	}
	if le := h.Export["traces"].LastError; !strings.Contains(le, "invalid api-key: REDACTED") {
		t.Errorf("last_error %q: want the collector's answer with the key masked", le)
	}
}

// TestConfigFileWithEnvLookup: with a configuration file, WithEnvLookup's
// source stands for the process environment where the file leaves a
// setting to the environment (OTELKIT_* variables, OTELKIT_ENVIRONMENT),
// and its OTEL_* variables are ignored as the process's would be.
// TestConfigFileSubstitutesFromEnvLookup: with WithEnvLookup, the file's
// ${NAME} references read its source, the whole environment Init sees
// (oteltest's empty one included), not the process's.
func TestConfigFileSubstitutesFromEnvLookup(t *testing.T) {
	clearEnv(t)
	t.Setenv("SHOP_SVC", "from-process")
	t.Setenv("OTEL_SERVICE_NAME", "from-process")
	const file = `file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: ${SHOP_SVC:-from-default}
    - name: team
      value: ${OTEL_SERVICE_NAME:-none}
propagator:
  composite_list: tracecontext
`
	lookup := func(name string) (string, bool) {
		v, ok := map[string]string{"SHOP_SVC": "from-lookup"}[name]
		return v, ok
	}
	tel, _ := initFile(t, file, WithEnvLookup(lookup))
	set := tel.Resource().Set()
	if v, _ := set.Value("service.name"); v.AsString() != "from-lookup" {
		t.Errorf("service.name %q, want WithEnvLookup's value", v.AsString())
	}
	if v, _ := set.Value("team"); v.AsString() != "none" {
		t.Errorf("team %q, want the default: WithEnvLookup's source has no OTEL_SERVICE_NAME", v.AsString())
	}
}

func TestConfigFileWithEnvLookup(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTELKIT_LOG_LEVEL", "debug") // the process's: not read
	t.Setenv("OTELKIT_ENVIRONMENT", "from-process")
	lookup := func(name string) (string, bool) {
		v, ok := map[string]string{
			"OTELKIT_LOG_LEVEL":   "error",
			"OTELKIT_ENVIRONMENT": "from-lookup",
			"OTEL_SERVICE_NAME":   "from-lookup-ignored",
		}[name]
		return v, ok
	}
	tel, _ := initFile(t, fileYAML, WithEnvLookup(lookup))
	if h := tel.Health(); h.LogLevel != "error" || h.LogLevelSrc != "env:OTELKIT_LOG_LEVEL" {
		t.Errorf("level %s from %s, want error from WithEnvLookup's OTELKIT_LOG_LEVEL", h.LogLevel, h.LogLevelSrc)
	}
	set := tel.Resource().Set()
	if v, _ := set.Value("deployment.environment.name"); v.AsString() != "from-lookup" {
		t.Errorf("deployment.environment.name %q, want WithEnvLookup's", v.AsString())
	}
	if v, _ := set.Value("service.name"); v.AsString() != "from-file" {
		t.Errorf("service.name %q, want the file's", v.AsString())
	}
}

// TestConfigFileLogBuffer: the file's distribution.otelkit.log.buffer
// section turns per-request log buffering on, as OTELKIT_LOG_BUFFER_LEVEL
// would (which the file then wins over).
func TestConfigFileLogBuffer(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTELKIT_LOG_BUFFER_LEVEL", "off")
	file := fileYAML + "distribution:\n  otelkit:\n    log:\n      buffer:\n        level: debug\n        slow: 2s\n"
	tel, _ := initFile(t, file)
	if lv, on := tel.Logging().BufferLevel(); !on || lv != zapcore.DebugLevel {
		t.Errorf("buffer level %v (on: %v), want debug from the file", lv, on)
	}
	if h := tel.Health(); h.LogBuffer == nil || h.LogBuffer.Level != "debug" {
		t.Errorf("health log_buffer %+v, want level debug", h.LogBuffer)
	}
}

// TestConfigFileErrorsQuoteNoValue: an error about the file never quotes
// a value of the file, written there or substituted from a variable,
// whatever the key and whoever finds the fault (the schema's decoding,
// otelkit's checks of the file, the signal packages reading the settings
// the file made): it names the key, the line and what is allowed. The
// configuration errors' Value is empty too.
func TestConfigFileErrorsQuoteNoValue(t *testing.T) {
	clearEnv(t)
	const secret = "Sk9SecretValue"
	t.Setenv("SECRET", secret)
	batch := func(lines string) string {
		return "file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n" + lines
	}
	http := func(lines string) string {
		return batch("        exporter:\n          otlp_http:\n            endpoint: http://c:4318\n" + lines)
	}
	reader := func(lines string) string {
		return "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - periodic:\n" + lines
	}
	for _, tc := range []struct {
		name, file, key string
	}{
		{"file_format", "file_format: ${SECRET}\n", "file_format"},
		{"int as string", batch("        max_queue_size: ${SECRET}\n        exporter: {console: }\n"), "max_queue_size"},
		{"literal string as int", batch("        max_queue_size: \"Bearer " + secret + "\"\n        exporter: {console: }\n"), "max_queue_size"},
		{"enum (signal package)", http("            compression: ${SECRET}\n"), "compression"},
		{"endpoint", batch("        exporter:\n          otlp_http:\n            endpoint: \"http://c:4318/" + secret + "?k=${SECRET}\"\n"), "endpoint"},
		{"certificate path", http("            tls:\n              ca_file: /nonexistent/${SECRET}.pem\n"), "ca_file"},
		{"temporality", reader("        exporter:\n          otlp_http:\n            endpoint: http://c:4318\n            temporality_preference: ${SECRET}\n"), "temporality_preference"},
		{"view instrument type", "file_format: \"1.0\"\nmeter_provider:\n  readers: []\n  views:\n    - selector:\n        instrument_type: ${SECRET}\n      stream: {name: x}\n", "views[0]"},
		{"sampler ratio", "file_format: \"1.0\"\ntracer_provider:\n  sampler:\n    trace_id_ratio_based:\n      ratio: ${SECRET}\n", "ratio"},
		{"attribute type", "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: " + secret + "\n      value: ${SECRET}\n      type: int\n", "resource.attributes[0]"},
		{"attribute type name", "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: a\n      value: x\n      type: ${SECRET}\n", "resource.attributes[0]"},
		{"propagator", "file_format: \"1.0\"\npropagator:\n  composite_list: tracecontext,${SECRET}\n", "composite_list"},
		{"prometheus port", "file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - pull:\n        exporter:\n          prometheus/development:\n            port: ${SECRET}\n", "prometheus"},
		{"otelkit log level", "file_format: \"1.0\"\ndistribution:\n  otelkit:\n    log:\n      level: ${SECRET}\n", "log.level"},
		{"otelkit log format", "file_format: \"1.0\"\ndistribution:\n  otelkit:\n    log:\n      format: ${SECRET}\n", "log.format"},
		{"otelkit buffer level", "file_format: \"1.0\"\ndistribution:\n  otelkit:\n    log:\n      buffer:\n        level: ${SECRET}\n", "buffer.level"},
		{"otelkit type", "file_format: \"1.0\"\ndistribution:\n  otelkit:\n    runtime_metrics: ${SECRET}\n", "runtime_metrics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel, err := Init(context.Background(), WithConfigYAML([]byte(tc.file)), WithoutGlobals(), WithLogOutput(&lineBuffer{}))
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatal("Init accepted the file")
			}
			if strings.Contains(err.Error(), secret[:6]) {
				t.Errorf("the error quotes the file's value: %v", err)
			}
			ce := findConfigError(err, func(ce *ConfigError) bool { return strings.Contains(ce.Key, tc.key) })
			if ce == nil || ce.Line == 0 || !strings.Contains(err.Error(), "WithConfigYAML line ") {
				t.Fatalf("no ConfigError at a line of the file for a key containing %q: %v", tc.key, err)
			}
			for _, ce := range configErrors(err) {
				if ce.Value != "" {
					t.Errorf("ConfigError %s has Value %q", ce.Key, ce.Value)
				}
			}
		})
	}
}
