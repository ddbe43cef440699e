package logtest

import (
	"bytes"
	"sort"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/panictext"
)

// zap's observer keeps the fields of a line and encodes them only when a
// test reads them (Fields, String, Has): a marshaler or Stringer ran
// then, on values the code under test may have changed since, and its
// panic was the test's. A service's encoder runs them while the line is
// written, and writes a panic as "<key>Error": "PANIC=<value>". So the
// core of New freezes each such field when the line is written: it runs
// it into zap's in-memory encoder and keeps the values it produced.
// Values given to zap.Any or zap.Reflect are kept as they are, as zap's
// in-memory encoder keeps them, and so are errors given to zap.Error: zap
// guards their Error, and a test may look for the error itself in the
// entry's Context (errors.Is).

// freezeCore is an observer core whose lines and bound fields are frozen.
type freezeCore struct{ zapcore.Core }

func (c freezeCore) With(fields []zapcore.Field) zapcore.Core {
	return freezeCore{c.Core.With(freeze(fields))}
}

func (c freezeCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c freezeCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	return c.Core.Write(e, freeze(fields))
}

// runsCode reports whether encoding f runs code of the caller, reads
// bytes the caller may change, or panics in zap (a type it does not know).
func runsCode(f zapcore.Field) bool {
	switch f.Type {
	case zapcore.ObjectMarshalerType, zapcore.ArrayMarshalerType, zapcore.InlineMarshalerType,
		zapcore.StringerType, zapcore.BinaryType, zapcore.ByteStringType:
		return true
	}
	return f.Type == zapcore.UnknownType || f.Type > zapcore.InlineMarshalerType
}

// freeze returns fields with every field that runsCode replaced by the
// values its encoding produced; fields itself when there is none.
func freeze(fields []zapcore.Field) []zapcore.Field {
	var out []zapcore.Field
	for i, f := range fields {
		if !runsCode(f) {
			if out != nil {
				out = append(out, f)
			}
			continue
		}
		if out == nil {
			out = append(make([]zapcore.Field, 0, len(fields)), fields[:i]...)
		}
		out = append(out, frozen(f)...)
	}
	if out == nil {
		return fields
	}
	return out
}

// frozen encodes f and returns its values as fields (an inline marshaler
// gives several, in key order), with a note for a panic on the way.
func frozen(f zapcore.Field) []zapcore.Field {
	enc := zapcore.NewMapObjectEncoder()
	func() {
		defer func() {
			if v := recover(); v != nil {
				enc.AddString(noteKey(f)+"Error", panicNote(v))
			}
		}()
		f.AddTo(enc)
	}()
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]zapcore.Field, 0, len(keys))
	for _, k := range keys {
		out = append(out, zap.Any(k, cloneBytes(enc.Fields[k])))
	}
	return out
}

// cloneBytes returns v with every byte slice in it copied, also those in
// the objects and arrays it nests: zap's in-memory encoder keeps the slice
// given to AddBinary, at any depth. Maps and slices are copied, not
// changed: one may be a value the marshaler handed to AddReflected.
func cloneBytes(v any) any {
	switch t := v.(type) {
	case []byte:
		return bytes.Clone(t)
	case map[string]any:
		if t == nil {
			return v
		}
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = cloneBytes(e)
		}
		return m
	case []any:
		if t == nil {
			return v
		}
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = cloneBytes(e)
		}
		return s
	}
	return v
}

// noteKey is the key a note for f is written under, as a service's lines
// write it: "inline" for a key-less zap.Inline, "field" for the zero Field.
func noteKey(f zapcore.Field) string {
	switch {
	case f.Key != "":
		return f.Key
	case f.Type == zapcore.InlineMarshalerType:
		return "inline"
	}
	return "field"
}

// maxPanicText bounds a note's text, as a service's lines bound it
// (logging's maxPanicText).
const maxPanicText = 1024

// panicNote is the text zap writes for a panic, "PANIC=<value>", bounded
// as in a service's lines.
func panicNote(v any) string {
	return "PANIC=" + panictext.Of(v, maxPanicText-len("PANIC="))
}
