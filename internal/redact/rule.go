package redact

import "strings"

// Mark replaces a redacted value.
const Mark = "REDACTED"

// Rule decides whether a name carries a credential. It is not changed
// once built, so it may be shared. A nil *Rule matches nothing.
type Rule struct {
	byLast [256][]pattern // patterns by their last byte, lower-cased
	before [256]uint64    // by last byte: bit lowerSep(c)&63 set for each byte c a pattern has before it
	min    int            // length of the shortest pattern
}

// pattern is a whole name, or a suffix word made of one or more parts
// ("api_key" is the parts api and key).
type pattern struct {
	whole string   // lower-cased, "-" and "." as "_"; "" for a suffix word
	parts []string // lower-cased parts of a suffix word
}

// New returns a rule that matches the whole names given and the names that
// are or end in one of the suffix words. A word may have parts ("api_key",
// "apiKey"); between them the name may have "-", "_", "." or a camel-case
// boundary. Blank entries are ignored.
func New(whole, suffix []string) *Rule {
	return (&Rule{min: -1}).With(whole, suffix)
}

// With returns a copy of r that also matches whole and suffix (see New).
func (r *Rule) With(whole, suffix []string) *Rule {
	n := &Rule{min: -1}
	if r != nil {
		*n = *r // the bucket slices are copied on append below (full capacity)
	}
	for _, w := range whole {
		if w = strings.TrimSpace(w); w != "" {
			n.add(pattern{whole: normalize(w)})
		}
	}
	for _, w := range suffix {
		if parts := splitWords(strings.TrimSpace(w)); len(parts) > 0 {
			n.add(pattern{parts: parts})
		}
	}
	return n
}

func (r *Rule) add(p pattern) {
	last, size := p.whole, len(p.whole)
	if p.whole == "" {
		last = p.parts[len(p.parts)-1]
		size = len(last)
		for _, q := range p.parts[:len(p.parts)-1] {
			size += len(q)
		}
	}
	end := last[len(last)-1]
	b := &r.byLast[end]
	*b = append((*b)[:len(*b):len(*b)], p)
	if len(last) > 1 {
		r.before[end] |= 1 << (last[len(last)-2] & 63)
	} else {
		r.before[end] = ^uint64(0) // a separator, a camel-case letter or anything
	}
	if r.min < 0 || size < r.min {
		r.min = size
	}
}

// Match reports whether name carries a credential.
func (r *Rule) Match(name string) bool {
	if r == nil || len(name) < r.min || len(name) == 0 {
		return false
	}
	c := lowerSep(name[len(name)-1])
	if len(name) > 1 && r.before[c]&(1<<(lowerSep(name[len(name)-2])&63)) == 0 {
		return false // no pattern ends in these two bytes: most names stop here
	}
	ps := r.byLast[c]
	for i := range ps {
		if ps[i].match(name) {
			return true
		}
	}
	return false
}

// lowerSep lower-cases c (ASCII) and writes "-" and "." as "_".
func lowerSep(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '-' || c == '.':
		return '_'
	}
	return c
}

func (p *pattern) match(name string) bool {
	if p.whole != "" {
		return len(name) == len(p.whole) && foldEqual(name, p.whole)
	}
	end := len(name)
	for i := len(p.parts) - 1; i >= 0; i-- {
		w := p.parts[i]
		start := end - len(w)
		if start < 0 || !foldEqual(name[start:end], w) {
			return false
		}
		switch {
		case start == 0:
			return i == 0
		case isSeparator(name[start-1]):
			end = start - 1
		case camelBoundary(name, start):
			end = start
		default:
			return false
		}
	}
	return true
}

// foldEqual reports whether s equals lower, an ASCII-lower-cased
// pattern in which "_" stands for any separator, byte by byte.
func foldEqual(s, lower string) bool {
	for i := range len(lower) {
		if lowerSep(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

func isSeparator(c byte) bool { return c == '-' || c == '_' || c == '.' }

// camelBoundary reports whether a camel-case word starts at name[i]: an
// upper-case letter after a lower-case letter or a digit ("accessToken",
// "v2Key"), so that "monkey" does not end in the word key.
func camelBoundary(name string, i int) bool {
	c, p := name[i], name[i-1]
	return 'A' <= c && c <= 'Z' && ('a' <= p && p <= 'z' || '0' <= p && p <= '9')
}

// normalize lower-cases s (ASCII) and writes "-" and "." as "_".
func normalize(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerSep(c)
	}
	return string(b)
}

// splitWords splits s into lower-cased parts at separators and camel-case
// boundaries ("x-api-key" and "xApiKey" give x, api, key).
func splitWords(s string) []string {
	var parts []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !isSeparator(s[i]) && (i == 0 || !camelBoundary(s, i)) {
			continue
		}
		if i > start {
			parts = append(parts, normalize(s[start:i]))
		}
		start = i
		if i < len(s) && isSeparator(s[i]) {
			start = i + 1
		}
	}
	return parts
}
