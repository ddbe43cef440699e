package otel

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func configWarnings(lines []map[string]any) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["msg"] == "otelkit_config_warning" {
			out = append(out, l)
		}
	}
	return out
}

// TestMisspelledVariablesAreWarned: Init warns, once each, about an
// OTELKIT_* variable it does not read and an OTEL_* variable near one it
// reads, naming the variable probably meant and never the value; OTEL_*
// variables of other SDKs and known ones are left alone.
func TestMisspelledVariablesAreWarned(t *testing.T) {
	clearEnv(t)
	const secret = "sk-VALUE-NEVER-SHOWN"
	t.Setenv("OTELKIT_LOG_LEVL", secret)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPIONT", secret)
	t.Setenv("OTELKIT_SOMETHING_ELSE", secret)
	t.Setenv("OTEL_PYTHON_LOG_CORRELATION", secret) // another SDK's: no warning
	t.Setenv("OTEL_SERVICE_NAME", "names")          // known: no warning
	t.Setenv("OTELKIT_LOG_LEVL_BLANK", "  ")        // blank counts as unset
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out, WithoutGlobals())...)
	if err != nil {
		t.Fatal(err)
	}
	_ = tel.Shutdown(context.Background())
	if strings.Contains(out.String(), secret) {
		t.Fatalf("a value was shown:\n%s", out.String())
	}
	got := map[string]map[string]any{}
	for _, l := range configWarnings(out.lines(t)) {
		if v, ok := l["variable"].(string); ok {
			if got[v] != nil {
				t.Errorf("%s warned twice", v)
			}
			got[v] = l
		}
	}
	want := map[string]string{
		"OTELKIT_LOG_LEVL":            "OTELKIT_LOG_LEVEL",
		"OTEL_EXPORTER_OTLP_ENDPIONT": "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTELKIT_SOMETHING_ELSE":      "",
	}
	for v, meant := range want {
		l := got[v]
		if l == nil {
			t.Errorf("no warning about %s:\n%s", v, out.String())
			continue
		}
		if dm, _ := l["did_you_mean"].(string); dm != meant {
			t.Errorf("%s: did_you_mean %q, want %q", v, dm, meant)
		}
		if d, _ := l["detail"].(string); !strings.Contains(d, v) || !strings.Contains(d, "no effect") {
			t.Errorf("%s: detail %q", v, d)
		}
	}
	for v := range got {
		if _, ok := want[v]; !ok {
			t.Errorf("unexpected warning about %s", v)
		}
	}
}

// TestMisspelledVariableWarningsAreBounded: many unknown variables give at
// most maxNameWarnings warnings plus one line that counts the rest, and a
// huge name is cut.
func TestMisspelledVariableWarningsAreBounded(t *testing.T) {
	clearEnv(t)
	for i := range 40 {
		t.Setenv(fmt.Sprintf("OTELKIT_UNKNOWN_%02d", i), "x")
	}
	long := "OTELKIT_" + strings.Repeat("Z", 5000)
	t.Setenv(long, "x")
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out, WithoutGlobals())...)
	if err != nil {
		t.Fatal(err)
	}
	_ = tel.Shutdown(context.Background())
	var named, counted int
	for _, l := range configWarnings(out.lines(t)) {
		d, _ := l["detail"].(string)
		switch {
		case l["variable"] != nil:
			named++
			if v := l["variable"].(string); len(v) > maxShownName+len("…") {
				t.Errorf("name of %d bytes shown", len(v))
			}
		case strings.Contains(d, "33 further"):
			counted++
		}
	}
	if named != maxNameWarnings || counted != 1 {
		t.Errorf("%d named warnings and %d count lines, want %d and 1:\n%s", named, counted, maxNameWarnings, out.String())
	}
}

// TestSDKLogLevelSaidNotApplied: OTEL_LOG_LEVEL, which neither the Go SDK
// nor otelkit reads, is said not to be applied when set (without its
// value), and nothing is said when it is not.
func TestSDKLogLevelSaidNotApplied(t *testing.T) {
	for _, value := range []string{"Debug-Value", ""} {
		t.Run("value="+value, func(t *testing.T) {
			clearEnv(t)
			if value != "" {
				t.Setenv("OTEL_LOG_LEVEL", value)
			}
			out := &lineBuffer{}
			tel, err := Init(context.Background(), quiet(out, WithoutGlobals())...)
			if err != nil {
				t.Fatal(err)
			}
			_ = tel.Shutdown(context.Background())
			var said []map[string]any
			for _, l := range configWarnings(out.lines(t)) {
				if l["variable"] == "OTEL_LOG_LEVEL" {
					said = append(said, l)
				}
			}
			switch {
			case value == "" && len(said) != 0:
				t.Errorf("unset, yet warned: %v", said)
			case value != "" && (len(said) != 1 || !strings.Contains(said[0]["detail"].(string), "not applied") ||
				strings.Contains(out.String(), value)):
				t.Errorf("set to %q: warnings %v, want one saying it is not applied, without the value", value, said)
			}
		})
	}
}
