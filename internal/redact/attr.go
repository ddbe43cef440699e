package redact

import (
	"slices"

	"go.opentelemetry.io/otel/attribute"
)

// KeyValues returns kvs with the value of every attribute whose key r
// matches replaced by Mark (whatever its type), in nested map values too,
// and whether it changed anything. kvs itself is never modified: a copy
// is made at the first change, so attributes without a credential cost no
// allocation. A value that is Mark already is left as it is. A nil r
// returns kvs at once.
func (r *Rule) KeyValues(kvs []attribute.KeyValue) ([]attribute.KeyValue, bool) {
	if r == nil {
		return kvs, false
	}
	var out []attribute.KeyValue
	for i := range kvs {
		kv, ok := r.KeyValue(kvs[i])
		if !ok {
			continue
		}
		if out == nil {
			out = slices.Clone(kvs)
		}
		out[i] = kv
	}
	if out == nil {
		return kvs, false
	}
	return out, true
}

// KeyValue is KeyValues for one attribute.
func (r *Rule) KeyValue(kv attribute.KeyValue) (attribute.KeyValue, bool) {
	if r.Match(string(kv.Key)) {
		if kv.Value.Type() == attribute.STRING && kv.Value.AsString() == Mark {
			return kv, false
		}
		return attribute.String(string(kv.Key), Mark), true
	}
	if v, ok := r.Value(kv.Value); ok {
		return attribute.KeyValue{Key: kv.Key, Value: v}, true
	}
	return kv, false
}

// Value returns v with the members of its maps (at any depth, in slices
// too) redacted as KeyValues does, and whether it changed. Other values
// have no keys and are returned as they are, as is every value for a nil
// r.
func (r *Rule) Value(v attribute.Value) (attribute.Value, bool) {
	if r == nil {
		return v, false
	}
	switch v.Type() {
	case attribute.MAP:
		if kvs, ok := r.KeyValues(v.AsMap()); ok {
			return attribute.MapValue(kvs...), true
		}
	case attribute.SLICE:
		vals := v.AsSlice() // a copy: safe to change
		changed := false
		for i, e := range vals {
			if c, ok := r.Value(e); ok {
				vals[i], changed = c, true
			}
		}
		if changed {
			return attribute.SliceValue(vals...), true
		}
	}
	return v, false
}

// Needs reports whether KeyValues would change kvs, allocating nothing
// unless a value is a map or a slice (and nothing at all for a nil r).
func (r *Rule) Needs(kvs []attribute.KeyValue) bool {
	if r == nil {
		return false
	}
	for i := range kvs {
		kv := &kvs[i]
		switch {
		case r.Match(string(kv.Key)):
			if kv.Value.Type() != attribute.STRING || kv.Value.AsString() != Mark {
				return true
			}
		case kv.Value.Type() == attribute.MAP || kv.Value.Type() == attribute.SLICE:
			if _, ok := r.Value(kv.Value); ok {
				return true
			}
		}
	}
	return false
}
