package visible

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, émoji 日本", "plain text, émoji 日本"},
		{"", ""},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"esc\x1b[31m nul\x00 del\x7f", `esc\x1b[31m nul\x00 del\x7f`},
		{`back\slash \n`, `back\\slash \\n`},
		{"c1 \u0085 \u009b", `c1 \u0085 \u009b`},
		{"sep\u2028para\u2029", `sep\u2028para\u2029`},
		// The bidi controls of Trojan Source: embeddings and overrides,
		// isolates, and the marks.
		{"\u202a\u202b\u202c\u202d\u202e", `\u202a\u202b\u202c\u202d\u202e`},
		{"\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"lrm\u200erlm\u200f zwsp\u200b zwj\u200d bom\ufeff shy\u00ad", `lrm\u200erlm\u200f zwsp\u200b zwj\u200d bom\ufeff shy\u00ad`},
		{"tag\U000e0041", `tag\U000e0041`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"cut \xe2\x80", `cut \xe2\x80`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if Clean(tc.in) != (tc.in == tc.want) {
			t.Errorf("Clean(%q) = %v", tc.in, Clean(tc.in))
		}
	}
}

// TestEveryFormatCharacter: every rune of category Cf, every control and
// the separators come out as ASCII escapes, and nothing else is touched.
func TestEveryFormatCharacter(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		got := Escape(s)
		dangerous := unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\\'
		if dangerous != NeedsEscape(r) {
			t.Fatalf("NeedsEscape(%U) = %v", r, NeedsEscape(r))
		}
		if !dangerous && got != s {
			t.Fatalf("Escape(%U) = %q, want it unchanged", r, got)
		}
		if dangerous {
			for _, c := range got {
				if c < 0x20 || c > 0x7e {
					t.Fatalf("Escape(%U) = %q holds %U", r, got, c)
				}
			}
			if !strings.HasPrefix(got, `\`) {
				t.Fatalf("Escape(%U) = %q", r, got)
			}
		}
	}
}

func BenchmarkEscape(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"ascii", "/orders/42?limit=10 GET order_loaded"},
		{"utf8", "/commandes/é日本/42 livré"},
		{"hostile", "/x\u202e\ngpj.exe\x1b[31m"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for i := 0; i < b.N; i++ {
				buf = AppendEscaped(buf[:0], bc.s)
			}
		})
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{strings.Repeat("x", 20), 8, "xxxxxxxx"},
		{"ééé", 5, "éé"}, // not in the middle of a character
		{"😀😀", 7, "😀"},
		{"a😀", 4, "a"},
		// Bytes that start no character (invalid UTF-8) are cut at max:
		// the cut steps back over at most one character's continuation
		// bytes, never to nothing.
		{strings.Repeat("\x80", 20), 8, strings.Repeat("\x80", 8)},
		{"", 0, ""},
	} {
		if got := Cut(tc.s, tc.max); got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}
