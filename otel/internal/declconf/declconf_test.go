package declconf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestSubstitute(t *testing.T) {
	vars := lookupMap(map[string]string{"A": "x", "EMPTY": "", "D": "$d"})
	for in, want := range map[string]string{
		"plain":               "plain",
		"${A}":                "x",
		"${env:A}-${A}":       "x-x",
		"${MISSING}":          "",
		"${MISSING:-def}":     "def",
		"${EMPTY:-def}":       "def",
		"${A:-def}":           "x",
		"$${A}":               "${A}",
		"a$$b":                "a$b",
		"cost $5":             "cost $5",
		"${D}":                "$d", // a value is never substituted again
		"${MISSING:-a:b/c d}": "a:b/c d",
	} {
		got, err := substitute(in, vars)
		if err != nil || got != want {
			t.Errorf("substitute(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"${", "${A", "${1A}", "${A B}", "${}", "${A:B}"} {
		if _, err := substitute(bad, vars); err == nil {
			t.Errorf("substitute(%q) accepted an invalid reference", bad)
		}
	}
}

// TestSubstitutionTypes: an unquoted substituted value is typed from its
// text, a quoted one stays a string, and a value never becomes structure.
func TestSubstitutionTypes(t *testing.T) {
	file := `file_format: "1.0"
resource:
  attributes:
    - name: count
      value: ${N}
    - name: quoted
      value: "${N}"
    - name: structure
      value: ${S}
`
	f, err := Parse("f.yaml", []byte(file), lookupMap(map[string]string{"N": "42", "S": "{a: b}"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []attribute.KeyValue{attribute.Int("count", 42), attribute.String("quoted", "42"), attribute.String("structure", "{a: b}")}
	if len(f.Attributes) != len(want) {
		t.Fatalf("attributes %v, want %v", f.Attributes, want)
	}
	for i := range want {
		if f.Attributes[i] != want[i] {
			t.Errorf("attribute %d = %v, want %v", i, f.Attributes[i], want[i])
		}
	}
}

// TestTranslation: what the signal packages read for a file, and where
// each setting is.
func TestTranslation(t *testing.T) {
	file := `file_format: "1.0"
tracer_provider:
  processors:
    - batch:
        schedule_delay: 250
        exporter:
          otlp_grpc:
            endpoint: http://collector:4317
            tls:
              insecure: true
            headers:
              - name: api-key
                value: "a,b=c d"
meter_provider:
  readers:
    - periodic:
        exporter:
          otlp_http:
            endpoint: http://collector:4318
            temporality_preference: low_memory
    - pull:
        exporter:
          prometheus/development:
            host: 0.0.0.0
            port: 9999
logger_provider:
  processors:
    - simple:
        exporter:
          console:
instrumentation/development:
  general: {}
`
	f, err := Parse("f.yaml", []byte(file), lookupMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"OTEL_TRACES_EXPORTER":                              "otlp",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL":                "grpc",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":                "http://collector:4317",
		"OTEL_EXPORTER_OTLP_TRACES_INSECURE":                "true",
		"OTEL_BSP_SCHEDULE_DELAY":                           "250",
		"OTEL_METRICS_EXPORTER":                             "otlp,prometheus",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT":               "http://collector:4318/v1/metrics",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "lowmemory",
		"OTEL_EXPORTER_PROMETHEUS_HOST":                     "0.0.0.0",
		"OTEL_EXPORTER_PROMETHEUS_PORT":                     "9999",
		"OTEL_LOGS_EXPORTER":                                "console",
	} {
		if got, _ := f.Lookup(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	h, _ := f.Lookup("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
	if m, err := otlpconf.ParseHeaders(h); err != nil || m["api-key"] != "a,b=c d" {
		t.Errorf("headers %q parse to %v, %v", h, m, err)
	}
	if l, _ := f.Where("OTEL_BSP_SCHEDULE_DELAY"); l.Line != 5 || l.Key != "tracer_provider.processors[0].batch.schedule_delay" {
		t.Errorf("schedule delay at %+v", l)
	}
	if got := f.Source("env:OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); got != "file:f.yaml:8" {
		t.Errorf("Source = %q", got)
	}
	if got := f.Source("env:OTEL_OTHER"); got != "env:OTEL_OTHER" {
		t.Errorf("Source of a variable the file does not set = %q", got)
	}
	warnings := strings.Join(f.Warnings, "\n")
	for _, w := range []string{"instrumentation/development", "logger_provider.processors[0].simple", "propagator: is not set"} {
		if !strings.Contains(warnings, w) {
			t.Errorf("no warning about %s in\n%s", w, warnings)
		}
	}
	if s := f.Secrets(); len(s) == 0 || s[len(s)-1] != "a,b=c d" {
		t.Errorf("secrets %q, want the header value", s)
	}
}

// TestLocate: an error the signal packages report about a variable the
// file set names the file, line and key instead.
func TestLocate(t *testing.T) {
	f, err := Parse("f.yaml", []byte("file_format: \"1.0\"\nlogger_provider:\n  processors:\n    - batch:\n        max_queue_size: 5\n        exporter: {console: }\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env.Error{Var: "OTEL_BLRP_MAX_QUEUE_SIZE", Value: "5", Allowed: "x"}
	other := &env.Error{Var: "OTEL_OTHER"}
	if f.Locate(errors.Join(e, other)) == nil || e.File != "f.yaml" || e.Line != 5 || e.Var != "" || other.File != "" ||
		e.Value != "" || !e.Withheld {
		t.Errorf("located %+v, %+v", e, other)
	}
	if msg := e.Error(); msg != `otelkit: invalid logger_provider.processors[0].batch.max_queue_size (value not shown) (f.yaml line 5): allowed: x` {
		t.Errorf("message %q", msg)
	}
}

// TestParseErrorsHideHeaderValues: a header value that ends up where the
// schema wants a number is not quoted back.
func TestParseErrorsHideHeaderValues(t *testing.T) {
	const secret = "sk-IN-THE-WRONG-PLACE"
	file := "file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n        max_queue_size: ${KEY}\n" +
		"        exporter:\n          otlp_http:\n            endpoint: http://c:4318\n            headers:\n              - name: k\n                value: ${KEY}\n"
	_, err := Parse("f.yaml", []byte(file), lookupMap(map[string]string{"KEY": secret}))
	if err == nil || strings.Contains(err.Error(), secret[:5]) || !strings.Contains(err.Error(), "line 5") {
		t.Fatalf("error %v: want one at line 5 without the value", err)
	}
}

// TestViews: the file's views reach the meter provider.
func TestViews(t *testing.T) {
	file := `file_format: "1.0"
meter_provider:
  readers: []
  views:
    - selector: {instrument_name: requests}
      stream:
        name: renamed
        attribute_keys: {included: [route]}
    - selector: {instrument_name: dropped}
      stream: {aggregation: {drop: }}
`
	f, err := Parse("f.yaml", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(f.Views...))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	m := mp.Meter("t")
	c, _ := m.Int64Counter("requests")
	c.Add(context.Background(), 1)
	d, _ := m.Int64Counter("dropped")
	d.Add(context.Background(), 1)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, x := range sm.Metrics {
			names = append(names, x.Name)
		}
	}
	if len(names) != 1 || names[0] != "renamed" {
		t.Errorf("metrics %v, want [renamed]", names)
	}
}

// TestSubstitutionErrorsQuoteOnlyTheReference: an invalid ${…} is an
// error at the reference's own line and column that shows the
// variable's name at most (cut when long), never the value around it
// (a token pasted beside it, a default value).
func TestSubstitutionErrorsQuoteOnlyTheReference(t *testing.T) {
	const secret = "sk-live-0042"
	head := "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: a\n      value: "
	long := strings.Repeat("A", 40)
	for _, c := range []struct {
		value     string
		line, col int
		want      []string
	}{
		{`"Bearer ` + secret + ` ${API_KEY"`, 5, 35, []string{"${API_KEY at column 35 has no closing }"}},
		{`"Bearer ${UNSET_NAME"`, 5, 22, []string{"the reference ${ at column 22 has no closing }"}}, // no variable's name: not shown
		{`${API_KEY:-` + secret, 5, 14, []string{"${API_KEY at column 14 has no closing }"}},
		{`${env:API_KEY ` + secret, 5, 14, []string{"${env:API_KEY at column 14 has no closing }"}},
		{`x ${A} ${` + secret, 5, 21, []string{"the reference ${ at column 21 has no closing }"}},
		{`${sk_live_0042`, 5, 14, []string{"the reference ${ at column 14 has no closing }"}},
		{`${` + long + ` ` + secret, 5, 14, []string{"${" + long[:32] + "… at column 14"}},
		{`"` + secret + ` ${1` + secret + `}"`, 5, 28, []string{"is not valid: its name starts with a digit"}},
		{`${API KEY:-` + secret + `}`, 5, 14, []string{`its name has " " at byte 4`}},
		{`${` + secret + `}`, 5, 14, []string{`its name has "-" at byte 3`}},
		{`${A:` + secret + `}`, 5, 14, []string{`":" at byte 2 (a default is written ${NAME:-default})`}},
		{`${}`, 5, 14, []string{"its name is empty"}},
		{"|\n        first line\n        Bearer " + secret + " ${TOKEN\n", 7, 29, []string{"${TOKEN at column 29"}},
	} {
		_, err := Parse("f.yaml", []byte(head+c.value+"\n"), lookupMap(map[string]string{"API_KEY": "k", "TOKEN": "t", long: "l"}))
		var e *env.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want an *env.Error", c.value, err)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || strings.Contains(msg, "Bearer") || strings.Contains(msg, "sk") || strings.Contains(msg, "UNSET") {
			t.Errorf("%s: the error quotes the value around the reference: %s", c.value, msg)
		}
		if e.Line != c.line || e.Key != "resource.attributes[0].value" {
			t.Errorf("%s: line %d, key %q; want line %d: %s", c.value, e.Line, e.Key, c.line, msg)
		}
		for _, w := range append(c.want, fmt.Sprintf("column %d", c.col), "f.yaml line ") {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error lacks %q: %s", c.value, w, msg)
			}
		}
	}
}

// TestSubstitutionErrorInEscapedValue: a double-quoted value whose escapes
// write the "${" ("\x24{") has no such reference in the file's text: the
// error gives its line and the byte of the value, not the position of a
// reference in another entry.
func TestSubstitutionErrorInEscapedValue(t *testing.T) {
	head := "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: a\n      value: "
	for _, value := range []string{`"\x24{BAD"`, `"$\x7bBAD"`, `"\u0024{BAD"`} {
		file := head + value + "\n    - name: b\n      value: \"${OK}\"\n    - name: c\n      value: ${OK}\n"
		_, err := Parse("f.yaml", []byte(file), lookupMap(map[string]string{"OK": "x"}))
		var e *env.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: error %v, want an *env.Error", value, err)
		}
		if e.Line != 5 || e.Key != "resource.attributes[0].value" || strings.Contains(err.Error(), "column") ||
			!strings.Contains(err.Error(), "of the value has no closing }") {
			t.Errorf("%s: line %d, key %q, want line 5, the value's key and no column: %v", value, e.Line, e.Key, err)
		}
	}
	// Without an escape, the column is found within the value.
	_, err := Parse("f.yaml", []byte(head+`"x ${BAD"`+"\n    - name: b\n      value: \"${OK}\"\n"), lookupMap(nil))
	var e *env.Error
	if !errors.As(err, &e) || e.Line != 5 || !strings.Contains(err.Error(), "at column 17") {
		t.Errorf("unescaped: %v", err)
	}
}

// TestHugeKeyIsCut: the error for an unknown key of 100 KB (an explicit
// key, which YAML does not bound) names the key cut, with the number of
// bytes left out; so does the warning for such a key ending in
// /development.
func TestHugeKeyIsCut(t *testing.T) {
	key := strings.Repeat("k", 100_000)
	_, err := Parse("f.yaml", []byte("file_format: \"1.0\"\ntracer_provider:\n  ? "+key+"\n  : 1\n"), lookupMap(nil))
	if err == nil {
		t.Fatal("Parse accepted an unknown key")
	}
	if msg := err.Error(); len(msg) > 2048 || !strings.Contains(msg, "tracer_provider.kkk") || !strings.Contains(msg, "bytes left out)") {
		t.Errorf("error of %d bytes: %.400s", len(msg), msg)
	}
	f, err := Parse("f.yaml", []byte("file_format: \"1.0\"\ntracer_provider:\n  ? "+key+"/development\n  : 1\n"), lookupMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) == 0 || len(f.Warnings[0]) > 1024 || !strings.Contains(f.Warnings[0], "bytes left out)") {
		t.Errorf("warnings %.400q", f.Warnings)
	}
}
