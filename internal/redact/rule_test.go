package redact

import (
	"strings"
	"testing"
)

// TestMatchPrefilter: the byte compare before matchHead (pattern.match)
// skips no head matchHead accepts. Every suffix pattern of the default
// rules and of words with one-byte and digit parts is tried on names
// built from its words with every separator (or none) between the parts,
// in lower, upper and camel case, after prefixes that end a word or not,
// and with the byte before the last part changed; match must agree with
// the loop over every head without the compare.
func TestMatchPrefilter(t *testing.T) {
	rules := []*Rule{Keys(), New(nil, []string{"a_b", "x.y-z", "v2_key", "9_key", "key", "aB"})}
	seps := []string{"", "_", "-", "."}
	prefixes := []string{"", "x_", "x", "X", "9", "a.", "_", "-"}
	cases := []func(string) string{strings.ToLower, strings.ToUpper, camel}
	tried, matched := 0, 0
	for _, r := range rules {
		for c := range r.byLast {
			for i := range r.byLast[c] {
				p := &r.byLast[c][i]
				if p.whole != "" || p.skip {
					continue
				}
				for _, h := range p.heads {
					for _, sep := range seps {
						words := strings.Join(append(append([]string{}, h...), p.last), sep)
						for _, pre := range prefixes {
							for _, cs := range cases {
								name := pre + cs(words)
								for _, n := range []string{name, changedBeforeLast(name, len(p.last))} {
									tried++
									want := unfilteredMatch(p, n)
									if want {
										matched++
									}
									if got := p.match(n); got != want {
										t.Errorf("pattern %v %q: match(%q) = %v, matchHead over every head %v", h, p.last, n, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if matched == 0 || matched == tried {
		t.Fatalf("%d of %d names matched: the names do not exercise both outcomes", matched, tried)
	}
}

// unfilteredMatch is pattern.match without the byte compare: matchHead
// over every head (a runOn pattern's word alone matches after anything).
func unfilteredMatch(p *pattern, name string) bool {
	start := len(name) - len(p.last)
	if start < 0 || !foldEqual(name[start:], p.last) {
		return false
	}
	for _, h := range p.heads {
		if len(h) == 0 && p.runOn || matchHead(name, start, h) {
			return true
		}
	}
	return false
}

// camel writes words separated by "_", "-" or "." as camel case
// ("api_key" as "apiKey").
func camel(s string) string {
	var b strings.Builder
	up := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isSeparator(c):
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(c)))
			up = false
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// changedBeforeLast returns name with the byte before its last part of
// length n (past one separator) replaced, or name when there is none.
func changedBeforeLast(name string, n int) string {
	i := len(name) - n - 1
	if i >= 0 && isSeparator(name[i]) {
		i--
	}
	if i < 0 {
		return name
	}
	b := []byte(name)
	b[i] ^= 0x01
	return string(b)
}
