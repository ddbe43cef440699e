package exportsize

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"

	"github.com/otelkit/otelkit/internal/sanitize"
)

// Framing bounds the protobuf framing of a value, a string or a key-value
// pair (tags and length prefixes, each at most a few bytes).
const Framing = 12

// Text returns the bytes s takes in an export, framing included, as the
// exporter sends it: with each invalid byte made U+FFFD (sanitize.Len),
// three times its size, for the bound runs before the wrapper that cleans.
func Text(s string) int {
	return Framing + sanitize.Len(s)
}

// KeyValues returns the bytes kvs take in an export.
func KeyValues(kvs []attribute.KeyValue) int {
	n := 0
	for _, kv := range kvs {
		n += KeyValue(kv)
	}
	return n
}

// KeyValue returns the bytes kv takes in an export.
func KeyValue(kv attribute.KeyValue) int {
	return Text(string(kv.Key)) + Value(kv.Value)
}

// Value returns the bytes v takes in an export, nested values included.
func Value(v attribute.Value) int {
	switch v.Type() {
	case attribute.STRING, attribute.BYTESLICE: // a byte slice's length is its string's
		return Text(v.AsString())
	case attribute.SLICE:
		n := Framing
		for _, e := range v.AsSlice() {
			n += Value(e)
		}
		return n
	case attribute.MAP:
		return Framing + KeyValues(v.AsMap())
	case attribute.STRINGSLICE:
		n := Framing
		for _, s := range v.AsStringSlice() {
			n += Text(s)
		}
		return n
	case attribute.BOOLSLICE:
		return Framing * (1 + len(v.AsBoolSlice()))
	case attribute.INT64SLICE:
		return Framing * (1 + len(v.AsInt64Slice()))
	case attribute.FLOAT64SLICE:
		return Framing * (1 + len(v.AsFloat64Slice()))
	}
	return Framing // a number or bool: at most 10 bytes and a tag
}

// Scope returns the bytes an instrumentation scope takes in an export. An
// export carries it once per scope; the signals count it with every item,
// from above.
func Scope(s instrumentation.Scope) int {
	return Text(s.Name) + Text(s.Version) + Text(s.SchemaURL) + Set(&s.Attributes)
}

// Set returns the bytes the attributes of s take in an export.
func Set(s *attribute.Set) int {
	n := 0
	for iter := s.Iter(); iter.Next(); {
		n += KeyValue(iter.Attribute())
	}
	return n
}
