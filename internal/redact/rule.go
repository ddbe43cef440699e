package redact

import (
	"slices"
	"strings"
)

// Mark replaces a redacted value.
const Mark = "REDACTED"

// Rule decides whether a name carries a credential. It is not changed
// once built, so it may be shared. A nil *Rule matches nothing.
type Rule struct {
	byLast [256][]pattern // patterns by their last byte, lower-cased
	before [256]uint64    // by last byte: bit lowerSep(c)&63 set for each byte c a pattern has before it
	min    int            // length of the shortest pattern
}

// pattern is a whole name, or a last word with the words that may come
// before it: heads holds the other parts of each suffix word that ends in
// last ("api_key" and "secret_access_key" give last key and heads [api]
// and [secret access]; the word "key" alone would be an empty head). One
// comparison of last serves every word that ends in it.
// A pattern with skip set is an encoding (see encodings): the name
// matches if it does without it. One with runOn set also matches a name
// that ends in last with no word boundary before it (PGPASSWORD).
type pattern struct {
	whole string     // lower-cased, "-" and "." as "_"; "" for suffix words
	last  string     // lower-cased last part of suffix words, or the encoding
	heads [][]string // lower-cased parts before last, one list per word
	skip  bool       // last is an encoding, looked past
	runOn bool       // last alone matches after anything (a word of ends, see with)
}

// New returns a rule that matches the whole names given and the names that
// are or end in one of the suffix words. A word may have parts ("api_key",
// "apiKey"); between them the name may have "-", "_", "." or nothing
// (apikey, apiKey), and before the first a separator, a camel-case
// boundary or the start of the name. Blank entries are ignored.
func New(whole, suffix []string) *Rule {
	return (*Rule)(nil).With(whole, suffix)
}

// NewWithEnds is New with ends: one-part words that are suffix words and
// also match run into the word before them, with no boundary (password:
// PGPASSWORD, newpassword).
func NewWithEnds(whole, suffix, ends []string) *Rule {
	return (*Rule)(nil).with(whole, suffix, ends)
}

// With returns a copy of r that also matches whole and suffix (see New);
// for a nil r, a new rule.
func (r *Rule) With(whole, suffix []string) *Rule {
	return r.with(whole, suffix, nil)
}

// with is With with ends: one-part suffix words that also match run into
// the word before them, with no boundary (password: PGPASSWORD,
// newpassword). Keys has them; the options add only suffix words.
func (r *Rule) with(whole, suffix, ends []string) *Rule {
	n := &Rule{min: -1}
	if r != nil {
		*n = *r // the buckets are shared: add copies the one it changes
	} else {
		for _, w := range slices.Concat(encodings, restatements) {
			n.add(w, -1, func(b []pattern) []pattern { return append(b, pattern{last: w, skip: true}) })
		}
	}
	for _, w := range whole {
		if w = strings.TrimSpace(w); w != "" {
			w = normalize(w)
			n.add(w, len(w), func(b []pattern) []pattern { return append(b, pattern{whole: w}) })
		}
	}
	// ends first, so that a password key, the usual credential of a log
	// line, matches at the first pattern of its bucket.
	for _, w := range ends {
		n.addWord(w, true)
	}
	for _, w := range suffix {
		n.addWord(w, false)
	}
	return n
}

// addWord adds the suffix word w (see New) to the pattern of its last
// part; runOn, for a word of one part, lets it match after anything.
func (r *Rule) addWord(w string, runOn bool) {
	parts := splitWords(strings.TrimSpace(w))
	if len(parts) == 0 {
		return
	}
	last, head := parts[len(parts)-1], slices.Clip(parts[:len(parts)-1])
	runOn = runOn && len(head) == 0
	r.add(last, len(strings.Join(parts, "")), func(b []pattern) []pattern {
		for i := range b {
			if b[i].whole == "" && b[i].last == last {
				b[i].heads = append(slices.Clip(b[i].heads), head)
				b[i].runOn = b[i].runOn || runOn
				return b
			}
		}
		return append(b, pattern{last: last, heads: [][]string{head}, runOn: runOn})
	})
}

// add replaces the bucket of the patterns that end as end does by change
// of a copy of it, and records end's last two bytes and the length size
// of the shortest name the new pattern matches (-1 for an encoding, which
// matches no name by itself).
func (r *Rule) add(end string, size int, change func([]pattern) []pattern) {
	c := end[len(end)-1]
	r.byLast[c] = change(slices.Clone(r.byLast[c]))
	if len(end) > 1 {
		r.before[c] |= 1 << (end[len(end)-2] & 63)
	} else {
		r.before[c] = ^uint64(0) // a separator, a camel-case letter or anything
	}
	if size >= 0 && (r.min < 0 || size < r.min) {
		r.min = size
	}
}

// Match reports whether name carries a credential.
func (r *Rule) Match(name string) bool {
	return r != nil && r.match(name, maxLookPast)
}

// maxLookPast bounds how many endings (brackets, a number, an encoding or
// confirmation word) match looks past in one name, each a call deeper: a
// name built of them, as a client may write one into a query a proxy
// forwards or a map a program logs ("1_1_1…" or "x_pem_pem…" of a
// megabyte), grew the stack to 64 MB. No real key has more than a few
// (a[password_confirmation_2]).
const maxLookPast = 8

// match is Match for a non-nil r, looking past at most past more endings.
// A name ending in brackets is matched by what they hold (lastName); an
// encoding pattern matches when the name without it does.
func (r *Rule) match(name string, past int) bool {
	if len(name) < r.min || len(name) == 0 {
		return false
	}
	c := lowerSep(name[len(name)-1])
	if c == ']' {
		if inner := lastName(name); len(inner) < len(name) && past > 0 {
			return r.match(inner, past-1)
		}
		return false // "]" with no "[" (no pattern ends in it), or one ending too many
	}
	// A number after the name (password2) is looked past; a whole key
	// that ends in one (a program's pin1) still matches below.
	if '0' <= c && c <= '9' && past > 0 {
		if rest := withoutNumber(name); rest != "" && r.match(rest, past-1) {
			return true
		}
	}
	if len(name) > 1 && r.before[c]&(1<<(lowerSep(name[len(name)-2])&63)) == 0 {
		return false // no pattern ends in these two bytes: most names stop here
	}
	ps := r.byLast[c]
	for i := range ps {
		if p := &ps[i]; p.skip {
			if rest, ok := p.trim(name); ok && past > 0 && r.match(rest, past-1) {
				return true
			}
		} else if p.match(name) {
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
	start := len(name) - len(p.last)
	if start < 0 || !foldEqual(name[start:], p.last) {
		return false
	}
	// The byte before last (past one separator) must end a head's last
	// part: most heads of a busy last word (key) stop at this compare.
	before := byte(0)
	if end := start; end > 0 {
		if isSeparator(name[end-1]) {
			end--
		}
		if end > 0 {
			before = lowerSep(name[end-1])
		}
	}
	for _, h := range p.heads {
		if len(h) > 0 {
			if part := h[len(h)-1]; part[len(part)-1] != before {
				continue
			}
		} else if p.runOn {
			return true // the word alone, after anything
		}
		if matchHead(name, start, h) {
			return true
		}
	}
	return false
}

// trim returns name without the encoding p when it is name's last word,
// after a separator or as a camel-case word.
func (p *pattern) trim(name string) (string, bool) {
	start := len(name) - len(p.last)
	if start < 1 {
		return "", false
	}
	sep := isSeparator(name[start-1])
	if !sep && !camelBoundary(name, start) || !foldEqual(name[start:], p.last) {
		return "", false
	}
	if sep {
		start--
	}
	return name[:start], true
}

// matchHead reports whether name[:end] ends in the parts of head, with
// "-", "_", "." or nothing after each, and the first of them (or the word
// at end, for an empty head) starts a word of name: the start, after a
// separator or a camel-case boundary, so that notapikey is not api_key.
func matchHead(name string, end int, head []string) bool {
	for i := len(head) - 1; i >= 0; i-- {
		if end > 0 && isSeparator(name[end-1]) {
			end--
		}
		start := end - len(head[i])
		if start < 0 || !foldEqual(name[start:end], head[i]) {
			return false
		}
		end = start
	}
	return end == 0 || isSeparator(name[end-1]) || camelBoundary(name, end)
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
// "v2Key"), or after an initialism when lower-case letters follow it
// ("APIToken", "DBPwd": Go's names), so that "monkey" does not end in the
// word key, nor the all-capital "MAXTOKEN" in the word token.
func camelBoundary(name string, i int) bool {
	c, p := name[i], name[i-1]
	if c < 'A' || c > 'Z' {
		return false
	}
	return 'a' <= p && p <= 'z' || '0' <= p && p <= '9' ||
		'A' <= p && p <= 'Z' && i+1 < len(name) && 'a' <= name[i+1] && name[i+1] <= 'z'
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
// boundaries ("x-api-key" and "xApiKey" give x, api, key; "SSHPin" gives
// ssh, pin).
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
