package scrub

import "strings"

// MayQuote reports whether msg may quote one of values in a form that
// New's Scrubber replaces: false means that none of them is in msg, and
// New (which allocates every form of every value) need not be called. It
// allocates nothing. A value is looked for as it is when escaping leaves
// it unchanged (letters, digits, "-._~"), else by one of its
// whitespace-separated parts of minAnywhere bytes or more that escaping
// leaves unchanged (the token after "Bearer "): every form of the value
// holds that part as it is. A value with neither counts as quoted.
func MayQuote(values []string, msg string) bool {
	for _, v := range values {
		if v != "" && mayHold(msg, v) {
			return true
		}
		for f := range strings.FieldsSeq(v) {
			if len(f) >= minAnywhere && f != v && mayHold(msg, f) {
				return true
			}
		}
	}
	return false
}

// mayHold reports whether msg may hold a form of v (see MayQuote).
func mayHold(msg, v string) bool {
	if unescaped(v) {
		return strings.Contains(msg, v)
	}
	for f := range strings.FieldsSeq(v) {
		if len(f) >= minAnywhere && unescaped(f) {
			return strings.Contains(msg, f)
		}
	}
	return true
}

// unescaped reports whether URL, Go and JSON quoting all leave s as it is.
func unescaped(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isWordByte(c) && c != '-' && c != '.' && c != '_' && c != '~' {
			return false
		}
	}
	return true
}
