package redact

import (
	"slices"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// TestSettingRule: the zero setting is Keys itself, added keys extend it,
// off gives the nil rule, which matches and changes nothing.
func TestSettingRule(t *testing.T) {
	if (Setting{}).Rule() != Keys() {
		t.Error("the zero Setting is not Keys")
	}
	added := Setting{Added: []string{"ssn"}}.Rule()
	if !added.Match("customer_ssn") || !added.Match("password") || Keys().Match("customer_ssn") {
		t.Error("added keys are not matched, or Keys was changed")
	}
	off := Setting{Added: []string{"ssn"}, Off: true}.Rule()
	if off != nil {
		t.Fatal("off gives a rule")
	}
	kvs := []attribute.KeyValue{attribute.String("password", "pw"),
		attribute.KeyValue{Key: "cfg", Value: attribute.MapValue(attribute.String("token", "t"))}}
	if got, changed := off.KeyValues(kvs); changed || &got[0] != &kvs[0] || off.Needs(kvs) {
		t.Error("the nil rule changed attributes")
	}
	if v, changed := off.Value(kvs[1].Value); changed || v.String() != kvs[1].Value.String() {
		t.Error("the nil rule changed a map")
	}
}

// TestSettingMerge: keys add up, each once; off wins whichever side says
// it; neither side is modified.
func TestSettingMerge(t *testing.T) {
	a := Setting{Added: make([]string, 1, 4)}
	a.Added[0] = "ssn"
	b := Setting{Added: []string{"pin", "ssn"}}
	m := a.Merge(b)
	if !slices.Equal(m.Added, []string{"ssn", "pin"}) || m.Off {
		t.Errorf("Merge = %+v", m)
	}
	_ = a.Merge(Setting{Added: []string{"x"}})
	if a.Added[:cap(a.Added)][1] != "" || len(b.Added) != 2 {
		t.Error("Merge wrote into an operand")
	}
	for _, m := range []Setting{a.Merge(Setting{Off: true}), (Setting{Off: true}).Merge(b)} {
		if !m.Off {
			t.Errorf("off lost: %+v", m)
		}
	}
	if c, ok := any(b).(Carrier); !ok || !slices.Equal(c.RedactSetting().Added, b.Added) {
		t.Error("a Setting is not its own Carrier")
	}
}
