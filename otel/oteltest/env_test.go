package oteltest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel/oteltest"
	"github.com/otelkit/otelkit/tracing"
)

// hostileEnv is an environment that changed what tests saw: it disables
// the SDK, renames the keys, fails Init, drops debug lines and spans,
// caps every attribute list and metric series, and adds to the resource.
var hostileEnv = map[string]string{
	"OTEL_SDK_DISABLED":                    "true",
	"OTELKIT_LOG_PROFILE":                  "gcp",
	"OTELKIT_LOG_FORMAT":                   "console",
	"OTELKIT_LOG_LEVEL":                    "error",
	"OTELKIT_ENVIRONMENT":                  "leak",
	"OTELKIT_LOG_BUFFER_LEVEL":             "debug",
	"OTEL_TRACES_EXPORTER":                 "bogus",
	"OTEL_METRICS_EXPORTER":                "bogus",
	"OTEL_LOGS_EXPORTER":                   "bogus",
	"OTEL_TRACES_SAMPLER":                  "always_off",
	"OTEL_PROPAGATORS":                     "bogus",
	"OTEL_SERVICE_NAME":                    "leak",
	"OTEL_RESOURCE_ATTRIBUTES":             "leak=1",
	"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT":      "0",
	"OTEL_ATTRIBUTE_COUNT_LIMIT":           "0",
	"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT": "0",
	"OTEL_GO_X_CARDINALITY_LIMIT":          "1",
	"OTEL_METRICS_EXEMPLAR_FILTER":         "bogus",
	"OTEL_EXPORTER_OTLP_ENDPOINT":          "::not a url",
	"OTEL_EXPORTER_OTLP_COMPRESSION":       "bogus",
	"OTEL_BSP_MAX_QUEUE_SIZE":              "bogus",
	"OTEL_CONFIG_FILE":                     "/nonexistent/otel.yaml",
}

// TestIndependentOfEnvironment: with every variable above set, a test sees
// what it sees in a clean environment.
func TestIndependentOfEnvironment(t *testing.T) {
	for k, v := range hostileEnv {
		t.Setenv(k, v)
	}
	tel := oteltest.New(t)
	ctx, span := tracing.Start(tel.Context(), "work")
	span.SetAttributes(attribute.String("a", "1"))
	logging.FromContext(ctx).Debug("debug_line", zap.String("k", "v"))
	m := tel.MeterProvider().Meter("env")
	c, _ := m.Int64Counter("things")
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("x", "1")))
	c.Add(ctx, 1, metric.WithAttributes(attribute.String("x", "2")))
	span.End()

	spans := tel.Spans()
	if len(spans) != 1 || len(spans[0].Attributes()) != 1 {
		t.Fatalf("%d spans, want 1 with its attribute", len(spans))
	}
	res := spans[0].Resource()
	if v, _ := res.Set().Value("service.name"); v.AsString() != "oteltest" {
		t.Errorf("service.name %q", v.AsString())
	}
	if _, ok := res.Set().Value("leak"); ok {
		t.Error("OTEL_RESOURCE_ATTRIBUTES reached the resource")
	}
	if _, ok := res.Set().Value("deployment.environment.name"); ok {
		t.Error("OTELKIT_ENVIRONMENT reached the resource")
	}
	var line map[string]any
	for _, l := range tel.LogLines(t) {
		if l["msg"] == "debug_line" {
			line = l
		}
	}
	if line == nil || line["k"] != "v" || line["trace_id"] != spans[0].SpanContext().TraceID().String() {
		t.Errorf("debug line %v", line)
	}
	recs := tel.LogRecords()
	if len(recs) == 0 || recs[len(recs)-1].AttributesLen() == 0 {
		t.Errorf("log records %d, attributes dropped", len(recs))
	}
	rm, err := tel.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := points(rm, "things"); n != 2 {
		t.Errorf("%d series of things, want 2 (a cardinality limit of 1 leaked in)", n)
	}
	h := tel.Health()
	if h.Disabled {
		t.Error("OTEL_SDK_DISABLED reached the Telemetry")
	}
}

// TestEnvironmentDoesNotReachTheHandler: the same through httpmw and the
// globals.
func TestEnvironmentDoesNotReachTheHandler(t *testing.T) {
	for k, v := range hostileEnv {
		t.Setenv(k, v)
	}
	tel := oteltest.New(t)
	h := httpmw.Handler(appMux())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, tel.NewRequest(http.MethodGet, "/orders/1?who=env", nil))
	if len(tel.Spans()) != 3 {
		t.Errorf("%d spans", len(tel.Spans()))
	}
	for _, l := range tel.LogLines(t) {
		if _, ok := l["msg"]; !ok || strings.Contains(l["msg"].(string), " ") {
			t.Errorf("line %v", l)
		}
	}
}

func points(rm metricdata.ResourceMetrics, name string) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				n += len(s.DataPoints)
			}
		}
	}
	return n
}
