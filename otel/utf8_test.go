package otel

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelkit/otelkit/internal/env"
)

// TestInvalidUTF8InVariableIsInitError: invalid UTF-8 in OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES (raw or percent-encoded) or OTELKIT_ENVIRONMENT
// used to give a Telemetry that could never export anything; now Init
// fails, naming the variable and not showing the value. Headers are
// secrets: their value must not appear either.
func TestInvalidUTF8InVariableIsInitError(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"OTEL_SERVICE_NAME", "checkout\xff"},
		{"OTEL_RESOURCE_ATTRIBUTES", "team=pay\xffments"},
		{"OTEL_RESOURCE_ATTRIBUTES", "team=pay%FFments"},
		{"OTELKIT_ENVIRONMENT", "prod\xfe"},
		{"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer sec\xffret"},
		{"OTELKIT_LOG_FORMAT", "json\xff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(tc.name, tc.value)
			tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals())...)
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatalf("%s=%q: Init succeeded", tc.name, tc.value)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.name) || !errors.Is(err, env.ErrInvalidUTF8) {
				t.Errorf("error does not name %s as invalid UTF-8: %s", tc.name, msg)
			}
			for _, leak := range []string{"checkout", "pay", "prod", "sec", "ret", "json"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error shows the value (%q): %s", leak, msg)
				}
			}
			if !utf8.ValidString(msg) {
				t.Errorf("error is not valid UTF-8: %q", msg)
			}
		})
	}
}

func TestInvalidUTF8InOptionIsInitError(t *testing.T) {
	for _, tc := range []struct {
		option string
		opt    Option
	}{
		{"WithServiceName", WithServiceName("checkout\xff")},
		{"WithServiceVersion", WithServiceVersion("1.0\xff")},
		{"WithEnvironment", WithEnvironment("prod\xff")},
		{"WithResourceAttributes", WithResourceAttributes(attribute.String("team", "pay\xff"))},
		{"WithResourceAttributes", WithResourceAttributes(attribute.StringSlice("k\xff", nil))},
		{"WithOTLPHeaders", WithOTLPHeaders(map[string]string{"Authorization": "Bearer sec\xffret"})},
		{"WithOTLPEndpoint", WithOTLPEndpoint("http://collector\xff:4318")},
	} {
		t.Run(tc.option, func(t *testing.T) {
			clearEnv(t)
			tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), tc.opt)...)
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatal("Init succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.option) || !errors.Is(err, env.ErrInvalidUTF8) || !utf8.ValidString(msg) {
				t.Errorf("error does not name %s as invalid UTF-8: %q", tc.option, msg)
			}
			for _, leak := range []string{"checkout", "pay", "prod", "sec", "collector"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error shows the value (%q): %s", leak, msg)
				}
			}
		})
	}
	// Valid non-ASCII text is text.
	clearEnv(t)
	t.Setenv("OTEL_SERVICE_NAME", "café")
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), WithEnvironment("prüfung"),
		WithResourceAttributes(attribute.String("team", "zahlungsverkehr ✓")))...)
	if err != nil {
		t.Fatalf("valid UTF-8 refused: %v", err)
	}
	if v, _ := tel.Resource().Set().Value("service.name"); v.AsString() != "café" {
		t.Errorf("service.name = %q", v.AsString())
	}
	_ = tel.Shutdown(context.Background())
}
