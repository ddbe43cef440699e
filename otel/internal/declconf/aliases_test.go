package declconf

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/env"
)

// TestAliasesReuseSettings: an anchor shared by two signals is read at
// both places.
func TestAliasesReuseSettings(t *testing.T) {
	file := `file_format: "1.0"
tracer_provider:
  processors:
    - batch:
        exporter: &otlp
          otlp_http:
            endpoint: http://collector:4318
            headers: [{name: api-key, value: "${KEY}"}]
logger_provider:
  processors:
    - batch:
        exporter: *otlp
`
	f, err := Parse("f.yaml", []byte(file), lookupMap(map[string]string{"KEY": "k-123"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS"} {
		if v, _ := f.Lookup(name); v != "api-key=k-123" {
			t.Errorf("%s = %q", name, v)
		}
	}
}

// TestAliasesThatNeverEnd: an alias that leads to a node containing it
// makes an endless tree, which yaml builds without a word; the key check
// walked it until the stack overflowed. It is an error at the alias.
func TestAliasesThatNeverEnd(t *testing.T) {
	for _, c := range []struct {
		file, key string
		line      int
	}{
		{"tracer_provider:\n  sampler: &s\n    parent_based:\n      root: *s\n", "tracer_provider.sampler.parent_based.root", 5},
		{"tracer_provider: &a\n  processors: [*a]\n", "tracer_provider.processors[0]", 3},
	} {
		_, err := Parse("f.yaml", []byte("file_format: \"1.0\"\n"+c.file), nil)
		var e *env.Error
		if !errors.As(err, &e) || e.Line != c.line || e.Key != c.key || !strings.Contains(err.Error(), "expands without end") {
			t.Errorf("%s: error %v; want one at line %d, %s", c.file, err, c.line, c.key)
		}
	}
}

// TestAliasesThatExpandTooMuch: nested aliases ("billion laughs") in
// places the schema reads expand to a tree far larger than the file; the
// key check walked every copy (a 46 KB file took 90 s). Past
// maxAliasNodes added nodes they are an error at the alias, and no value
// is quoted.
func TestAliasesThatExpandTooMuch(t *testing.T) {
	const n = 200 // 200 processors of 200 headers: 40,000 nodes more
	var b strings.Builder
	b.WriteString("file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n        exporter:\n          otlp_http:\n            headers: &h [")
	for i := range n {
		fmt.Fprintf(&b, "{name: h%d, value: s3cr3t}, ", i)
	}
	b.WriteString("]\n")
	for range n {
		b.WriteString("    - batch: {exporter: {otlp_http: {headers: *h}}}\n")
	}
	_, err := Parse("f.yaml", []byte(b.String()), nil)
	var e *env.Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "makes the aliases add more than") {
		t.Fatalf("error %v; want the aliases refused", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") || e.Line < 9 || !strings.HasPrefix(e.Key, "tracer_provider.processors[") {
		t.Errorf("error at line %d, key %q: %v", e.Line, e.Key, err)
	}
}
