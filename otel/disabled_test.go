package otel

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/metrics"
)

// disabledInit runs Init with OTEL_SDK_DISABLED=true, the variables vars
// and the Prometheus exporter on a free loopback port, and checks that
// Init succeeded without starting a goroutine or opening the port. It
// returns the log lines.
func disabledInit(t *testing.T, vars map[string]string, opts ...Option) (*lineBuffer, []map[string]any) {
	t.Helper()
	clearEnv(t)
	port := freePort(t)
	for k, v := range map[string]string{
		"OTEL_SDK_DISABLED": "true", "OTEL_METRICS_EXPORTER": "prometheus",
		"OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1", "OTEL_EXPORTER_PROMETHEUS_PORT": strconv.Itoa(port),
	} {
		t.Setenv(k, v)
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	out := &lineBuffer{}
	before := goleak.IgnoreCurrent()
	tel, err := Init(context.Background(), append([]Option{WithServiceName("svc"), WithoutGlobals(), WithoutDetectors(),
		WithLogFormat("json"), WithLogOutput(out)}, opts...)...)
	if err != nil {
		t.Fatalf("Init with the SDK disabled: %v", err)
	}
	// Nothing was started: no exporter, reader or processor goroutine.
	goleak.VerifyNone(t, before)
	ln, lerr := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if lerr != nil {
		t.Errorf("the Prometheus port %d was opened although the SDK is disabled: %v", port, lerr)
	} else {
		_ = ln.Close()
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out, out.lines(t)
}

// freePort returns a loopback port nothing listens on (at the call).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestSDKDisabledWarnsAboutInvalidSettings: with OTEL_SDK_DISABLED=true
// the settings Init would otherwise use are still checked; what is invalid
// is an otelkit_config_warning naming the variable (or option) and the
// problem, never a credential, and Init still succeeds.
func TestSDKDisabledWarnsAboutInvalidSettings(t *testing.T) {
	const secret = "sk-DISABLED-SECRET-42"
	cases := []struct {
		name     string
		vars     map[string]string
		opts     []Option
		variable string // the warning's variable field ("" for an option)
		want     string // in the warning's detail
	}{
		{name: "endpoint", vars: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:" + secret + "@collector:4318"},
			variable: "OTEL_EXPORTER_OTLP_ENDPOINT", want: "invalid OTEL_EXPORTER_OTLP_ENDPOINT"},
		{name: "sampler arg", vars: map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "abc"},
			variable: "OTEL_TRACES_SAMPLER_ARG", want: `invalid OTEL_TRACES_SAMPLER_ARG="abc"`},
		{name: "headers", vars: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=" + secret + ",broken"},
			variable: "OTEL_EXPORTER_OTLP_HEADERS", want: "invalid OTEL_EXPORTER_OTLP_HEADERS"},
		{name: "prometheus port", vars: map[string]string{"OTEL_EXPORTER_PROMETHEUS_PORT": "99999"},
			variable: "OTEL_EXPORTER_PROMETHEUS_PORT", want: "invalid OTEL_EXPORTER_PROMETHEUS_PORT"},
		{name: "log batch", vars: map[string]string{"OTEL_BLRP_MAX_QUEUE_SIZE": "lots"},
			variable: "OTEL_BLRP_MAX_QUEUE_SIZE", want: `invalid OTEL_BLRP_MAX_QUEUE_SIZE="lots"`},
		{name: "option", opts: []Option{WithOTLPHeaders(map[string]string{"api-key": secret + "\n"}),
			WithMetricsOptions(metrics.WithExportInterval(-time.Second))},
			want: "invalid option WithOTLPHeaders"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, lines := disabledInit(t, tc.vars, tc.opts...)
			found := false
			for _, l := range lines {
				d, _ := l["detail"].(string)
				if l["msg"] == "otelkit_config_warning" && strings.Contains(d, tc.want) && strings.Contains(d, "disabled") {
					found = found || l["variable"] == nil && tc.variable == "" || l["variable"] == tc.variable
				}
			}
			if !found {
				t.Errorf("no otelkit_config_warning with variable %q and detail %q:\n%s", tc.variable, tc.want, out.String())
			}
			if strings.Contains(out.String(), secret) {
				t.Errorf("a credential reached the log:\n%s", out.String())
			}
		})
	}
}

// TestSDKDisabledValidSettingsDoNotWarn: with OTEL_SDK_DISABLED=true and
// valid settings, checking them adds no warning.
func TestSDKDisabledValidSettingsDoNotWarn(t *testing.T) {
	out, lines := disabledInit(t, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=k",
		"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25", "OTEL_BLRP_MAX_QUEUE_SIZE": "4096",
	}, WithMetricsOptions(metrics.WithExportInterval(time.Second)))
	sawDisabled := false
	for _, l := range lines {
		sawDisabled = sawDisabled || l["msg"] == "otel_sdk_disabled"
		if l["msg"] == "otelkit_config_warning" {
			t.Errorf("warning for valid settings: %v", l)
		}
	}
	if !sawDisabled {
		t.Errorf("no otel_sdk_disabled line:\n%s", out.String())
	}
}

// TestSDKDisabledByFileWarnsAtTheKey: a configuration file with
// disabled: true gets the same checks, and the warning names the file's
// key and line, not a variable or the value.
func TestSDKDisabledByFileWarnsAtTheKey(t *testing.T) {
	clearEnv(t)
	const secret = "sk-FILE-DISABLED-7"
	t.Setenv("KEY", "k")
	out := &lineBuffer{}
	before := goleak.IgnoreCurrent()
	tel, err := Init(context.Background(), WithConfigYAML([]byte("disabled: true\n"+exportingFile("http://u:"+secret+"@127.0.0.1:1"))),
		WithoutGlobals(), WithLogFormat("json"), WithLogOutput(out))
	if err != nil {
		t.Fatalf("Init with the file's disabled: true: %v", err)
	}
	goleak.VerifyNone(t, before)
	_ = tel.Shutdown(context.Background())
	found := false
	for _, l := range out.lines(t) {
		d, _ := l["detail"].(string)
		found = found || l["msg"] == "otelkit_config_warning" &&
			strings.Contains(d, "invalid tracer_provider.processors[0].batch.exporter.otlp_http.endpoint (value not shown) (WithConfigYAML line")
	}
	if !found || strings.Contains(out.String(), secret) {
		t.Errorf("want a warning at the file's key, without the value:\n%s", out.String())
	}
}

// TestDisabledWarningBoundsTheValue: the otelkit_config_warning line for
// an invalid setting the disabled SDK leaves unused quotes a 100 KB value
// cut, with the number of bytes left out (env.Error bounds what it quotes).
func TestDisabledWarningBoundsTheValue(t *testing.T) {
	huge := "0.5" + strings.Repeat("x", 100_000)
	out, lines := disabledInit(t, map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": huge})
	if n := len(out.String()); n > 8192 {
		t.Errorf("the log holds %d bytes", n)
	}
	for _, l := range lines {
		if l["variable"] == "OTEL_TRACES_SAMPLER_ARG" {
			if d, _ := l["detail"].(string); !strings.Contains(d, "bytes left out)") {
				t.Errorf("warning detail does not say what was cut: %.400s", d)
			}
			return
		}
	}
	t.Fatalf("no warning names OTEL_TRACES_SAMPLER_ARG: %v", lines)
}
