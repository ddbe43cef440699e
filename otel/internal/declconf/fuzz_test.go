package declconf

import (
	"errors"
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/env"
)

// fuzzSecret is the value of the variable SECRET, which a fuzzed file may
// substitute anywhere: no error or warning may show it.
const fuzzSecret = "FUZZSECRET0123456789"

// FuzzParse gives Parse arbitrary bytes as the file, with the variables
// V (fuzzed) and SECRET. It must not panic; every error is an *env.Error
// naming the file; no error or warning shows SECRET's value.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ file, v string }{
		{"file_format: \"1.0\"\n", ""},
		{"file_format: \"1.0\"\ntracer_provider:\n  processors:\n    - batch:\n        exporter:\n          otlp_http:\n            endpoint: ${V}\n            headers: [{name: k, value: \"${SECRET}\"}]\n", "http://c:4318"},
		{"file_format: \"1.0\"\nresource:\n  attributes:\n    - name: a\n      value: ${V:-1}\n  attributes_list: a=${SECRET}\n", "{a: b}"},
		{"file_format: \"1.0\"\nmeter_provider:\n  readers:\n    - periodic: {interval: ${V}, exporter: {console: }}\n", "${SECRET}"},
		{"file_format: \"1.0\"\ntracer_provider:\n  sampler: &s\n    parent_based: {root: *s}\n", ""},
		{"file_format: \"1.0\"\nx: &a [1, 2]\ny: &b [*a, *a]\nresource: {attributes: [{name: n, value: *b}]}\n", ""},
		{"file_format: \"1.0\"\nresource:\n  schema_url: \"${SECRET\n", ""},
		{"file_format: \"1.0\"\ndistribution:\n  otelkit:\n    log: {level: ${V}}\n", "debug"},
		{"file_format: \"1.0\"\nfile_format: 2\n? [a]\n: b\n", ""},
		{"file_format: \"1.0\"\nresource: &r\n  schema_url: ${V}\npropagator:\n  composite_list: tracecontext\nattribute_limits:\n  <<: [*r, {attribute_count_limit: 5}]\n  attribute_count_limit: 3\n", "http://s"},
		{"\xff\xfe", ""},
	} {
		f.Add([]byte(seed.file), seed.v)
	}
	f.Fuzz(func(t *testing.T, data []byte, v string) {
		lookup := lookupMap(map[string]string{"V": v, "SECRET": fuzzSecret})
		file, err := Parse("f.yaml", data, lookup)
		if err == nil {
			for _, w := range file.Warnings {
				if strings.Contains(w, fuzzSecret) {
					t.Fatalf("warning shows the secret: %s", w)
				}
			}
			return
		}
		if strings.Contains(err.Error(), fuzzSecret) {
			t.Fatalf("error shows the secret: %v", err)
		}
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		for _, e := range errs {
			var ee *env.Error
			if !errors.As(e, &ee) || ee.File != "f.yaml" {
				t.Fatalf("error %v is not an *env.Error naming the file", e)
			}
		}
	})
}
