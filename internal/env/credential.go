package env

import (
	"cmp"
	"slices"
	"strings"
)

// A value pasted into the wrong variable or option (an API key set in
// OTEL_EXPORTER_OTLP_COMPRESSION instead of _HEADERS) is invalid there,
// and the error would quote it, in its own text and in its cause's (a
// file name in "stat …: no such file"). So an error does not show a value
// that holds key material (keyLike), nor the cause's quote of it. Values
// that name something (gzip, parentbased_traceidratio0.5,
// collector-2024.internal), numbers, durations and paths are shown; URLs
// are masked where they are read.

// looksLikeCredential reports whether a part of v looks like key
// material. Parts are separated by whitespace, quotes and the separators
// of header lists and URLs (",;%:@" and "://"), so that a header list
// ("x-api-key=k9X2…,x-tenant=a") or a URL-encoded value is looked into.
func looksLikeCredential(v string) bool {
	for _, f := range strings.FieldsFunc(v, isCredentialSeparator) {
		if keyLike(f) {
			return true
		}
	}
	return false
}

func isCredentialSeparator(r rune) bool {
	switch r {
	case ',', ';', '%', ':', '@', '"', '\'', '`', '<', '>', '(', ')', '[', ']', '{', '}':
		return true
	}
	return r <= ' ' || r == 0x7f
}

// keyLike reports whether f is key material: 16 bytes or more of token
// characters (letters, digits, "-._~+=", and "/" inside base64 not
// starting with it, which a path does) that mix letters and digits the
// way generated keys do, switching between them four times or more
// (k9X2…, hex, UUIDs), or mixing upper- and lower-case letters with
// digits (base64). Names with a number in them (checkout-service-v2-2024,
// v1.2.3-beta.20240101) switch fewer times and are in one case.
func keyLike(f string) bool {
	if len(f) < 16 || f[0] == '/' {
		return false
	}
	var upper, lower, digit bool
	switches, last := 0, byte(0) // last: 'a' after a letter, '0' after a digit
	for i := 0; i < len(f); i++ {
		class := byte(0)
		switch c := f[i]; {
		case c >= 'a' && c <= 'z':
			lower, class = true, 'a'
		case c >= 'A' && c <= 'Z':
			upper, class = true, 'a'
		case c >= '0' && c <= '9':
			digit, class = true, '0'
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '=' || c == '/':
		default:
			return false
		}
		if class != 0 {
			if last != 0 && class != last {
				switches++
			}
			last = class
		}
	}
	return digit && (upper || lower) && (switches >= 4 || upper && lower)
}

// withheldCause returns the cause's text with every quote of the
// withheld value v, and of its key-like parts, replaced. One Replacer
// does it in one pass over the cause, v before its parts and the parts
// longest first (a Replacer tries its pairs in order at each position,
// so a part inside a longer one cannot leave the longer one's tail). One
// ReplaceAll per part cost parts × the cause's length, quadratic for a
// huge value quoted escaped.
func withheldCause(cause, v string) string {
	if v == "" {
		return cause
	}
	parts := []string{v}
	for _, f := range strings.FieldsFunc(v, isCredentialSeparator) {
		if keyLike(f) {
			parts = append(parts, f)
		}
	}
	// Longest first, so that a part is not replaced inside a longer one
	// whose tail would show.
	slices.SortFunc(parts[1:], func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(parts))
	for i, p := range parts {
		if i == 0 || p != parts[i-1] {
			pairs = append(pairs, p, "(value not shown)")
		}
	}
	return strings.NewReplacer(pairs...).Replace(cause)
}
