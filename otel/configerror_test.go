package otel

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

// configErrors returns every ConfigError in err's tree.
func configErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *ConfigError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

func findConfigError(err error, match func(*ConfigError) bool) *ConfigError {
	for _, ce := range configErrors(err) {
		if match(ce) {
			return ce
		}
	}
	return nil
}

// TestEveryOptionErrorIsAConfigError: each option of Init that can be
// invalid, and each option of tracing and metrics passed through
// WithTracingOptions and WithMetricsOptions, fails Init with a ConfigError
// that errors.As finds, naming the option as the user wrote it, with the
// one prefix and what is allowed, and never showing a secret. (The
// variables are in TestEveryVariableRejectsInvalidValues.)
func TestEveryOptionErrorIsAConfigError(t *testing.T) {
	for _, tc := range []struct {
		option string
		opts   []Option
		secret string // must not appear in the error
	}{
		{"WithTracesExporter", []Option{WithTracesExporter("zipkin")}, ""},
		{"WithMetricsExporter", []Option{WithMetricsExporter("statsd")}, ""},
		{"WithLogsExporter", []Option{WithLogsExporter("loki")}, ""},
		{"WithOTLPEndpoint", []Option{WithOTLPEndpoint("ftp://collector:4318")}, ""},
		{"WithOTLPEndpoint", []Option{WithOTLPEndpoint("user:s3cr3t@collector:4318")}, "s3cr3t"},
		{"WithOTLPEndpoint", []Option{WithOTLPEndpoint("http://collector:4318/?token=s3cr3t")}, "s3cr3t"},
		{"WithOTLPProtocol", []Option{WithOTLPProtocol("udp")}, ""},
		{"WithOTLPHeaders", []Option{WithOTLPHeaders(map[string]string{"Authorization: Bearer s3cr3t": "x"})}, "s3cr3t"},
		{"WithOTLPHeaders", []Option{WithOTLPHeaders(map[string]string{"authorization": "Bearer s3cr3t\n"})}, "s3cr3t"},
		{"WithOTLPTimeout", []Option{WithOTLPTimeout(-time.Second)}, ""},
		{"WithOTLPCompression", []Option{WithOTLPCompression("br")}, ""},
		{"WithPrometheusAddr", []Option{WithPrometheusAddr("9464")}, ""},
		{"WithLogFormat", []Option{WithLogFormat("xml")}, ""},
		{"WithLogLevel", []Option{WithLogLevel(zapcore.Level(9))}, ""},
		{"WithServiceName", []Option{WithServiceName("s3cr3t\xff")}, "s3cr3t"},
		{"WithOTLPHeaders", []Option{WithOTLPHeaders(map[string]string{"authorization": "s3cr3t\xff"})}, "s3cr3t"},
		{"WithEndpoint", []Option{WithTracingOptions(tracing.WithEndpoint("ftp://collector:4318"))}, ""},
		{"WithExporter", []Option{WithTracingOptions(tracing.WithExporter("zipkin"))}, ""},
		{"WithExportInterval", []Option{WithMetricsOptions(metrics.WithExportInterval(0))}, ""},
		{"WithExportTimeout", []Option{WithMetricsOptions(metrics.WithExportTimeout(-time.Second))}, ""},
		{"WithCardinalityLimit", []Option{WithMetricsOptions(metrics.WithCardinalityLimit(-1))}, ""},
		{"WithExemplarFilter", []Option{WithMetricsOptions(metrics.WithExemplarFilter("often"))}, ""},
		{"WithExporter", []Option{WithMetricsOptions(metrics.WithExporter())}, ""},
		{"WithTimeout", []Option{WithMetricsOptions(metrics.WithTimeout(-time.Second))}, ""},
		{"WithHeaders", []Option{WithMetricsOptions(metrics.WithHeaders(map[string]string{"bad key": "s3cr3t"}))}, "s3cr3t"},
		{"WithExporterWrapper", []Option{WithTracesExporter("console"), WithConsoleWriter(io.Discard),
			WithTracingOptions(tracing.WithExporterWrapper(func(sdktrace.SpanExporter) sdktrace.SpanExporter { return nil }))}, ""},
		{"WithExporterWrapper", []Option{WithMetricsExporter("console"), WithConsoleWriter(io.Discard),
			WithMetricsOptions(metrics.WithExporterWrapper(func(sdkmetric.Exporter) sdkmetric.Exporter { return nil }))}, ""},
		{"WithLevel", []Option{WithLoggingOptions(logging.WithLevel(zapcore.Level(9)))}, ""},
		{"WithProfile", []Option{WithLoggingOptions(logging.WithProfile("splunk"))}, ""},
		{"WithGCPProject", []Option{WithLoggingOptions(logging.WithGCPProject("My Project!"))}, ""},
	} {
		t.Run(tc.option, func(t *testing.T) {
			clearEnv(t)
			// Exporters off by the environment, so that the options of
			// tracing and metrics win: an error must not depend on a
			// collector.
			for _, sig := range []string{"TRACES", "METRICS", "LOGS"} {
				t.Setenv("OTEL_"+sig+"_EXPORTER", "none")
			}
			opts := append([]Option{WithoutGlobals(), WithoutRuntimeMetrics(), WithLogFormat("json"), WithLogOutput(&lineBuffer{})}, tc.opts...)
			tel, err := Init(context.Background(), opts...)
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatal("Init succeeded")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("errors.As finds no ConfigError in %v", err)
			}
			got := findConfigError(err, func(ce *ConfigError) bool { return ce.Option == tc.option })
			if got == nil {
				t.Fatalf("no ConfigError names %s: %v", tc.option, err)
			}
			if got.Var != "" || got.Allowed == "" || !strings.HasPrefix(got.Error(), "otelkit: invalid option "+tc.option) {
				t.Errorf("ConfigError %+v: %q", got, got.Error())
			}
			for _, ce := range configErrors(err) {
				if !strings.HasPrefix(ce.Error(), "otelkit: invalid ") {
					t.Errorf("%q does not start with the prefix", ce.Error())
				}
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

// TestInitJoinsAllErrors: one Init reports every invalid setting of every
// signal, of the logger and of the propagators, each once, although the
// three signals read the generic OTLP variables and options.
func TestInitJoinsAllErrors(t *testing.T) {
	clearEnv(t)
	vars := map[string]string{
		"OTEL_BSP_MAX_QUEUE_SIZE":     "lots",
		"OTEL_METRIC_EXPORT_INTERVAL": "soon",
		"OTEL_BLRP_SCHEDULE_DELAY":    "-1",
		"OTEL_PROPAGATORS":            "zipkin",
		"OTEL_EXPORTER_OTLP_TIMEOUT":  "10s",
		"OTELKIT_LOG_PROFILE":         "splunk",
		"OTEL_SDK_DISABLED":           "maybe",
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	tel, err := Init(context.Background(), WithoutGlobals(), WithoutRuntimeMetrics(), WithLogOutput(&lineBuffer{}),
		WithOTLPProtocol("udp"), WithLogFormat("xml"), WithMetricsOptions(metrics.WithExemplarFilter("often")))
	if err == nil {
		_ = tel.Shutdown(context.Background())
		t.Fatal("Init succeeded")
	}
	count := map[string]int{}
	for _, ce := range configErrors(err) {
		count[ce.Var+ce.Option]++
	}
	for _, name := range []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_BLRP_SCHEDULE_DELAY",
		"OTEL_PROPAGATORS", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTELKIT_LOG_PROFILE", "OTEL_SDK_DISABLED",
		"WithOTLPProtocol", "WithLogFormat", "WithExemplarFilter"} {
		if count[name] != 1 {
			t.Errorf("%s reported %d times, want once (%v)", name, count[name], err)
		}
	}
	if len(count) != 10 {
		t.Errorf("errors for %v, want the 10 above", count)
	}
}

// TestConfigErrorNeverQuotesAClientKey: a client key variable (or a
// configuration file's tls.key_file) that holds the private key itself
// instead of its path is refused without the key in the error, and the
// error says why.
func TestConfigErrorNeverQuotesAClientKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	key := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	material := strings.Split(key, "\n")[1] // a line of the key's base64
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("Init accepted a key where its path belongs")
		}
		if strings.Contains(err.Error(), material) || strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("the error quotes the key:\n%.300s", err)
		}
	}
	for name, vars := range map[string]map[string]string{
		"key without certificate": {"OTEL_EXPORTER_OTLP_CLIENT_KEY": key},
		"key with certificate":    {"OTEL_EXPORTER_OTLP_CLIENT_KEY": key, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/etc/hostname"},
		"traces key":              {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY": key, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE": "/etc/hostname"},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range vars {
				t.Setenv(k, v)
			}
			_, err := Init(context.Background(), WithoutGlobals(), WithoutDetectors(), WithLogOutput(&lineBuffer{}))
			check(t, err)
			if _, ok := vars["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"]; ok && !strings.Contains(err.Error(), "PEM text, not the path") {
				t.Errorf("the error does not say the value is the key itself: %v", err)
			}
		})
	}
	t.Run("configuration file", func(t *testing.T) {
		clearEnv(t)
		t.Setenv("CLIENT_KEY_PEM", key)
		file := "file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n        exporter:\n          otlp_http:\n" +
			"            endpoint: https://c:4318\n            tls:\n              cert_file: /etc/hostname\n              key_file: \"${CLIENT_KEY_PEM}\"\n"
		_, err := Init(context.Background(), WithConfigYAML([]byte(file)), WithoutGlobals(), WithLogOutput(&lineBuffer{}))
		check(t, err)
	})
}

// TestConfigErrorsWithholdPastedKeys: an API key set in the wrong
// variables (compression, sampler, a queue size, a certificate file, whose
// cause quotes it too) makes Init fail with an
// error that names each variable and does not quote the key.
func TestConfigErrorsWithholdPastedKeys(t *testing.T) {
	clearEnv(t)
	const key = "sk-live-0123456789abcdefXYZ"
	vars := []string{"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_TRACES_SAMPLER", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_EXPORTER_OTLP_CERTIFICATE"}
	for _, v := range vars {
		t.Setenv(v, key)
	}
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), WithTracesExporter("otlp"))...)
	if err == nil {
		_ = tel.Shutdown(context.Background())
		t.Fatal("Init accepted a key as compression, sampler and queue size")
	}
	if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "0123456789abcdef") {
		t.Errorf("the error quotes the key: %v", err)
	}
	for _, v := range vars {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("the error does not name %s: %v", v, err)
		}
	}
}
