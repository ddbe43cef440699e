package logging

import (
	"bytes"
	"time"
	"unicode/utf8"

	"go.uber.org/zap/buffer"
)

// The JSON line: the core (core.writeJSON) writes the entry's members
// (time, level, message, caller) and the pre-encoded trace members and
// request ID itself, under the profile's keys, into a pooled buffer, and
// leaves the bound and call fields to zap's JSON encoder. This file holds
// what it writes them with: JSON text in which every character that could
// forge a line or drive a terminal is escaped, including what zap's
// encoder leaves raw (appendSafe).

var bufPool = buffer.NewPool()

// appendKey writes ,"key": (the comma unless first).
func appendKey(b *buffer.Buffer, key string, first bool) {
	if !first {
		b.AppendByte(',')
	}
	b.AppendByte('"')
	b.AppendString(key) // profile keys are constants that need no escaping
	b.AppendString(`":`)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string, escaping quotes, backslashes,
// every control character (including DEL) and invalid UTF-8.
func appendJSONString(b *buffer.Buffer, s string) {
	b.AppendByte('"')
	appendEscaped(b, s)
	b.AppendByte('"')
}

// appendEscaped writes the JSON-escaped content of s without quotes.
func appendEscaped(b *buffer.Buffer, s string) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b.AppendString(s[start:i])
			switch c {
			case '"':
				b.AppendString(`\"`)
			case '\\':
				b.AppendString(`\\`)
			case '\n':
				b.AppendString(`\n`)
			case '\r':
				b.AppendString(`\r`)
			case '\t':
				b.AppendString(`\t`)
			default:
				b.AppendString(`\u00`)
				b.AppendByte(hexDigits[c>>4])
				b.AppendByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.AppendString(s[start:i])
			b.AppendString(`\ufffd`)
			i++
			start = i
			continue
		}
		if r <= 0x9f || r == '\u2028' || r == '\u2029' { // C1 controls and line separators
			b.AppendString(s[start:i])
			appendUEscape(b, r)
			i += size
			start = i
			continue
		}
		i += size
	}
	b.AppendString(s[start:])
}

// appendUEscape writes r (< U+10000) as a JSON \uXXXX escape.
func appendUEscape(b *buffer.Buffer, r rune) {
	b.AppendString(`\u`)
	b.AppendByte(hexDigits[r>>12&0xf])
	b.AppendByte(hexDigits[r>>8&0xf])
	b.AppendByte(hexDigits[r>>4&0xf])
	b.AppendByte(hexDigits[r&0xf])
}

// appendSafe appends p, JSON text that zap encoded, to b, escaping what zap
// leaves raw inside strings and a terminal may act on: DEL, the C1 controls
// (U+0080-U+009F, among them CSI) and U+2028/U+2029. These can only occur
// inside JSON strings, where the escape is equivalent. Fast when absent.
func appendSafe(b *buffer.Buffer, p []byte) {
	if bytes.IndexByte(p, 0x7f) < 0 && bytes.IndexByte(p, 0xc2) < 0 && bytes.IndexByte(p, 0xe2) < 0 {
		_, _ = b.Write(p)
		return
	}
	start := 0
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				_, _ = b.Write(p[start:i])
				appendUEscape(b, rune(c))
				start = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' {
			_, _ = b.Write(p[start:i])
			appendUEscape(b, r)
			start = i + size
		}
		i += size
	}
	_, _ = b.Write(p[start:])
}

// appendTime writes t in UTC as RFC 3339 with nanoseconds, always nine
// digits: 2006-01-02T15:04:05.000000000Z.
func appendTime(b *buffer.Buffer, t time.Time) {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b.AppendString(t.Format(time.RFC3339Nano))
		return
	}
	hour, min, sec := t.Clock()
	ns := t.Nanosecond()
	a := [30]byte{
		byte('0' + year/1000), byte('0' + year/100%10), byte('0' + year/10%10), byte('0' + year%10), '-',
		byte('0' + int(month)/10), byte('0' + int(month)%10), '-',
		byte('0' + day/10), byte('0' + day%10), 'T',
		byte('0' + hour/10), byte('0' + hour%10), ':',
		byte('0' + min/10), byte('0' + min%10), ':',
		byte('0' + sec/10), byte('0' + sec%10), '.',
	}
	for i := 28; i >= 20; i-- {
		a[i] = byte('0' + ns%10)
		ns /= 10
	}
	a[29] = 'Z'
	_, _ = b.Write(a[:])
}

// trimmedPath returns the last directory and file of file, as zap's short
// caller does ("pkg/file.go"), without allocating.
func trimmedPath(file string) string {
	idx := -1
	for i := len(file) - 1; i >= 0; i-- {
		if file[i] == '/' {
			if idx >= 0 {
				return file[i+1:]
			}
			idx = i
		}
	}
	return file
}

// appendJSONContent appends s escaped for a JSON string (without quotes):
// plain ASCII is copied as is, anything else goes through appendEscaped.
func appendJSONContent(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			b := bufPool.Get()
			appendEscaped(b, s)
			dst = append(dst, b.Bytes()...)
			b.Free()
			return dst
		}
	}
	return append(dst, s...)
}
