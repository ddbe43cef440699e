package declconf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/contrib/otelconf"
	yaml "go.yaml.in/yaml/v3"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/scrub"
)

// MaxFileSize bounds a configuration file (1 MiB).
const MaxFileSize = 1 << 20

// ReadFile reads the configuration file at path: a regular file (a named
// pipe would block) of at most MaxFileSize bytes.
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err == nil && len(b) > MaxFileSize {
		err = fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	return b, err
}

// parser holds what Parse learns on the way.
type parser struct {
	name     string
	data     string // the file's text
	lookup   func(string) (string, bool)
	index    map[string]entry
	errs     []error
	warnings []string
	secrets  []string
	reads    map[string]bool // the variables a ${...} reference reads
}

// Parse reads data, the text of the configuration file called name (its
// path, as errors and health show it), substituting ${VAR} references
// through lookup (os.LookupEnv when nil), checks it against the schema
// and translates it into the settings of otelkit's providers. Every
// problem is an *env.Error naming the file, the line and the key; all of
// them are returned, joined. Header values never appear in an error.
func Parse(name string, data []byte, lookup func(string) (string, bool)) (*File, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	p := &parser{name: name, data: string(data), index: map[string]entry{}, reads: map[string]bool{}}
	p.lookup = func(name string) (string, bool) {
		p.reads[name] = true
		return lookup(name)
	}
	root, err := p.document(data)
	if err != nil {
		return nil, err
	}
	p.substituteTree(root, "")
	p.expandMerges(root) // merges.go
	p.walk(root, rootType, "")
	p.checkFormat(root)
	if len(p.errs) > 0 {
		return nil, p.joined()
	}
	var cfg otelconf.OpenTelemetryConfiguration
	if err := root.Decode(&cfg); err != nil {
		p.decodeErrors(root)
		if len(p.errs) == 0 { // not expected: every failure is located
			p.errs = append(p.errs, &env.Error{File: name, Err: errors.New(hideValues(cleanMessage(err), root))})
		}
		return nil, p.joined()
	}
	f := p.translate(&cfg)
	if len(p.errs) > 0 {
		return nil, p.joined()
	}
	return f, nil
}

// document parses data into its root mapping, whose aliases the walks
// over the tree can follow (checkAliases).
func (p *parser) document(data []byte) (*yaml.Node, error) {
	const allowed = `a YAML mapping with file_format: "1.0"`
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		line := 1 + strings.Count(string(data[:i]), "\n")
		return nil, &env.Error{File: p.name, Line: line, Withheld: true, Allowed: "valid UTF-8 text", Err: env.ErrInvalidUTF8}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &env.Error{File: p.name, Line: yamlErrorLine(err), Allowed: allowed, Err: errors.New(cleanMessage(err))}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		line := 1
		if len(doc.Content) > 0 {
			line = doc.Content[0].Line
		}
		return nil, &env.Error{File: p.name, Line: line, Allowed: allowed, Err: errors.New("the file holds no mapping")}
	}
	if err := p.checkAliases(doc.Content[0]); err != nil {
		return nil, err
	}
	return doc.Content[0], nil
}

var yamlErrLineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrorLine(err error) int {
	if m := yamlErrLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// checkFormat requires file_format, in the 1.x series of the schema.
func (p *parser) checkFormat(root *yaml.Node) {
	const allowed = `"1.0" (the stable schema; other 1.x versions are read as 1.0)`
	e, ok := p.index["file_format"]
	if !ok {
		p.errs = append(p.errs, &env.Error{File: p.name, Line: root.Line, Key: "file_format", Allowed: allowed,
			Err: errors.New("missing: the schema requires it")})
		return
	}
	if v := e.value.Value; e.value.Kind != yaml.ScalarNode || v != "1" && !strings.HasPrefix(v, "1.") {
		p.errs = append(p.errs, &env.Error{File: p.name, Line: e.line(), Key: "file_format", Withheld: true, Allowed: allowed})
	}
}

// joined returns the errors found, each one's text kept free of the
// header values.
func (p *parser) joined() error {
	var clean *secretScrubber // built at the first cause, once for all
	for _, err := range p.errs {
		var e *env.Error
		if errors.As(err, &e) && e.Err != nil {
			if clean == nil {
				clean = newSecretScrubber(p.secrets)
			}
			if msg := clean.scrub(e.Err.Error()); msg != e.Err.Error() {
				e.Err = errors.New(msg)
			}
		}
	}
	return errors.Join(p.errs...)
}

// yamlQuotedRE matches a value as yaml quotes it in an error, shortened
// to a prefix and "..." when long.
var yamlQuotedRE = regexp.MustCompile("`[^`]*`")

// minSecret is the length from which a header value is replaced wherever
// it occurs in an error's text.
const minSecret = 4

// secretScrubber replaces the header values in the errors' texts (a
// second guard: cleanMessage and hideValues already leave no value of the
// file in an error): every value of minSecret bytes or more, and every
// value yaml quotes that is a secret or the beginning of one. It is built
// once per file, so that its cost is the errors' text plus the values,
// not their product (16,000 headers, each an error, took seconds).
type secretScrubber struct {
	sorted []string        // the secrets, sorted: a prefix's secrets follow it
	long   *scrub.Scrubber // those of minSecret bytes or more, overlaps replaced as one; nil when none
}

func newSecretScrubber(secrets []string) *secretScrubber {
	sorted := slices.Compact(slices.Sorted(slices.Values(secrets)))
	long := slices.DeleteFunc(slices.Clone(sorted), func(v string) bool { return len(v) < minSecret })
	s := &secretScrubber{sorted: sorted}
	if len(long) > 0 {
		s.long = scrub.Exact(long)
	}
	return s
}

func (s *secretScrubber) scrub(msg string) string {
	msg = yamlQuotedRE.ReplaceAllStringFunc(msg, func(q string) string {
		v := strings.TrimSuffix(q[1:len(q)-1], "...")
		if i, _ := slices.BinarySearch(s.sorted, v); v != "" && i < len(s.sorted) && strings.HasPrefix(s.sorted[i], v) {
			return "`REDACTED`"
		}
		return q
	})
	if s.long != nil {
		msg = s.long.String(msg)
	}
	return msg
}

// warn notes something the file asks for that otelkit does not do; path
// is cut as an error cuts it.
func (p *parser) warn(path string, line int, what string) {
	path, name := env.Bounded(path), env.Bounded(p.name)
	if line == 0 {
		p.warnings = append(p.warnings, fmt.Sprintf("%s: %s (%s)", path, what, name))
		return
	}
	p.warnings = append(p.warnings, fmt.Sprintf("%s: %s (%s line %d)", path, what, name, line))
}

// errorAt returns the error for the setting at path (n when path is not
// indexed).
func (p *parser) errorAt(n *yaml.Node, path, why, allowed string) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	if e, ok := p.index[path]; ok {
		line = e.line()
	}
	return &env.Error{File: p.name, Line: line, Key: path, Allowed: allowed, Err: errors.New(why)}
}
