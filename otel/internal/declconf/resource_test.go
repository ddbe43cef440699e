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
