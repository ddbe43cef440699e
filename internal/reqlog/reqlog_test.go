package reqlog

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestFromFindsOnlyTheLoneField(t *testing.T) {
	r := &Request{ID: "r"}
	cases := []struct {
		name   string
		fields []zap.Field
		want   *Request
	}{
		{"the field", []zap.Field{Field(r)}, r},
		{"none", nil, nil},
		{"with another field", []zap.Field{Field(r), zap.String("a", "b")}, nil},
		{"after another field", []zap.Field{zap.String("a", "b"), Field(r)}, nil},
		{"its key, another value", []zap.Field{{Key: fieldKey, Type: zapcore.SkipType, Interface: "x"}}, nil},
		{"its key, a nil *Request", []zap.Field{{Key: fieldKey, Type: zapcore.SkipType, Interface: (*Request)(nil)}}, nil},
		{"its key as a string field", []zap.Field{zap.String(fieldKey, "x")}, nil},
		{"a skip field", []zap.Field{zap.Skip()}, nil},
	}
	for _, tc := range cases {
		if got := From(tc.fields); got != tc.want {
			t.Errorf("%s: From = %p, want %p", tc.name, got, tc.want)
		}
	}
}

// Handed to a zap logger of its own, the field writes nothing.
func TestFieldWritesNothing(t *testing.T) {
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{})
	buf, err := enc.EncodeEntry(zapcore.Entry{}, []zap.Field{Field(&Request{ID: "r"}), zap.String("a", "b")})
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "{\"a\":\"b\"}\n" {
		t.Errorf("encoded %q", got)
	}
}
