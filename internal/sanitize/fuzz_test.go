package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

// FuzzString: String's result is valid UTF-8, the input itself when that
// is valid (validText agrees with utf8.ValidString), and otherwise the
// input with each invalid byte, and only those, made U+FFFD. Value does
// the same in nested slices and maps.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "ascii only!", "é日本😀", "\xff", "a\xe2\x80b", "\xed\xa0\x80", "12345678\x80", "\uFFFD\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if validText(s) != utf8.ValidString(s) {
			t.Fatalf("validText(%q) = %v", s, validText(s))
		}
		got, changed := String(s)
		if changed == utf8.ValidString(s) || !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q, %v", s, got, changed)
		}
		var want strings.Builder
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				want.WriteString(replacement)
			} else {
				want.WriteString(s[i : i+size])
			}
			i += size
		}
		if got != want.String() {
			t.Fatalf("String(%q) = %q, want %q", s, got, want.String())
		}
		v := attribute.MapValue(attribute.Slice("k"+s, attribute.StringSliceValue([]string{s, "ok"}), attribute.StringValue(s)))
		cv, vchanged := Value(v)
		if vchanged != changed || checkValue(cv) != nil {
			t.Fatalf("Value(%q) changed %v: %v", s, vchanged, checkValue(cv))
		}
	})
}
