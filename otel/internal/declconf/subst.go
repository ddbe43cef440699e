package declconf

import (
	"fmt"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/otelkit/otelkit/internal/env"
)

// substituteTree replaces the ${...} references in every scalar value of
// n (mapping keys are left alone, as the specification says). A plain
// scalar whose text changed loses its tag, so that YAML types it again
// from the substituted text; a quoted one stays a string.
func (p *parser) substituteTree(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			p.substituteTree(c, path)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.substituteTree(c, fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p.substituteTree(n.Content[i+1], joinPath(path, n.Content[i].Value))
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		v, err := substitute(n.Value, p.lookup)
		if err != nil {
			line, where := n.Line, fmt.Sprintf("at byte %d of the value", err.at+1)
			if l, col, ok := p.refPosition(n, n.Value[:err.at]); ok {
				line, where = l, fmt.Sprintf("at column %d", col)
			}
			e := p.errorAt(n, path, err.describe(where), substAllowed).(*env.Error)
			e.Line = line
			p.errs = append(p.errs, e)
			return
		}
		if v != n.Value && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			n.Tag = ""
		}
		n.Value = v
	}
}

const substAllowed = "${NAME}, ${env:NAME} or ${NAME:-default} with NAME a variable name ([A-Za-z_][A-Za-z0-9_]*); $$ for a literal $"

// refError is a "${" that does not open a valid reference. Its message
// never holds the text around the reference, which may be a secret
// ("Bearer ${TOKEN" with the token pasted after it, a default value),
// nor a name that is not a variable's: the text after an unclosed "${"
// may be a token written where a name belongs.
type refError struct {
	at      int    // byte offset of the "${" in the value
	name    string // the reference's name, when it names a variable that is set ("" otherwise)
	problem string // what is wrong, quoting nothing of the value
}

// maxRefName is how much of a variable's name an error shows.
const maxRefName = 32

// describe returns the message, with where the reference is.
func (e *refError) describe(where string) string {
	ref := "${" + e.name
	if len(e.name) > maxRefName {
		ref = "${" + e.name[:maxRefName] + "…"
	}
	return fmt.Sprintf("the reference %s %s %s", ref, where, e.problem)
}

// substitute replaces each reference in s: ${NAME} and ${env:NAME} by the
// variable's value ("" when unset), ${NAME:-default} by the value or, when
// it is unset or empty, by default; "$$" becomes "$". A "${" that does not
// open a valid reference is a *refError.
func substitute(s string, lookup func(string) (string, bool)) (string, *refError) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case s[i] != '$':
			b.WriteByte(s[i])
			i++
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i += 2
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				e := &refError{at: i, problem: "has no closing }"}
				if name := namePrefix(s[i+2:]); name != "" {
					if _, set := lookup(strings.TrimPrefix(name, "env:")); set {
						e.name = name // a variable's name, not a token
					}
				}
				return "", e
			}
			ref := s[i+2 : i+end]
			name, def, hasDef := strings.Cut(ref, ":-")
			name = strings.TrimPrefix(name, "env:")
			if why := nameProblem(name); why != "" {
				return "", &refError{at: i, problem: "is not valid: " + why}
			}
			v, _ := lookup(name)
			if v == "" && hasDef {
				v = def
			}
			b.WriteString(v)
			i += end + 1
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String(), nil
}

// namePrefix returns the variable name that s (the text after an
// unclosed "${") starts with, with its "env:" prefix; "" when s starts
// with no valid name.
func namePrefix(s string) string {
	prefix := ""
	if strings.HasPrefix(s, "env:") {
		prefix, s = "env:", s[len("env:"):]
	}
	n := 0
	for n < len(s) && isNameByte(s[n]) {
		n++
	}
	if !validVarName(s[:n]) {
		return ""
	}
	return prefix + s[:n]
}

// nameProblem says why name is not a variable name, without quoting it
// (it may be a secret written where a name belongs): the position and,
// when it is printable punctuation or a space (never part of a name, so
// never part of a secret), the offending character; "" when it is one.
func nameProblem(name string) string {
	switch {
	case name == "":
		return "its name is empty"
	case name[0] >= '0' && name[0] <= '9':
		return "its name starts with a digit"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isNameByte(c):
			continue
		case c == ':':
			return fmt.Sprintf("its name has \":\" at byte %d (a default is written ${NAME:-default})", i+1)
		case c >= ' ' && c < 0x7f:
			return fmt.Sprintf("its name has %q at byte %d, which a variable name may not contain", string(c), i+1)
		default:
			return fmt.Sprintf("its name has byte 0x%02x at byte %d, which a variable name may not contain", c, i+1)
		}
	}
	return ""
}

// refPosition finds, in the file's text, the line and column (from 1, in
// characters) of the reference that follows before, the text of n's
// value that precedes it: the next "${" in the value's source after the
// ones before holds. ok is false when the file's text does not show it:
// a double-quoted value with a backslash escape may write a "$" or "{" as
// one ("\x24{"), so that its source has fewer references than its value,
// and the search would find the next one in the file, in another entry.
// A double-quoted value without one is searched up to its closing quote;
// in a value of any other style (plain, single-quoted, block) every "${"
// of the value is one of its source, so the search ends in it.
func (p *parser) refPosition(n *yaml.Node, before string) (line, col int, ok bool) {
	k := 0 // references before it
	for i := 0; i < len(before); {
		switch {
		case strings.HasPrefix(before[i:], "$$"):
			i += 2
		case strings.HasPrefix(before[i:], "${"):
			k++
			i += 2
		default:
			i++
		}
	}
	start, ok := offsetOf(p.data, n.Line, n.Column)
	if !ok {
		return 0, 0, false
	}
	text := p.data[start:]
	if n.Style&yaml.DoubleQuotedStyle != 0 {
		end, escaped := doubleQuotedEnd(text)
		if end < 0 || escaped {
			return 0, 0, false
		}
		text = text[:end]
	}
	for i := 0; i < len(text); {
		switch {
		case strings.HasPrefix(text[i:], "$$"):
			i += 2
		case strings.HasPrefix(text[i:], "${"):
			if k == 0 {
				return positionOf(p.data, start+i)
			}
			k--
			i += 2
		default:
			i++
		}
	}
	return 0, 0, false
}

// doubleQuotedEnd returns the length of the double-quoted scalar that
// text starts with, its quotes included, and whether it holds a backslash
// escape; -1 when text does not start with one or it does not end.
func doubleQuotedEnd(text string) (end int, escaped bool) {
	if !strings.HasPrefix(text, `"`) {
		return -1, false
	}
	for i := 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return -1, escaped
}

// offsetOf returns the byte offset of line and column (from 1, the column
// in characters, as yaml counts them) in data.
func offsetOf(data string, line, col int) (int, bool) {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(data[off:], '\n')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(data) || data[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRuneInString(data[off:])
		off += size
	}
	return off, true
}

// positionOf returns the line and column (from 1, the column in
// characters) of byte offset off in data.
func positionOf(data string, off int) (line, col int, ok bool) {
	lineStart := strings.LastIndexByte(data[:off], '\n') + 1
	return strings.Count(data[:off], "\n") + 1, utf8.RuneCountInString(data[lineStart:off]) + 1, true
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func validVarName(s string) bool {
	return nameProblem(s) == ""
}
