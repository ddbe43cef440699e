package declconf

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
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
			p.errs = append(p.errs, p.errorAt(n, path, err.Error(), substAllowed))
			return
		}
		if v != n.Value && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			n.Tag = ""
		}
		n.Value = v
	}
}

const substAllowed = "${NAME}, ${env:NAME} or ${NAME:-default} with NAME a variable name ([A-Za-z_][A-Za-z0-9_]*); $$ for a literal $"

// substitute replaces each reference in s: ${NAME} and ${env:NAME} by the
// variable's value ("" when unset), ${NAME:-default} by the value or, when
// it is unset or empty, by default; "$$" becomes "$". A "${" that does not
// open a valid reference is an error quoting the reference (file text,
// never a variable's value).
func substitute(s string, lookup func(string) (string, bool)) (string, error) {
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
				return "", fmt.Errorf("%q has no closing }", s[i:])
			}
			ref := s[i+2 : i+end]
			name, def, hasDef := strings.Cut(ref, ":-")
			name = strings.TrimPrefix(name, "env:")
			if !validVarName(name) {
				return "", fmt.Errorf("${%s} is not a valid reference", ref)
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

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
