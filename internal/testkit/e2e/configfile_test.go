package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/otel"
)

// configFile renders a declarative configuration file whose three
// providers export to endpoint with exporter (otlp_http or otlp_grpc),
// gzip, an API key from ${E2E_KEY}, delta temporality and a view.
func configFile(exporter, endpoint, service string) string {
	exp := func(path string, extra string) string {
		return fmt.Sprintf("          %s:\n            endpoint: %s%s\n            compression: gzip\n            timeout: 5000\n"+
			"            headers:\n              - name: api-key\n                value: ${E2E_KEY}\n%s", exporter, endpoint, path, extra)
	}
	path := func(sig string) string {
		if exporter == "otlp_grpc" {
			return ""
		}
		return "/v1/" + sig
	}
	return `file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: ` + service + `
    - name: deployment.environment.name
      value: ${E2E_ENV:-staging}
    - name: team.size
      value: 7
propagator:
  composite_list: tracecontext,baggage
tracer_provider:
  sampler:
    parent_based:
      root:
        always_on:
  processors:
    - batch:
        schedule_delay: 200
        exporter:
` + exp(path("traces"), "") + `meter_provider:
  readers:
    - periodic:
        interval: 60000
        exporter:
` + exp(path("metrics"), "            temporality_preference: delta\n") + `  views:
    - selector:
        instrument_name: http.server.request.duration
      stream:
        name: e2e.request.duration
logger_provider:
  processors:
    - batch:
        schedule_delay: 200
        exporter:
` + exp(path("logs"), "") + `distribution:
  otelkit:
    log:
      format: json
      level: debug
`
}

// TestConfigFileReachesCollector: a service configured by a file alone
// (OTEL_CONFIG_FILE), with every OTEL_* variable pointing elsewhere,
// delivers its spans, metrics and log records to a real collector with the
// file's resource and exporter settings (protocol, endpoint, temporality,
// the view), over gRPC and OTLP/HTTP.
func TestConfigFileReachesCollector(t *testing.T) {
	for _, exporter := range []string{"otlp_grpc", "otlp_http"} {
		t.Run(exporter, func(t *testing.T) {
			col := collector.Start(t)
			// The variables say otherwise; the file must win.
			pointAt(t, col, "http/protobuf")
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
			t.Setenv("OTEL_SERVICE_NAME", "not-this-one")
			t.Setenv("OTEL_TRACES_SAMPLER", "always_off")
			t.Setenv("OTEL_LOGS_EXPORTER", "none")
			t.Setenv("OTEL_METRICS_EXPORTER", "none")
			t.Setenv("OTELKIT_LOG_FORMAT", "console")
			t.Setenv("E2E_KEY", "e2e-api-key-123")
			t.Setenv("E2E_ENV", "")
			endpoint := col.HTTPEndpoint()
			if exporter == "otlp_grpc" {
				endpoint = "http://" + col.GRPCEndpoint()
			}
			service := "e2e-file-" + exporter
			path := filepath.Join(t.TempDir(), "otel.yaml")
			if err := os.WriteFile(path, []byte(configFile(exporter, endpoint, service)), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("OTEL_CONFIG_FILE", path)
			out := &lineBuffer{}
			tel, err := otel.Init(context.Background(), otel.WithLogOutput(out))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(serviceApp())
			get(t, srv.URL+"/orders/7", "req-file-"+exporter)
			srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tel.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if findLine(out.lines(t), "order_loaded") == nil { // JSON, from the file, over OTELKIT_LOG_FORMAT
				t.Errorf("no JSON order_loaded line on stdout:\n%s", out.String())
			}
			wantResource := func(what string, res map[string]any) {
				t.Helper()
				if res["service.name"] != service || res["deployment.environment.name"] != "staging" || res["team.size"] != int64(7) {
					t.Errorf("%s resource = %v, want the file's", what, res)
				}
			}

			spans := col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool { return len(s) >= 2 })
			for _, s := range spans {
				wantResource("span "+s.Name, s.Resource)
			}
			logs := col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool {
				for _, r := range l {
					if r.Body == "order_loaded" {
						return true
					}
				}
				return false
			})
			wantResource("log record", logs[0].Resource)
			metrics := col.WaitMetrics(t, 20*time.Second, func(ms []collector.Metric) bool {
				for _, m := range ms {
					if m.Name == "e2e.request.duration" {
						return true
					}
				}
				return false
			})
			runtime := false
			for _, m := range metrics {
				wantResource("metric "+m.Name, m.Resource)
				if m.Name == "http.server.request.duration" {
					t.Error("the file's view did not rename http.server.request.duration")
				}
				if m.Name == "e2e.request.duration" && m.Temporality != "delta" {
					t.Errorf("e2e.request.duration temporality %q, want the file's delta", m.Temporality)
				}
				runtime = runtime || strings.HasPrefix(m.Name, "go.")
			}
			if !runtime {
				t.Error("no runtime metrics: they are on unless the file turns them off")
			}
		})
	}
}
