package sanitize

import (
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/redact"
)

// replacement is what every invalid byte becomes: U+FFFD.
const replacement = "\uFFFD"

// String returns s with every byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD, and whether it changed anything. Valid input
// is returned as it is, without copying.
func String(s string) (string, bool) {
	if validText(s) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + 2*len(replacement))
	start := 0 // beginning of the valid run not yet written
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(replacement)
			i++
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	return b.String(), true
}

// Len returns len(String(s)) without building it: len(s), and two bytes
// more for each invalid byte, which becomes U+FFFD (three bytes).
// internal/exportsize counts text with it: the size bound runs before
// the exporter wrapper that cleans.
func Len(s string) int {
	if validText(s) {
		return len(s)
	}
	n := len(s)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += len(replacement) - 1
		}
		i += size
	}
	return n
}

// validText reports whether s is valid UTF-8. Nearly all text is ASCII,
// which it recognises eight bytes at a time before asking utf8.ValidString
// about the rest (about a third faster on attribute-sized strings).
func validText(s string) bool {
	return highBits(s) < utf8.RuneSelf || utf8.ValidString(s)
}

// highBits returns the OR of all bytes of s, folded into one byte: below
// 0x80 when s is ASCII. The eight single-byte loads of each word compile
// to one 64-bit load.
func highBits(s string) byte {
	var w uint64
	for len(s) >= 8 {
		w |= uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		s = s[8:]
	}
	var b byte
	for i := 0; i < len(s); i++ {
		b |= s[i]
	}
	w |= w >> 32
	w |= w >> 16
	w |= w >> 8
	return b | byte(w)
}

// validValue reports whether all text in v is valid UTF-8. It is the fast
// path: for strings it allocates nothing and copies nothing.
func validValue(v attribute.Value) bool {
	switch v.Type() {
	case attribute.STRING:
		return validText(v.AsString())
	case attribute.STRINGSLICE, attribute.SLICE, attribute.MAP:
		_, changed := Value(v) // rare on the hot path; these copy anyway
		return !changed
	}
	return true
}

// validKeyValues reports whether all keys and values in kvs are valid UTF-8.
func validKeyValues(kvs []attribute.KeyValue) bool {
	for i := range kvs {
		kv := &kvs[i]
		if !validText(string(kv.Key)) {
			return false
		}
		// Strings, the common case, are checked here without passing the
		// Value on.
		if kv.Value.Type() == attribute.STRING {
			if !validText(kv.Value.AsString()) {
				return false
			}
		} else if !validValue(kv.Value) {
			return false
		}
	}
	return true
}

// validSet is validKeyValues for a set, without copying it out.
func validSet(s *attribute.Set) bool {
	for i := 0; i < s.Len(); i++ {
		kv, _ := s.Get(i)
		if !validText(string(kv.Key)) || !validValue(kv.Value) {
			return false
		}
	}
	return true
}

func validScope(s *instrumentation.Scope) bool {
	return validText(s.Name) && validText(s.Version) && validText(s.SchemaURL) && validSet(&s.Attributes)
}

// Value returns v with its text cleaned (strings, string slices, and the
// elements and keys of nested slices and maps) and whether it changed.
// Byte slices are bytes, not text, and are left alone.
func Value(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if s, ok := String(v.AsString()); ok {
			return attribute.StringValue(s), true
		}
	case attribute.STRINGSLICE:
		return stringSlice(v)
	case attribute.SLICE:
		vals := v.AsSlice()
		changed := false
		for i, e := range vals {
			if c, ok := Value(e); ok {
				vals[i], changed = c, true // vals is AsSlice's copy
			}
		}
		if changed {
			return attribute.SliceValue(vals...), true
		}
	case attribute.MAP:
		if kvs, ok := KeyValues(v.AsMap()); ok {
			return attribute.MapValue(kvs...), true
		}
	}
	return v, false
}

func stringSlice(v attribute.Value) (attribute.Value, bool) {
	ss := v.AsStringSlice() // a copy: safe to change
	changed := false
	for i, s := range ss {
		if c, ok := String(s); ok {
			ss[i], changed = c, true
		}
	}
	if !changed {
		return v, false
	}
	return attribute.StringSliceValue(ss), true
}

// KeyValue returns kv with a clean key and value, and whether it changed.
func KeyValue(kv attribute.KeyValue) (attribute.KeyValue, bool) {
	k, kc := String(string(kv.Key))
	v, vc := Value(kv.Value)
	if !kc && !vc {
		return kv, false
	}
	return attribute.KeyValue{Key: attribute.Key(k), Value: v}, true
}

// KeyValues returns kvs, or a cleaned copy when some key or value is not
// valid UTF-8; kvs itself is never modified.
func KeyValues(kvs []attribute.KeyValue) ([]attribute.KeyValue, bool) {
	if validKeyValues(kvs) {
		return kvs, false
	}
	return cleanSlice(kvs, func(kv *attribute.KeyValue) (attribute.KeyValue, bool) { return KeyValue(*kv) })
}

// exportKeyValues is KeyValues followed by the exporter's key rule: the
// attributes of a span, event, link or log record as they are exported,
// with the value under a key that keys matches replaced by REDACTED.
func exportKeyValues(kvs []attribute.KeyValue, keys *redact.Rule) ([]attribute.KeyValue, bool) {
	clean, c1 := KeyValues(kvs)
	out, c2 := keys.KeyValues(clean)
	return out, c1 || c2
}

// exportKeyValue is exportKeyValues for one attribute.
func exportKeyValue(kv attribute.KeyValue, keys *redact.Rule) (attribute.KeyValue, bool) {
	clean, c1 := KeyValue(kv)
	out, c2 := keys.KeyValue(clean)
	return out, c1 || c2
}

// Set returns s, or a cleaned copy when some key or value is not valid
// UTF-8. Two keys that differ only in invalid bytes may clean to the same
// key; the set then keeps the last, as attribute.NewSet does.
func Set(s attribute.Set) (attribute.Set, bool) {
	if validSet(&s) {
		return s, false
	}
	kvs, _ := KeyValues(s.ToSlice())
	return attribute.NewSet(kvs...), true
}

// Scope returns s with clean text, and whether it changed.
func Scope(s instrumentation.Scope) (instrumentation.Scope, bool) {
	if validScope(&s) {
		return s, false
	}
	name, nc := String(s.Name)
	version, vc := String(s.Version)
	schema, sc := String(s.SchemaURL)
	attrs, ac := Set(s.Attributes)
	if !nc && !vc && !sc && !ac {
		return s, false
	}
	return instrumentation.Scope{Name: name, Version: version, SchemaURL: schema, Attributes: attrs}, true
}

// Resource returns r, or a cleaned copy when its attributes or schema URL
// are not valid UTF-8. A nil resource stays nil.
func Resource(r *resource.Resource) (*resource.Resource, bool) {
	if r == nil {
		return nil, false
	}
	schema, sc := String(r.SchemaURL())
	set, ac := Set(*r.Set())
	if !sc && !ac {
		return r, false
	}
	return resource.NewWithAttributes(schema, set.ToSlice()...), true
}

// resourceCache remembers the last resource checked and its clean form:
// a provider gives all its items the same *resource.Resource, so a batch
// checks it once instead of once per item. Safe for concurrent use.
type resourceCache struct {
	last atomic.Pointer[resourcePair]
}

type resourcePair struct{ in, out *resource.Resource }

// clean returns the clean form of r (r itself when it is valid) and whether
// it differs from r.
func (c *resourceCache) clean(r *resource.Resource) (*resource.Resource, bool) {
	if p := c.last.Load(); p != nil && p.in == r {
		return p.out, p.out != r
	}
	out, _ := Resource(r)
	c.last.Store(&resourcePair{in: r, out: out})
	return out, out != r
}
