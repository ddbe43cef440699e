// Package visible writes text so that a reader sees every character it
// holds: characters that could forge a line, drive a terminal or change how
// the text around them reads are written as escapes. The console log
// format (package logging) and the trace viewer (otel/internal/traceview) use
// it, so a hostile string looks the same in both.
//
// Escaped are the C0 controls (\n, \r, \t by name, the rest as \xNN), DEL,
// the C1 controls U+0080-U+009F (among them CSI), the line and paragraph
// separators U+2028 and U+2029, and every invisible formatting character
// of Unicode category Cf: among them the bidi controls U+202A-U+202E and
// U+2066-U+2069 that reorder what a reader sees (Trojan Source,
// CVE-2021-42574), zero-width characters and the byte order mark. Those are
// written \uXXXX (or \UXXXXXXXX above U+FFFF). A backslash is doubled, so
// an escape in the input never passes for one of ours, and each byte of
// invalid UTF-8 is written \xNN.
package visible

import (
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// NeedsEscape reports whether r is written as an escape (a backslash
// included).
func NeedsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r == '\\':
		return true
	case r < 0x80:
		return false
	case r <= 0x9f, r == '\u2028', r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// Clean reports whether s is valid UTF-8 that holds nothing Escape would
// change.
func Clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return cleanFrom(s, i)
		}
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

func cleanFrom(s string, i int) bool {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || NeedsEscape(r) {
			return false
		}
		i += size
	}
	return true
}

// Escape returns s with every character NeedsEscape names written as an
// escape; s itself when there is none.
func Escape(s string) string {
	if Clean(s) {
		return s
	}
	return string(AppendEscaped(make([]byte, 0, len(s)+8), s))
}

// AppendEscaped appends s to dst with every character NeedsEscape names,
// and every byte of invalid UTF-8, written as an escape.
func AppendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != 0x7f && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendASCII(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case NeedsEscape(r):
			dst = append(dst, s[start:i]...)
			dst = AppendRuneEscape(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// appendASCII appends the escape of the ASCII character c (a control,
// DEL or a backslash).
func appendASCII(dst []byte, c byte) []byte {
	switch c {
	case '\\':
		return append(dst, '\\', '\\')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

// AppendRuneEscape appends r as \uXXXX, or \UXXXXXXXX above U+FFFF.
func AppendRuneEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		dst = append(dst, '\\', 'U')
		for shift := 28; shift >= 0; shift -= 4 {
			dst = append(dst, hexDigits[r>>uint(shift)&0xf])
		}
		return dst
	}
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// Cut returns s cut to at most max bytes, not inside a character: a cut
// that falls in one steps back to its start. Bytes that start no character
// within utf8.UTFMax of the cut (invalid UTF-8) are no character to keep
// whole: the cut stays at max, and the text is kept. It is the one cut of
// otelkit's bounded text (panic values, request text, the trace viewer's
// values, warnings, the health document's last error).
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && max-i < utf8.UTFMax-1 && !utf8.RuneStart(s[i]) {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		i = max
	}
	return s[:i]
}
