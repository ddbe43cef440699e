package scrub

import (
	"encoding/binary"
	"slices"
	"sort"
	"strings"
)

// index finds the secrets of a Scrubber in a text in one scan, whatever
// their number: replacing each secret in turn cost secrets × text, and a
// configuration file may hold 16,000 header values, each of whose errors
// is scrubbed. At each byte of the text it asks whether a secret starts
// there: a long one (minAnywhere bytes or more) by a set of their first
// minAnywhere bytes and, on a hit, a binary search in the sorted secrets;
// a short one by a set lookup per length it has. Most bytes start no
// secret: a table of the first two bytes of each rules them out first.
type index struct {
	starts    [1 << 16 / 64]uint64 // bit a<<8|b set: a secret starts with a, b (a short one of one byte: with a, any b)
	long      []string             // secrets of minAnywhere bytes or more, sorted
	parent    []int                // parent[i]: the longest of long that is a proper prefix of long[i]; -1 when none
	heads     map[uint64]struct{}  // the first minAnywhere bytes of each of long
	short     map[string]struct{}  // secrets shorter than minAnywhere
	shortLens uint                 // bit n set: short holds a secret of n bytes
	anywhere  bool                 // short secrets too are replaced wherever they occur (Exact)
}

func newIndex(secrets []string) *index {
	x := &index{heads: map[uint64]struct{}{}, short: map[string]struct{}{}}
	for _, v := range secrets {
		if v == "" {
			continue
		}
		if len(v) == 1 {
			for b := range 256 {
				x.mark(v[0], byte(b))
			}
		} else {
			x.mark(v[0], v[1])
		}
		if len(v) >= minAnywhere {
			x.long = append(x.long, v)
			x.heads[head(v)] = struct{}{}
		} else {
			x.short[v] = struct{}{}
			x.shortLens |= 1 << len(v)
		}
	}
	slices.Sort(x.long)
	x.long = slices.Compact(x.long)
	// In sorted order the secrets that are prefixes of a secret come
	// before it, and form a chain on the stack.
	x.parent = make([]int, len(x.long))
	var stack []int
	for i, v := range x.long {
		for len(stack) > 0 && !strings.HasPrefix(v, x.long[stack[len(stack)-1]]) {
			stack = stack[:len(stack)-1]
		}
		x.parent[i] = -1
		if len(stack) > 0 {
			x.parent[i] = stack[len(stack)-1]
		}
		stack = append(stack, i)
	}
	return x
}

// mark notes that a secret starts with a, b.
func (x *index) mark(a, b byte) {
	k := uint(a)<<8 | uint(b)
	x.starts[k/64] |= 1 << (k % 64)
}

// mayStart reports whether a secret may start at s[i].
func (x *index) mayStart(s string, i int) bool {
	k := uint(s[i]) << 8
	if i+1 < len(s) {
		k |= uint(s[i+1])
	}
	return x.starts[k/64]&(1<<(k%64)) != 0
}

// head is the first minAnywhere bytes of s, which holds at least so many.
func head(s string) uint64 { return binary.LittleEndian.Uint64([]byte(s[:minAnywhere])) }

// replace returns s with every secret replaced where it is to be: a long
// one anywhere, a short one where it stands alone. Occurrences that
// overlap become one mark, so that no part of either shows.
func (x *index) replace(s string) string {
	var b strings.Builder
	done, from, to := 0, -1, -1 // s[:done] is in b; [from, to) is the mark being built
	for i := 0; i < len(s); i++ {
		n := x.at(s, i)
		switch {
		case n == 0:
		case i < to: // overlaps the mark: it grows
			to = max(to, i+n)
		default:
			if from >= 0 {
				b.WriteString(s[done:from])
				b.WriteString(scrubMark)
				done = to
			}
			from, to = i, i+n
		}
	}
	if from < 0 {
		return s
	}
	b.WriteString(s[done:from])
	b.WriteString(scrubMark)
	b.WriteString(s[to:])
	return b.String()
}

// at returns the length of the longest secret that starts at s[i] and is
// to be replaced there, 0 when none is.
func (x *index) at(s string, i int) int {
	if !x.mayStart(s, i) {
		return 0
	}
	if i+minAnywhere <= len(s) {
		if _, ok := x.heads[head(s[i:])]; ok {
			if n := x.longAt(s[i:]); n > 0 {
				return n
			}
		}
	}
	if x.shortLens == 0 {
		return 0
	}
	for n := min(minAnywhere-1, len(s)-i); n > 0; n-- {
		if x.shortLens&(1<<n) == 0 {
			continue
		}
		if _, ok := x.short[s[i:i+n]]; ok && (x.anywhere || alone(s, i, i+n)) {
			return n
		}
	}
	return 0
}

// longAt returns the length of the longest of x.long that t starts with,
// 0 when none. Every secret that t starts with is a prefix of the
// greatest secret not above t (it sorts between them), so it is that one
// or on its chain of parents.
func (x *index) longAt(t string) int {
	j := sort.Search(len(x.long), func(k int) bool { return x.long[k] > t }) - 1
	for ; j >= 0; j = x.parent[j] {
		if strings.HasPrefix(t, x.long[j]) {
			return len(x.long[j])
		}
	}
	return 0
}

// alone reports whether s[i:end], a short secret, stands alone: not
// inside a longer run of letters and digits at an end that is one.
func alone(s string, i, end int) bool {
	return (i == 0 || !isWordByte(s[i-1]) || !isWordByte(s[i])) &&
		(end == len(s) || !isWordByte(s[end]) || !isWordByte(s[end-1]))
}
