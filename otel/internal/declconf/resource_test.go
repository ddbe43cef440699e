package declconf

import (
	"errors"
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/env"
)

// TestAttributeValueOfNoType: a value without a type that is none of the
// schema's types is an error that says so. It said "is not of type
// map[string]interface {}" for a mapping, and named one "_array" per
// level of nested arrays (60 KB of error for a 20 KB file).
func TestAttributeValueOfNoType(t *testing.T) {
	for _, value := range []string{"{a: b}", "[[1]]", "[{a: 1}]", strings.Repeat("[", 5000) + strings.Repeat("]", 5000)} {
		file := "file_format: \"1.0\"\nresource:\n  attributes:\n    - name: a\n      value: " + value + "\n"
		_, err := Parse("f.yaml", []byte(file), nil)
		var e *env.Error
		if !errors.As(err, &e) || e.Key != "resource.attributes[0]" || e.Line != 4 ||
			!strings.Contains(err.Error(), "the value is none of the types an attribute may have") || len(err.Error()) > 300 {
			t.Errorf("%.20s: error %.400v", value, err)
		}
	}
}

// TestServiceNameMustBeAName: a service.name in the file that is not a
// non-blank string (an int, a bool, "", spaces; in attributes or in
// attributes_list) is an error naming its place, never its value, as
// otel.WithResourceAttributes refuses one. It was taken, and Init named the
// service unknown_service with a warning to set a service.name.
func TestServiceNameMustBeAName(t *testing.T) {
	const head = "file_format: \"1.0\"\nresource:\n"
	for _, c := range []struct{ resource, key string }{
		{"  attributes:\n    - name: service.name\n      value: 5\n", "resource.attributes[0]"},
		{"  attributes:\n    - name: service.name\n      value: true\n", "resource.attributes[0]"},
		{"  attributes:\n    - name: service.name\n      value: [a]\n      type: string_array\n", "resource.attributes[0]"},
		{"  attributes:\n    - name: service.name\n      value: \"\"\n", "resource.attributes[0]"},
		{"  attributes:\n    - name: service.name\n      value: \" \\t\"\n", "resource.attributes[0]"},
		{"  attributes:\n    - name: service.name\n      value: \"${UNSET_NAME}\"\n", "resource.attributes[0]"},
		{"  attributes_list: \"team=a,service.name=%20\"\n", "resource.attributes_list"},
		{"  attributes_list: \"service.name=\"\n", "resource.attributes_list"},
	} {
		_, err := Parse("f.yaml", []byte(head+c.resource), lookupMap(nil))
		var e *env.Error
		if !errors.As(err, &e) || e.Key != c.key || !strings.Contains(err.Error(), "service.name") {
			t.Errorf("%q: error %v, want one at %s naming service.name", c.resource, err, c.key)
		}
	}
	f, err := Parse("f.yaml", []byte(head+"  attributes_list: \"service.name=listed\"\n  attributes:\n    - name: service.name\n      value: named\n"), nil)
	if err != nil || len(f.Attributes) != 2 || f.Attributes[1].Value.AsString() != "named" {
		t.Fatalf("a string service.name: %v, %v", f, err)
	}
}
