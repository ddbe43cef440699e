package declconf

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"

	"github.com/otelkit/otelkit/internal/env"
)

// YAML merge keys ("<<: *base", "<<: [*a, *b]") add the pairs of other
// mappings to a mapping. The files people copy from OpenTelemetry's
// examples use them, and contrib otelconf's yaml reads them; the walks
// over the node tree would take "<<" for an unknown key. So Parse
// replaces each merge key by the pairs it adds, with YAML's rules: a key
// written in the mapping wins over a merged one, and of a sequence of
// mappings the earlier wins over the later. The pairs are the merged
// mappings' own nodes (an error about one names its line there), so
// this runs after substitution, which would otherwise see them twice, and
// after checkAliases, which counted them within maxAliasNodes and refused
// a merge that leads to a mapping containing it.

const mergeAllowed = "a mapping, an alias of one, or a sequence of them (YAML merge key)"

// expandMerges replaces the merge keys of every mapping of the tree.
func (p *parser) expandMerges(root *yaml.Node) {
	done := map[*yaml.Node]bool{}
	var visit func(n *yaml.Node, path string)
	visit = func(n *yaml.Node, path string) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil || done[n] {
			return
		}
		done[n] = true
		switch n.Kind {
		case yaml.SequenceNode:
			for i, c := range n.Content {
				visit(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.MappingNode:
			p.mergeInto(n, path, visit)
			for i := 0; i+1 < len(n.Content); i += 2 {
				visit(n.Content[i+1], joinPath(path, n.Content[i].Value))
			}
		}
	}
	visit(root, "")
}

// mergeInto replaces the merge keys of the mapping n by the pairs of the
// mappings they name, each of which visit expands first.
func (p *parser) mergeInto(n *yaml.Node, path string, visit func(*yaml.Node, string)) {
	seen := map[string]bool{} // keys already in the result: written ones win
	hasMerge := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; isMergeKey(k) {
			hasMerge = true
		} else if k.Kind == yaml.ScalarNode {
			seen[k.Value] = true
		}
	}
	if !hasMerge {
		return
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMergeKey(k) {
			out = append(out, k, v)
			continue
		}
		for _, m := range p.mergeSources(v, joinPath(path, k.Value)) {
			visit(m, path)
			for j := 0; j+1 < len(m.Content); j += 2 {
				mk := m.Content[j]
				if mk.Kind == yaml.ScalarNode {
					if seen[mk.Value] {
						continue
					}
					seen[mk.Value] = true
				}
				out = append(out, mk, m.Content[j+1])
			}
		}
	}
	n.Content = out
}

// mergeSources returns the mappings a merge key's value v names, in
// order; an error for each part of v that is no mapping.
func (p *parser) mergeSources(v *yaml.Node, path string) []*yaml.Node {
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	var out []*yaml.Node
	for _, it := range items {
		m := it
		if m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		if m.Kind != yaml.MappingNode {
			p.errs = append(p.errs, &env.Error{File: p.name, Line: it.Line, Key: path, Allowed: mergeAllowed,
				Err: fmt.Errorf("the value at column %d is not a mapping", it.Column)})
			continue
		}
		out = append(out, m)
	}
	return out
}

// isMergeKey reports whether k is the merge key: "<<" unquoted (a quoted
// one is a string).
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}
