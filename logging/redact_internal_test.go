package logging

import (
	"reflect"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/redact"
)

// TestRedactingEncoderCoversEveryAdd calls every keyed method of
// zapcore.ObjectEncoder on a redactingEncoder with a credential key: each
// must write REDACTED, none pass the value on (a method zap adds later and
// the encoder does not override would reach the embedded encoder).
func TestRedactingEncoderCoversEveryAdd(t *testing.T) {
	iface := reflect.TypeFor[zapcore.ObjectEncoder]()
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		if m.Name == "OpenNamespace" {
			continue
		}
		if !strings.HasPrefix(m.Name, "Add") {
			t.Errorf("zapcore.ObjectEncoder has %s, which the test does not know", m.Name)
			continue
		}
		inner := zapcore.NewMapObjectEncoder()
		e := &redactingEncoder{ObjectEncoder: inner, rule: redact.Keys()}
		args := []reflect.Value{reflect.ValueOf("password")}
		for j := 1; j < m.Type.NumIn(); j++ {
			args = append(args, reflect.Zero(m.Type.In(j)))
		}
		reflect.ValueOf(e).MethodByName(m.Name).Call(args)
		if got := inner.Fields["password"]; got != redact.Mark || len(inner.Fields) != 1 {
			t.Errorf("%s wrote %v, want password=REDACTED", m.Name, inner.Fields)
		}
	}
}

// TestKeylessArraysNeedNoRedaction: a zap array of plain values writes no
// key, so it costs the line no copy of its fields unless its own key names
// a credential; an array of objects may hold credential keys.
func TestKeylessArraysNeedNoRedaction(t *testing.T) {
	rule := redact.Keys()
	for _, f := range []zapcore.Field{zap.Strings("tags", []string{"a"}), zap.Ints("ids", []int{1}),
		zap.Durations("took", nil), zap.Bools("flags", nil), zap.Times("at", nil)} {
		if mayRedact(rule, &f) {
			t.Errorf("mayRedact(%s) = true, want false", f.Key)
		}
	}
	for _, f := range []zapcore.Field{zap.Strings("api_key", []string{"k"}),
		zap.Array("users", zapcore.ArrayMarshalerFunc(func(zapcore.ArrayEncoder) error { return nil }))} {
		if !mayRedact(rule, &f) {
			t.Errorf("mayRedact(%s) = false, want true", f.Key)
		}
	}
}
