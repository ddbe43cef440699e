package otel

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

// TestHealthShowsWhatTheProvidersResolved: the configuration in the
// document is what the three constructors resolved, options given through
// WithTracingOptions and WithMetricsOptions included (it used to be
// resolved again from Init's own options only, and showed the default).
func TestHealthShowsWhatTheProvidersResolved(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "700")
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithMetricsExporter("otlp,console"), WithConsoleWriter(io.Discard),
		WithTracingOptions(tracing.WithEndpoint("http://127.0.0.1:1")),
		WithMetricsOptions(metrics.WithTimeout(3*time.Second)))
	h := tel.Health()
	if tc := h.Config["traces"]; tc.Endpoint != "http://127.0.0.1:1/v1/traces" || tc.Sources["endpoint"] != "option" {
		t.Errorf("traces: endpoint %q from %q", tc.Endpoint, tc.Sources["endpoint"])
	}
	if mc := h.Config["metrics"]; mc.Timeout != "3s" || strings.Join(mc.Exporters, ",") != "otlp,console" || mc.Exporter != "otlp,console" ||
		mc.Sources["exporter"] != "option" {
		t.Errorf("metrics: %+v", mc)
	}
	if lc := h.Config["logs"]; lc.Timeout != "700ms" || lc.Sources["timeout"] != "env:OTEL_EXPORTER_OTLP_LOGS_TIMEOUT" {
		t.Errorf("logs: %+v", lc)
	}
}

// TestHealthNamesTheMetricsExporter: the health document names the metrics
// exporter as the traces' and logs' are named, "none" included; it showed
// "exporter": "" for metrics whatever was chosen, so that "none" and a
// setting lost looked the same.
func TestHealthNamesTheMetricsExporter(t *testing.T) {
	clearEnv(t)
	for _, name := range []string{"none", "console", "otlp,console"} {
		tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithMetricsExporter(name), WithConsoleWriter(io.Discard))
		if mc := tel.Health().Config["metrics"]; mc.Exporter != name {
			t.Errorf("WithMetricsExporter(%q): exporter %q, exporters %q", name, mc.Exporter, mc.Exporters)
		}
	}
}
