package visible

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// unescape reverses AppendEscaped; ok is false on a backslash that starts
// no escape of ours.
func unescape(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i]]
			if i+n >= len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", false
			}
			if s[i] == 'x' {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			i += n
		default:
			return "", false
		}
	}
	return b.String(), true
}

// FuzzEscape: what Escape writes is valid UTF-8 in which nothing needs an
// escape but the backslashes that start ours, it reads back as the input,
// and Clean says whether it changed anything.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "a\nb\\n", "\x1b[31m\xff\xfe", "\u202e\u2066\U000e0041\ufeff", "é日本\u0085", `\x41`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Escape(%q) = %q: not UTF-8", s, out)
		}
		for _, r := range out {
			if r != '\\' && NeedsEscape(r) {
				t.Fatalf("Escape(%q) = %q: %U left as it is", s, out, r)
			}
		}
		if back, ok := unescape(out); !ok || back != s {
			t.Fatalf("Escape(%q) = %q, which reads back as %q (%v)", s, out, back, ok)
		}
		if Clean(s) != (out == s) {
			t.Fatalf("Clean(%q) = %v, Escape = %q", s, Clean(s), out)
		}
	})
}
