package env

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckUTF8(t *testing.T) {
	s := FromMap(map[string]string{
		"OTEL_SERVICE_NAME":           "checkout\xff",
		"OTELKIT_ENVIRONMENT":         "prod\xfe",
		"OTEL_RESOURCE_ATTRIBUTES":    "team=payments,owner=secr%FFet",
		"OTEL_EXPORTER_OTLP_HEADERS":  "Authorization=Bearer SECRET\xffTOKEN",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
		"OTEL_OK":                     "ünïcode ✓",
		"OTEL_\xffNAME":               "x\xff",
		"HOME":                        "/home/\xff", // not ours: never checked
	})
	err := s.CheckUTF8()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, name := range []string{"OTEL_SERVICE_NAME", "OTELKIT_ENVIRONMENT", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_\uFFFDNAME"} {
		if !strings.Contains(msg, name) {
			t.Errorf("error does not name %s: %s", name, msg)
		}
	}
	for _, leak := range []string{"checkout", "prod", "secr", "SECRET", "TOKEN", "Bearer", "HOME", "OTEL_OK", "ENDPOINT"} {
		if strings.Contains(msg, leak) {
			t.Errorf("error contains %q: %s", leak, msg)
		}
	}
	if !utf8.ValidString(msg) || !errors.Is(err, ErrInvalidUTF8) || !IsEnvError(err) {
		t.Errorf("error %q: valid UTF-8 %v, Is(ErrInvalidUTF8) %v, env error %v", msg, utf8.ValidString(msg), errors.Is(err, ErrInvalidUTF8), IsEnvError(err))
	}
	if !strings.Contains(msg, "offset 8") || !strings.Contains(msg, `"owner" percent-decodes`) {
		t.Errorf("error does not say where: %s", msg)
	}
	var e *Error
	if errors.As(err, &e); !e.Withheld || e.Value != "" {
		t.Errorf("first error %+v: the value must be withheld", e)
	}
	// Sorted by name, one error per variable.
	if i, j := strings.Index(msg, "OTELKIT_ENVIRONMENT"), strings.Index(msg, "OTEL_SERVICE_NAME"); i < 0 || j < i || strings.Count(msg, "value not shown") != 5 {
		t.Errorf("errors not one per variable in name order: %s", msg)
	}
}

func TestCheckUTF8Valid(t *testing.T) {
	ok := FromMap(map[string]string{
		"OTEL_SERVICE_NAME":        "café",
		"OTEL_RESOURCE_ATTRIBUTES": "a=%C3%A9,b=%zz,malformed", // malformed is reported elsewhere
	})
	if err := ok.CheckUTF8(); err != nil {
		t.Errorf("valid values: %v", err)
	}
	unlisted := FromFunc(func(string) (string, bool) { return "\xff", true })
	if err := unlisted.CheckUTF8(); err != nil {
		t.Errorf("FromFunc source: %v", err)
	}
}

func TestCheckUTF8ProcessEnvironment(t *testing.T) {
	t.Setenv("OTELKIT_UTF8_TEST", "bad\xff")
	err := FromOS().CheckUTF8()
	if err == nil || !strings.Contains(err.Error(), "OTELKIT_UTF8_TEST") {
		t.Errorf("process environment: %v", err)
	}
	var zero Source // reads the process environment too
	if err := zero.CheckUTF8(); err == nil {
		t.Error("zero Source: no error")
	}
}
