package otel

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// TestWithEnvLookupReplacesTheEnvironment: with WithEnvLookup, what the
// process environment holds changes nothing, and what lookup returns
// applies as the environment would.
func TestWithEnvLookupReplacesTheEnvironment(t *testing.T) {
	for k, v := range map[string]string{
		"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "bogus", "OTELKIT_LOG_PROFILE": "gcp",
		"OTEL_RESOURCE_ATTRIBUTES": "leak=1", "OTEL_SERVICE_NAME": "leak", "OTELKIT_ENVIRONMENT": "leak",
		"OTEL_EXPORTER_OTLP_COMPRESSION": "bogus", "OTELKIT_LOG_LEVEL": "error",
	} {
		t.Setenv(k, v)
	}
	vars := map[string]string{
		"OTEL_SERVICE_NAME": "from-lookup", "OTEL_RESOURCE_ATTRIBUTES": "team=a%20b,bad",
		"OTELKIT_LOG_LEVEL": "debug", "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
		"OTEL_LOGS_EXPORTER": "none", "OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP",
	}
	out := &lineBuffer{}
	tel, err := Init(context.Background(), WithEnvLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }),
		WithoutGlobals(), WithoutDetectors(), WithoutRuntimeMetrics(), WithLogFormat("json"), WithLogOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	h := tel.Health()
	if h.Disabled || h.Service != "from-lookup" || h.LogLevel != "debug" || h.LogLevelSrc != "env:OTELKIT_LOG_LEVEL" {
		t.Errorf("health %+v", h)
	}
	if c := h.Config["traces"]; c.Exporter != "none" || c.Compression != "gzip" || c.Sources["compression"] != "env:OTEL_EXPORTER_OTLP_COMPRESSION" {
		t.Errorf("traces config %+v", c)
	}
	set := tel.Resource().Set()
	if v, _ := set.Value("team"); v.AsString() != "a b" {
		t.Errorf("team = %q", v.AsString())
	}
	for _, k := range []string{"leak", "deployment.environment.name"} {
		if _, ok := set.Value(attribute.Key(k)); ok {
			t.Errorf("%s came from the process environment", k)
		}
	}
	tel.Logger().Debug("debug_line")
	var sawDebug, sawWarning bool
	for _, l := range out.lines(t) {
		sawDebug = sawDebug || l["msg"] == "debug_line"
		if l["msg"] == "otelkit_config_warning" && strings.Contains(l["detail"].(string), resourceAttrsVar) {
			sawWarning = true
		}
		if _, ok := l["severity"]; ok {
			t.Errorf("gcp profile from the process environment: %v", l)
		}
	}
	if !sawDebug || !sawWarning {
		t.Errorf("debug line %v, warning about the malformed pair %v:\n%s", sawDebug, sawWarning, out.String())
	}
}
