package otel

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

// TestEveryVariableRejectsInvalidValues sets each supported variable, one at
// a time, to values that are not allowed (negative, zero where zero makes
// no sense, text, overflow, unknown names). Init must not panic, and must
// either fail with a ConfigError for the variable (found with errors.As)
// or, where the specification says to ignore the value with a warning,
// write a warning line naming it. Nothing is silently accepted.
func TestEveryVariableRejectsInvalidValues(t *testing.T) {
	const overflow = "99999999999999999999"
	positiveMillis := []string{"-1", "0", "abc", "1.5", overflow}
	positiveInt := []string{"-1", "0", "abc", overflow}
	nonNegativeInt := []string{"-1", "abc", "2.5", overflow}
	table := []struct {
		name   string
		values []string
		setup  map[string]string // other variables the value needs to matter
	}{
		{"OTEL_SDK_DISABLED", []string{"yes", "1", "-1"}, nil},
		{"OTEL_TRACES_EXPORTER", []string{"zipkin", "-1", "otlp;console"}, nil},
		{"OTEL_METRICS_EXPORTER", []string{"statsd", "-1", "none,otlp"}, nil},
		{"OTEL_LOGS_EXPORTER", []string{"loki", "-1"}, nil},
		{"OTEL_EXPORTER_OTLP_PROTOCOL", []string{"http", "grpc/json", "-1"}, nil},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", []string{"::bad", "http://host:99999", "http://host:-1", "ftp://host:21"}, nil},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", []string{"http://host:99999", "::bad"}, nil},
		{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", []string{"http://user:pw@host:4318", "ftp://host"}, nil},
		{"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", []string{"http/json", "udp"}, nil},
		{"OTEL_EXPORTER_OTLP_METRICS_HEADERS", []string{"novalue"}, nil},
		{"OTEL_EXPORTER_OTLP_TRACES_INSECURE", []string{"yes"}, nil},
		{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", []string{"zstd"}, nil},
		{"OTEL_EXPORTER_OTLP_HEADERS", []string{"novalue", "=x", "bad key=v"}, nil},
		{"OTEL_EXPORTER_OTLP_INSECURE", []string{"yes", "2"}, nil},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", positiveMillis, nil},
		{"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", positiveMillis, nil},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", []string{"brotli", "-1"}, nil},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", []string{"/nonexistent/ca.pem"}, nil},
		{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", []string{"/nonexistent/client.pem"}, nil}, // without a key
		{"OTEL_EXPORTER_OTLP_CLIENT_KEY", []string{"/nonexistent/client.key"}, nil},         // without a certificate
		{"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", []string{"exponential"}, nil},
		{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", []string{"sometimes", "-1"}, nil},
		{"OTEL_BSP_SCHEDULE_DELAY", positiveMillis, nil},
		{"OTEL_BSP_EXPORT_TIMEOUT", positiveMillis, nil},
		{"OTEL_BSP_MAX_QUEUE_SIZE", positiveInt, nil},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", positiveInt, nil},
		{"OTEL_BLRP_SCHEDULE_DELAY", positiveMillis, nil},
		{"OTEL_BLRP_EXPORT_TIMEOUT", positiveMillis, nil},
		{"OTEL_BLRP_MAX_QUEUE_SIZE", positiveInt, nil},
		{"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", positiveInt, nil},
		{"OTEL_METRIC_EXPORT_INTERVAL", positiveMillis, nil},
		{"OTEL_METRIC_EXPORT_TIMEOUT", positiveMillis, nil},
		{"OTEL_ATTRIBUTE_COUNT_LIMIT", nonNegativeInt, nil},
		{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", nonNegativeInt, nil},
		{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", nonNegativeInt, nil},
		{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", nonNegativeInt, nil},
		{"OTEL_SPAN_EVENT_COUNT_LIMIT", nonNegativeInt, nil},
		{"OTEL_SPAN_LINK_COUNT_LIMIT", nonNegativeInt, nil},
		{"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", nonNegativeInt, nil},
		{"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", nonNegativeInt, nil},
		{"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", nonNegativeInt, nil},
		{"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", nonNegativeInt, nil},
		{"OTEL_TRACES_SAMPLER", []string{"sometimes", "-1"}, nil},
		{"OTEL_TRACES_SAMPLER_ARG", []string{"abc", "-1", "2", overflow}, map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio"}},
		{"OTEL_PROPAGATORS", []string{"zipkin", "-1"}, nil},
		{"OTEL_METRICS_EXEMPLAR_FILTER", []string{"sometimes", "-1"}, nil},
		{"OTEL_GO_X_CARDINALITY_LIMIT", []string{"-2", "abc", overflow}, nil},
		{"OTEL_EXPORTER_PROMETHEUS_PORT", []string{"-1", "abc", "70000", overflow}, map[string]string{"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1"}},
		{"OTEL_EXPORTER_PROMETHEUS_HOST", []string{"localhost:9464", "http://h"}, nil},
		{"OTEL_RESOURCE_ATTRIBUTES", []string{"novalue", "=x", "k=%zz"}, nil},
		{"OTELKIT_LOG_LEVEL", []string{"loud", "-1", "5"}, nil},
		{"OTELKIT_LOG_FORMAT", []string{"xml", "-1"}, nil},
		{"OTELKIT_LOG_PROFILE", []string{"splunk", "-1"}, nil},
		{"OTELKIT_GCP_PROJECT", []string{"My Project!"}, map[string]string{"OTELKIT_LOG_PROFILE": "gcp"}},
		{"OTELKIT_LOG_BUFFER_LEVEL", []string{"verbose", "error", "-1"}, nil},
		{"OTELKIT_LOG_BUFFER_SLOW", []string{"0", "-1s", "abc", "1", overflow}, nil},
	}
	// A healthy collector, so that Shutdown does not wait out the retries
	// of a refused connection where Init succeeds.
	collector := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{})
	for _, tc := range table {
		for _, v := range tc.values {
			t.Run(tc.name+"="+v, func(t *testing.T) {
				t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Endpoint)
				for k, sv := range tc.setup {
					t.Setenv(k, sv)
				}
				t.Setenv(tc.name, v)
				out := &lineBuffer{}
				// No option for what the variables set: options win.
				tel, err := Init(context.Background(), WithoutGlobals(), WithoutDetectors(), WithoutRuntimeMetrics(),
					WithLogOutput(out))
				if tel != nil {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					defer cancel()
					_ = tel.Shutdown(ctx)
				}
				switch {
				case err != nil:
					if !strings.Contains(err.Error(), tc.name) {
						t.Errorf("error does not name %s: %v", tc.name, err)
					}
					if ce := findConfigError(err, func(ce *ConfigError) bool { return ce.Var == tc.name }); ce == nil {
						t.Errorf("no ConfigError with Var %s in %v", tc.name, err)
					}
				case strings.Contains(out.String(), tc.name):
					// Ignored with a warning naming the variable (as the
					// specification prescribes for some variables).
				default:
					t.Errorf("%s=%q accepted silently: no error, no warning; log:\n%s", tc.name, v, out.String())
				}
			})
		}
	}
}
