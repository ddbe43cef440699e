package logging

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The console line (core.writeConsole) is zap's console encoder's, with the
// trace fields and the request ID first among the fields, and every
// character that could forge a line or drive a terminal written as an
// escape (escapeConsole).

// escapeConsole returns s with every character that could forge a line or
// drive a terminal written as an escape: C0 controls (newline, carriage
// return, tab, ESC, ...), DEL, C1 controls (U+0080-U+009F, which include
// CSI) and the Unicode line and paragraph separators. Backslashes are
// doubled so an escape in the input cannot pass for one of ours. Invalid
// UTF-8 bytes are written as \xNN.
func escapeConsole(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		case r >= 0x80 && r <= 0x9f, r == '\u2028', r == '\u2029':
			b.WriteString(`\u`)
			b.WriteString(strconv.FormatInt(int64(r)|0x10000, 16)[1:])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
