package scrub

import "strings"

// MayQuote reports whether msg may quote one of values in a form that
// New's Scrubber replaces: false means that none of them is in msg, and
// New (which allocates every form of every value) need not be called. It
// allocates nothing. Escaping (URL, Go and JSON quoting) leaves letters,
// digits and "-._~" as they are, so every form of a value holds its
// longest run of these bytes as it is: a value is looked for by that run
// (all of it, for a value that escaping leaves unchanged), and each of its
// whitespace-separated parts of minAnywhere bytes or more (the token after
// "Bearer ", which New replaces on its own) by its own. A value with no
// such byte counts as quoted.
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

// NewFor returns New(values) when msg may quote one of them (MayQuote),
// and otherwise nil, the Scrubber that removes URL user info only: what
// a caller that scrubs one text (a failed request's error) builds, so
// that a text quoting no value costs no Scrubber.
func NewFor(values []string, msg string) *Scrubber {
	if !MayQuote(values, msg) {
		return nil
	}
	return New(values)
}

// mayHold reports whether msg may hold a form of v (see MayQuote).
func mayHold(msg, v string) bool {
	if run := longestUnescaped(v); run != "" {
		return strings.Contains(msg, run)
	}
	return true
}

// longestUnescaped returns the first of the longest runs of s that URL,
// Go and JSON quoting all leave as they are; "" when s has none.
func longestUnescaped(s string) string {
	best, start := "", 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && unescapedByte(s[i]) {
			continue
		}
		if i-start > len(best) {
			best = s[start:i]
		}
		start = i + 1
	}
	return best
}

// unescapedByte reports whether URL, Go and JSON quoting all leave c as it
// is.
func unescapedByte(c byte) bool {
	return isWordByte(c) || c == '-' || c == '.' || c == '_' || c == '~'
}
