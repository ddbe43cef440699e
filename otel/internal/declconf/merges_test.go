package declconf

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/env"
)

// TestMergeKeys: "<<: *base" adds the pairs of base, a key written in the
// mapping wins over a merged one, of "<<: [*a, *b]" the earlier mapping
// wins, and a merged mapping's own merge keys count.
func TestMergeKeys(t *testing.T) {
	file := `file_format: "1.0"
tracer_provider:
  processors:
    - batch:
        exporter:
          otlp_http: &otlp
            endpoint: http://base:4318
            timeout: 1000
            compression: gzip
logger_provider:
  processors:
    - batch:
        exporter:
          otlp_http: &nested
            <<: *otlp
            endpoint: http://logs:4318
meter_provider:
  readers:
    - periodic:
        exporter:
          otlp_http:
            <<: [{endpoint: "http://fast:4318", timeout: 200, compression: none}, *nested]
            temporality_preference: delta
`
	f, err := Parse("f.yaml", []byte(file), lookupMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		// logs: *otlp merged, its endpoint written over.
		"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT":    "http://logs:4318/v1/logs",
		"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT":     "1000",
		"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "gzip",
		// metrics: the first mapping wins over *nested (itself *otlp merged).
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":               "http://fast:4318/v1/metrics",
		"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT":                "200",
		"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION":            "none",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta",
	} {
		if v, _ := f.Lookup(name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
	// A merged setting is located where it is written.
	if l, ok := f.Where("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT"); !ok || l.Line != 8 {
		t.Errorf("logs timeout at %+v, want line 8", l)
	}
}

// TestMergeKeyNotAMapping: a merge key whose value, or an item of whose
// sequence, is not a mapping is an error at its line and column; a quoted
// "<<" is an ordinary (unknown) key.
func TestMergeKeyNotAMapping(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		line       int
		want       string
	}{
		{"scalar", "resource:\n  <<: text\n", 2, "column 7 is not a mapping"},
		{"alias of a sequence", "resource:\n  attributes: &a [{name: a, value: b}]\npropagator:\n  <<: *a\n", 4, "column 7 is not a mapping"},
		{"sequence item", "resource: &r\n  schema_url: http://s\npropagator:\n  composite_list: tracecontext\nattribute_limits:\n  <<: [*r, 5]\n", 6, "column 12 is not a mapping"},
		{"quoted", "resource:\n  \"<<\": {schema_url: x}\n", 2, "unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte("file_format: \"1.0\"\n"+tc.body), lookupMap(nil))
			var e *env.Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f.yaml line ") {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "line "+itoa(tc.line+1)) {
				t.Errorf("error %v is not at line %d", err, tc.line+1)
			}
		})
	}
}

// TestMergeKeysWithinAliasBudget: merge keys count within maxAliasNodes
// like any alias, and one that leads to a mapping containing it is
// refused.
func TestMergeKeysWithinAliasBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("file_format: \"1.0\"\nresource:\n  attributes:\n    - &l0 {name: a, value: b}\n")
	prev := "l0"
	for i := 1; i <= 12; i++ {
		name := "l" + itoa(i)
		b.WriteString("    - &" + name + " {<<: [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]}\n")
		prev = name
	}
	for _, file := range []string{b.String(), "file_format: \"1.0\"\nresource: &r\n  attributes:\n    - <<: *r\n"} {
		_, err := Parse("f.yaml", []byte(file), lookupMap(nil))
		if err == nil || !strings.Contains(err.Error(), "alias") {
			t.Errorf("Parse accepted aliases past the budget or without end: %v", err)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
