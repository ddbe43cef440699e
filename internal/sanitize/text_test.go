package sanitize

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
)

// bad is text with invalid bytes; good is what it must become.
const (
	bad  = "bad\xff\xfe!"
	good = "bad\uFFFD\uFFFD!"
)

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"ünïcödé ✓ 😀", "ünïcödé ✓ 😀"},
		{"\uFFFD already", "\uFFFD already"},
		{"\xff", "\uFFFD"},
		{"/orders/\xff", "/orders/\uFFFD"},
		{bad, good},
		{"\xe2\x82", "\uFFFD\uFFFD"},                     // truncated sequence: one per byte
		{"a\xc0\xafb", "a\uFFFD\uFFFDb"},                 // overlong encoding of '/'
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},           // a UTF-16 surrogate
		{"ok €\xffok €", "ok €\uFFFDok €"},               // valid runs kept around the fix
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"}, // beyond U+10FFFF
	} {
		got, changed := String(tc.in)
		if got != tc.want || changed != (tc.in != tc.want) {
			t.Errorf("String(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.in != tc.want)
		}
		if n := Len(tc.in); n != len(tc.want) {
			t.Errorf("Len(%q) = %d, want %d", tc.in, n, len(tc.want))
		}
	}
}

// TestValueEveryType: every value type, with the text nested where the
// type allows; byte slices are bytes and stay as they are.
func TestValueEveryType(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      attribute.Value
		want    attribute.Value
		changed bool
	}{
		{"string", attribute.StringValue(bad), attribute.StringValue(good), true},
		{"valid string", attribute.StringValue("ok"), attribute.StringValue("ok"), false},
		{"string slice", attribute.StringSliceValue([]string{"ok", bad}), attribute.StringSliceValue([]string{"ok", good}), true},
		{"slice", attribute.SliceValue(attribute.IntValue(1), attribute.StringValue(bad)),
			attribute.SliceValue(attribute.IntValue(1), attribute.StringValue(good)), true},
		{"map", attribute.MapValue(attribute.String(bad, bad), attribute.Bool("ok", true)),
			attribute.MapValue(attribute.String(good, good), attribute.Bool("ok", true)), true},
		{"nested", attribute.SliceValue(attribute.MapValue(attribute.KeyValue{Key: "m",
			Value: attribute.SliceValue(attribute.StringSliceValue([]string{bad}))})),
			attribute.SliceValue(attribute.MapValue(attribute.KeyValue{Key: "m",
				Value: attribute.SliceValue(attribute.StringSliceValue([]string{good}))})), true},
		{"bytes", attribute.ByteSliceValue([]byte(bad)), attribute.ByteSliceValue([]byte(bad)), false},
		{"int", attribute.Int64Value(7), attribute.Int64Value(7), false},
		{"bool slice", attribute.BoolSliceValue([]bool{true}), attribute.BoolSliceValue([]bool{true}), false},
		{"empty", attribute.Value{}, attribute.Value{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := Value(tc.in)
			if changed != tc.changed || got.String() != tc.want.String() || got.Type() != tc.want.Type() {
				t.Errorf("Value = %s (%s), %v; want %s, %v", got.String(), got.Type(), changed, tc.want.String(), tc.changed)
			}
			if err := checkValue(got); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestKeyValuesCopiesOnlyWhenNeeded(t *testing.T) {
	valid := []attribute.KeyValue{attribute.String("a", "1"), attribute.Int("b", 2)}
	out, changed := KeyValues(valid)
	if changed || &out[0] != &valid[0] {
		t.Error("valid attributes were copied")
	}
	in := []attribute.KeyValue{attribute.String("a", "1"), attribute.String(bad, bad)}
	out, changed = KeyValues(in)
	if !changed || &out[0] == &in[0] {
		t.Fatal("invalid attributes were not copied")
	}
	if in[1].Key != bad || in[1].Value.AsString() != bad {
		t.Error("the caller's slice was modified")
	}
	if out[1].Key != good || out[1].Value.AsString() != good || out[0] != in[0] {
		t.Errorf("cleaned = %v", out)
	}
}

func TestSetScopeResource(t *testing.T) {
	s := attribute.NewSet(attribute.String("k", bad), attribute.Int("n", 1))
	cs, changed := Set(s)
	if v, _ := cs.Value("k"); !changed || v.AsString() != good || cs.Len() != 2 {
		t.Errorf("Set = %v, %v", cs.ToSlice(), changed)
	}
	if same, changed := Set(cs); changed || !same.Equals(&cs) {
		t.Error("a valid set changed")
	}

	sc, changed := Scope(instrumentation.Scope{Name: bad, Version: bad, SchemaURL: bad, Attributes: s})
	if !changed || sc.Name != good || sc.Version != good || sc.SchemaURL != good || checkSet(sc.Attributes) != nil {
		t.Errorf("Scope = %+v", sc)
	}

	r := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0\xff", attribute.String("service.name", bad))
	cr, changed := Resource(r)
	if !changed || cr.SchemaURL() != "https://opentelemetry.io/schemas/1.26.0\uFFFD" || checkSet(*cr.Set()) != nil {
		t.Errorf("Resource = %v %q", cr, cr.SchemaURL())
	}
	if v, _ := r.Set().Value("service.name"); v.AsString() != bad {
		t.Error("the original resource changed")
	}
	if same, changed := Resource(cr); changed || same != cr {
		t.Error("a valid resource was copied")
	}
	if n, changed := Resource(nil); n != nil || changed {
		t.Error("nil resource")
	}

	var c resourceCache
	if out, changed := c.clean(r); !changed || checkResource(out) != nil {
		t.Error("cache: first clean")
	}
	first, _ := c.clean(r)
	if again, _ := c.clean(r); again != first {
		t.Error("cache: the same resource was cleaned twice")
	}
	if out, changed := c.clean(cr); changed || out != cr {
		t.Error("cache: a valid resource changed")
	}
}

// ---- validators: every string reachable from a value must be UTF-8 ----

func checkString(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8: %q", what, s)
	}
	return nil
}

func checkValue(v attribute.Value) error {
	switch v.Type() {
	case attribute.STRING:
		return checkString("value", v.AsString())
	case attribute.STRINGSLICE:
		for _, s := range v.AsStringSlice() {
			if err := checkString("slice element", s); err != nil {
				return err
			}
		}
	case attribute.SLICE:
		for _, e := range v.AsSlice() {
			if err := checkValue(e); err != nil {
				return err
			}
		}
	case attribute.MAP:
		return checkKVs(v.AsMap())
	}
	return nil
}

func checkKVs(kvs []attribute.KeyValue) error {
	for _, kv := range kvs {
		if err := checkString("key", string(kv.Key)); err != nil {
			return err
		}
		if err := checkValue(kv.Value); err != nil {
			return fmt.Errorf("%q: %w", kv.Key, err)
		}
	}
	return nil
}

func checkSet(s attribute.Set) error { return checkKVs(s.ToSlice()) }

func checkScope(s instrumentation.Scope) error {
	for _, str := range []string{s.Name, s.Version, s.SchemaURL} {
		if err := checkString("scope", str); err != nil {
			return err
		}
	}
	return checkSet(s.Attributes)
}

func checkResource(r *resource.Resource) error {
	if err := checkString("schema URL", r.SchemaURL()); err != nil {
		return err
	}
	return checkSet(*r.Set())
}
