package redact

import (
	"runtime"
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

// TestMatchHostileNameStack: a name made of endings Match looks past (a
// number after a separator, an encoding or confirmation word, brackets),
// a megabyte of them as a client may write into a query a proxy forwards
// or a map a program logs, costs a bounded stack: each ending looked past
// was a call deeper, 64 MB of stack for a 1 MB name. A credential's name
// before the endings still matches within the bound, and not beyond it.
func TestMatchHostileNameStack(t *testing.T) {
	const size = 1 << 20
	names := map[string]bool{
		strings.Repeat("1_", size/2) + "1":             false,
		"x" + strings.Repeat("_pem", size/4):           false,
		"x" + strings.Repeat("Confirm", size/7):        false,
		"x" + strings.Repeat("_1_json", size/7):        false,
		"password" + strings.Repeat("[0]", size/3):     true, // one ending: lastName loops
		"a[password" + strings.Repeat("]", size/2):     true, // one ending
		"password" + strings.Repeat("_", size/2) + "1": false,
	}
	grown := make(chan uint64, 1)
	go func() { // a new goroutine's stack: what Match grew it to stays until a GC
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for n, want := range names {
			if Keys().Match(n) != want {
				t.Errorf("Match(%.20q… of %d bytes) = %v", n, len(n), !want)
			}
		}
		runtime.ReadMemStats(&after)
		grown <- after.StackInuse - min(before.StackInuse, after.StackInuse)
	}()
	if g := <-grown; g > 1<<20 {
		t.Errorf("matching 1 MB names grew the stack by %d bytes, want a bounded depth", g)
	}
	within := "password" + strings.Repeat("_2_pem", maxLookPast/2)
	if !Keys().Match(within) || Keys().Match(within+"_1") {
		t.Errorf("Match(%q) = false, or true with one ending more than maxLookPast", within)
	}
}
