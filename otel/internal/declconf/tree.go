package declconf

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/otelconf"
	yaml "go.yaml.in/yaml/v3"

	"github.com/otelkit/otelkit/internal/env"
)

// entry is one place in the file: a mapping's key and value, or a
// sequence's item (key nil).
type entry struct{ key, value *yaml.Node }

// line is the entry's line: its key's, else its value's.
func (e entry) line() int {
	if e.key != nil {
		return e.key.Line
	}
	if e.value != nil {
		return e.value.Line
	}
	return 0
}

// Types the walk treats apart.
var (
	rootType         = reflect.TypeFor[otelconf.OpenTelemetryConfiguration]()
	distributionType = reflect.TypeFor[otelconf.Distribution]()
	pullExporterType = reflect.TypeFor[otelconf.PullMetricExporter]()
	headerType       = reflect.TypeFor[otelconf.NameStringValuePair]()
)

// walk indexes every key of n under its path and checks the keys against
// t, the otelconf model type n decodes into: a key the schema does not
// know is an error (yaml would ignore it silently); one the schema marks
// "/development" that otelkit does not implement is a warning. It also
// notes the header values, which no error may quote.
func (p *parser) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		p.walkStruct(n, t, path)
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			cp := fmt.Sprintf("%s[%d]", path, i)
			p.index[cp] = entry{value: c}
			p.walk(c, t.Elem(), cp)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := joinPath(path, k.Value)
			p.index[kp] = entry{k, v}
			if t == distributionType && k.Value == otelkitKey {
				p.walk(v, reflect.TypeFor[otelkitSection](), kp)
				continue
			}
			p.walk(v, t.Elem(), kp)
		}
	}
}

func (p *parser) walkStruct(n *yaml.Node, t reflect.Type, path string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := joinPath(path, k.Value)
		p.index[kp] = entry{k, v}
		f, known := fieldByTag(t, k.Value)
		switch {
		case known:
			if t == headerType && k.Value == "value" || k.Value == "headers_list" {
				p.addSecret(v)
			}
			p.walk(v, f.Type, kp)
		case t == pullExporterType && k.Value == prometheusKey:
			p.walk(v, reflect.TypeFor[prometheusExporter](), kp)
		case strings.HasSuffix(k.Value, "/development"):
			p.warn(kp, k.Line, "is not supported by otelkit and is ignored")
		default:
			p.errs = append(p.errs, &env.Error{File: p.name, Line: k.Line, Key: kp,
				Allowed: "keys of the schema here: " + strings.Join(yamlKeys(t), ", "),
				Err:     errors.New("unknown key")})
		}
	}
}

// addSecret notes a header value (or a headers_list) and the values in it.
func (p *parser) addSecret(v *yaml.Node) {
	if v.Kind != yaml.ScalarNode || v.Value == "" {
		return
	}
	p.secrets = append(p.secrets, v.Value)
	for _, item := range strings.Split(v.Value, ",") {
		if _, val, ok := strings.Cut(item, "="); ok && strings.TrimSpace(val) != "" {
			p.secrets = append(p.secrets, strings.TrimSpace(val))
		}
	}
}

// fieldByTag returns the field of struct type t whose yaml name is name.
func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag != "" && tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// yamlKeys lists the yaml names of t's fields, sorted.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	if t == pullExporterType {
		keys = append(keys, prometheusKey)
	}
	slices.Sort(keys)
	return keys
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// failure is a node that does not decode into its type.
type failure struct {
	node *yaml.Node
	t    reflect.Type
	path string
}

// locate finds where a failed decode of n into t comes from: the deepest
// nodes that fail to decode on their own into their types, all of them.
// Each otelconf type validates its own level in UnmarshalYAML, so those
// nodes are the settings that are wrong.
func locate(n *yaml.Node, t reflect.Type, path string) []failure {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	st := t
	for st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	var out []failure
	switch {
	case st.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if f, ok := fieldByTag(st, n.Content[i].Value); ok && fails(n.Content[i+1], f.Type) {
				out = append(out, locate(n.Content[i+1], f.Type, joinPath(path, n.Content[i].Value))...)
			}
		}
	case st.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if fails(c, st.Elem()) {
				out = append(out, locate(c, st.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	if len(out) == 0 {
		out = []failure{{n, t, path}}
	}
	return out
}

var fieldErrRE = regexp.MustCompile(`field (\w+)[: ]`)

// decodeErrors reports each failure with its own error and its line;
// otelconf's "field x: ..." names a key of the failing mapping, which is
// then the place reported.
func (p *parser) decodeErrors(root *yaml.Node) {
	for _, f := range locate(root, rootType, "") {
		err := f.node.Decode(reflectNew(f.t))
		if err == nil {
			continue
		}
		msg, path := hideValues(cleanMessage(err), f.node), f.path
		if m := fieldErrRE.FindStringSubmatch(msg); m != nil {
			if _, ok := p.index[joinPath(path, m[1])]; ok {
				path = joinPath(path, m[1])
			}
		}
		p.errs = append(p.errs, p.errorAt(f.node, path, msg, ""))
	}
}

func fails(n *yaml.Node, t reflect.Type) bool {
	return n.Decode(reflect.New(t).Interface()) != nil
}

var yamlLineRE = regexp.MustCompile(`^(yaml: )?line \d+: `)

// valueHidden stands for a value of the file in an error: no error quotes
// one, since any value, under any key, may be a secret written or
// substituted there by mistake. The key and the line point to it.
const valueHidden = "(value not shown)"

// cleanMessage makes an otelconf or yaml decode error one line: without
// yaml's "line N:" (the error carries the line), otelconf's "unmarshal
// error in *otelconf.X" wrappers and the values yaml quotes ("cannot
// unmarshal !!str `Bearer …` into int").
func cleanMessage(err error) string {
	var parts []string
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == "yaml: unmarshal errors:" || strings.HasPrefix(l, "unmarshal error in ") {
			continue
		}
		parts = append(parts, yamlQuotedRE.ReplaceAllString(yamlLineRE.ReplaceAllString(l, ""), valueHidden))
	}
	if len(parts) == 0 {
		return "the value does not decode"
	}
	return strings.Join(parts, "; ")
}

// hideValues replaces in msg, an otelconf error about n, the values of n
// and below as otelconf quotes them ("unsupported encoding %q",
// "... expected one of ...): %#v").
func hideValues(msg string, n *yaml.Node) string {
	seen := map[*yaml.Node]bool{}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.ScalarNode:
			if n.Value != "" {
				msg = strings.ReplaceAll(msg, strconv.Quote(n.Value), valueHidden)
			}
		case yaml.AliasNode:
			walk(n.Alias)
		case yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i])
			}
		default:
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	walk(n)
	return msg
}

var otelkitSectionType = reflect.TypeFor[otelkitSection]()
