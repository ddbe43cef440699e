package env

import "strings"

// A value pasted into the wrong variable or option (an API key set in
// OTEL_EXPORTER_OTLP_COMPRESSION instead of _HEADERS) is invalid there,
// and the error would quote it. So an error does not show a value that
// looks like a credential: a token of key material, long and mixing
// letters and digits. Values that name something (gzip,
// parentbased_traceidratio, http/protobuf), numbers, durations and paths
// are shown as they are; URLs are masked where they are read.

// looksLikeCredential reports whether v holds a whitespace-separated part
// that looks like key material (keyLike).
func looksLikeCredential(v string) bool {
	if strings.Contains(v, "://") {
		return false
	}
	for f := range strings.FieldsSeq(v) {
		if keyLike(f) {
			return true
		}
	}
	return false
}

// keyLike reports whether f mixes letters and digits and is either 16
// bytes or more of token characters (letters, digits, "-._~+=": API
// keys, hex and base64url secrets, UUIDs) or 20 bytes or more of base64
// ("+/=" too) not starting with "/" (a path does).
func keyLike(f string) bool {
	var letter, digit, slash, other bool
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
			digit = true
		case c == '/':
			slash = true
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '=':
		default:
			other = true
		}
	}
	if !letter || !digit || other {
		return false
	}
	if slash {
		return len(f) >= 20 && f[0] != '/' && strings.Trim(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == ""
	}
	return len(f) >= 16
}
