package w3c

import "strings"

// What the three fields (traceparent, tracestate, baggage) share: each is
// a comma-separated list that may come in several lines, bounded in lines
// and bytes before it is parsed.

// checkLines is the first step of every Normalize function: false with 0
// when there are no lines (nothing to propagate), false with DropOversize
// when there are more lines or bytes than the field may have, so that an
// oversized field is dropped unparsed.
func checkLines(values []string, maxBytes int) (Drop, bool) {
	switch {
	case len(values) == 0:
		return 0, false
	case len(values) > maxFieldLines || combinedLen(values, maxBytes) > maxBytes:
		return DropOversize, false
	}
	return 0, true
}

// memberWalk goes through the members of a list's lines in order,
// skipping empty ones, without allocating. tidy stays true while every
// member is written in its tidy form (see cutMember).
type memberWalk struct {
	lines []string // lines not yet begun
	rest  string   // what is left of the current line
	more  bool     // rest holds at least one more member
	tidy  bool
}

func walkMembers(values []string) memberWalk { return memberWalk{lines: values, tidy: true} }

// next returns the next non-empty member, or false after the last.
func (w *memberWalk) next() (string, bool) {
	for {
		if !w.more {
			if len(w.lines) == 0 {
				return "", false
			}
			w.rest, w.more, w.lines = w.lines[0], true, w.lines[1:]
		}
		var m string
		var tidy bool
		m, w.rest, w.more, tidy = cutMember(w.rest)
		w.tidy = w.tidy && tidy
		if m != "" {
			return m, true
		}
	}
}

// cutMember cuts the first member off a comma-separated list: the member
// without optional whitespace, what follows the comma and whether there was
// one, and whether the member was written in its tidy form (not empty, no
// whitespace around it), which a list must keep to need no rewriting.
func cutMember(list string) (m, rest string, more, tidy bool) {
	var raw string
	raw, rest, more = strings.Cut(list, ",")
	m = trimOWS(raw)
	return m, rest, more, len(m) == len(raw) && m != ""
}

// combinedLen is the length of values joined by commas, counted only until
// it passes limit.
func combinedLen(values []string, limit int) int {
	n := len(values) - 1
	for _, v := range values {
		n += len(v)
		if n > limit {
			return n
		}
	}
	return n
}
