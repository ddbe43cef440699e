package declconf

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/otelkit/otelkit/internal/env"
)

// maxAliasNodes bounds the nodes that the aliases of a file add to its
// tree once expanded. yaml builds the node tree without expanding
// aliases, and refuses excessive aliasing only when it decodes into the
// model; the walks over the tree before that (the key check and its
// index) follow every alias. A few lines of nested aliases ("billion
// laughs") would expand to billions of nodes there, and an alias inside
// the node it names to an endless tree. Reusing a block of settings in a
// few places adds some tens of nodes.
const maxAliasNodes = 10_000

// aliasCheck walks the tree as the later walks do, aliases expanded,
// counting what the aliases add and stopping at the first problem.
type aliasCheck struct {
	added     int                 // nodes visited within an alias's expansion
	ancestors map[*yaml.Node]bool // the nodes that contain the one visited
	path      []string            // its key path, one segment per level
	at        *yaml.Node          // the alias written outside any expansion that is at fault
}

// checkAliases refuses a tree in which an alias leads to a node that
// contains it, or whose aliases add more than maxAliasNodes nodes. The
// error names the line, column and key of the alias written in the file
// (outside any expansion) that leads there; it quotes nothing of the
// file.
func (p *parser) checkAliases(root *yaml.Node) error {
	c := &aliasCheck{ancestors: map[*yaml.Node]bool{}}
	why := c.visit(root, false)
	if why == "" {
		return nil
	}
	return &env.Error{File: p.name, Line: c.at.Line, Key: strings.TrimPrefix(strings.Join(c.path, ""), "."),
		Allowed: fmt.Sprintf("aliases that do not lead to a node containing them and add at most %d nodes in all", maxAliasNodes),
		Err:     fmt.Errorf("the alias at column %d %s", c.at.Column, why)}
}

// visit checks n and below; within is true inside an alias's expansion.
// It returns what is wrong, "" when nothing is, leaving c.path at c.at.
func (c *aliasCheck) visit(n *yaml.Node, within bool) string {
	if within {
		if c.added++; c.added > maxAliasNodes {
			return fmt.Sprintf("makes the aliases add more than %d nodes", maxAliasNodes)
		}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		depth, why := len(c.path), "expands without end: it leads to an alias of a node that contains it"
		if !c.ancestors[n.Alias] {
			why = c.visit(n.Alias, true)
		}
		if why != "" && !within {
			c.at, c.path = n, c.path[:depth]
		}
		return why
	}
	c.ancestors[n] = true
	defer delete(c.ancestors, n)
	for i, child := range n.Content {
		switch {
		case n.Kind == yaml.MappingNode && i%2 == 0: // a key: it adds no level
			if why := c.visit(child, within); why != "" {
				return why
			}
			continue
		case n.Kind == yaml.MappingNode:
			c.path = append(c.path, "."+n.Content[i-1].Value)
		case n.Kind == yaml.SequenceNode:
			c.path = append(c.path, fmt.Sprintf("[%d]", i))
		default:
			c.path = append(c.path, "")
		}
		if why := c.visit(child, within); why != "" {
			return why
		}
		c.path = c.path[:len(c.path)-1]
	}
	return ""
}
