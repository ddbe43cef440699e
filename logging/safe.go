package logging

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/panictext"
)

// A value logged with zap.Object, zap.Array, zap.Inline, zap.Any (through
// MarshalJSON) or zap.Error (when the OTLP bridge makes it the record's
// error) runs user code while the line is encoded, and zap does not
// recover a panic there. Here no such panic crashes the caller: the line is
// written and the field replaced by a note, "<key>Error": "PANIC=<value>",
// the convention zap uses for a panicking Error or String method.
//
// Two ways, after what can be undone:
//
//   - the core New builds (core.writeLine, core.writeBridge), and every
//     With (withGuarded), produce their output before anything is written,
//     so they run as they are and, only after a panic, again with guarded
//     fields: no cost on the normal path;
//   - a core of a foreign logger (foreignCore) may be a tee that has
//     written to some of its cores before another panics, so its fields
//     are guarded before writing, with guards from a pool (no allocation).
//
// A guard recovers above zap's encoder, which cannot take back what it
// wrote: a panic inside a value the marshaler nests would leave that
// value's object or array open. So what the marshaler nests is guarded
// too, each value where zap opened it (guarding, nested).

// maxPanicText bounds the panic value written into a note.
const maxPanicText = 1024

// panicNote returns the text of a note for the panic value v,
// "PANIC=<value>", at most maxPanicText bytes (panictext.Of).
func panicNote(v any) string {
	return "PANIC=" + panictext.Of(v, maxPanicText-len("PANIC="))
}

// guard encodes the field it holds and turns a panic into an error, which
// zap's Field.AddTo writes as "<key>Error". It is not changed once made, so
// a request's guarded fields may be encoded by several lines at once.
//
// The field's marshaler gets an encoder that hands every value it nests a
// guard of its own (nested): a panic deep inside is recovered where the
// nested object or array is still open, and zap closes it as usual, so the
// line stays whole; the first such panic is the field's note. What one
// encoding needs for that is a guarding, from a pool.
type guard struct{ f zapcore.Field }

var (
	_ zapcore.ObjectMarshaler = (*guard)(nil)
	_ zapcore.ArrayMarshaler  = (*guard)(nil)
)

func (g *guard) MarshalLogObject(enc zapcore.ObjectEncoder) (err error) {
	if g.f.Type == zapcore.ReflectType {
		// Inline around the field: AddReflected encodes into a buffer
		// of its own first, so a panic leaves no partial value.
		defer catch(&err)
		return enc.AddReflected(g.f.Key, g.f.Interface)
	}
	s := guardingPool.Get().(*guarding)
	defer s.settle(&err)
	s.obj = guardedObject{enc, s}
	return g.f.Interface.(zapcore.ObjectMarshaler).MarshalLogObject(&s.obj)
}

func (g *guard) MarshalLogArray(enc zapcore.ArrayEncoder) (err error) {
	s := guardingPool.Get().(*guarding)
	defer s.settle(&err)
	s.arr = guardedArray{enc, s}
	return g.f.Interface.(zapcore.ArrayMarshaler).MarshalLogArray(&s.arr)
}

// catch, deferred, turns a panic into the error of the value that panicked.
func catch(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("%s", panicNote(v))
	}
}

// guarding is one encoding of a guarded field: the encoders its marshaler
// and the nested ones write to, and the first panic a nested guard
// recovered.
type guarding struct {
	obj      guardedObject
	arr      guardedArray
	first    any       // the first panic a nested guard recovered
	firstErr error     // the error it returned for it
	spare    []*nested // nested guards to reuse, kept with the guarding
}

var guardingPool = sync.Pool{New: func() any { return new(guarding) }}

// settle, deferred, turns a panic of the field's marshaler, or else the
// first a nested guard recovered, into the field's error, beside the
// marshaler's own error if it returned another; and returns s to its pool.
func (s *guarding) settle(err *error) {
	v, nestedErr := recover(), s.firstErr
	if v == nil {
		v = s.first
	} else {
		*err = nil
	}
	s.first, s.firstErr, s.obj, s.arr = nil, nil, guardedObject{}, guardedArray{}
	guardingPool.Put(s)
	if v == nil {
		return
	}
	note := fmt.Errorf("%s", panicNote(v))
	if *err == nil || errors.Is(*err, nestedErr) {
		*err = note
		return
	}
	*err = errors.Join(note, *err)
}

// nest returns a nested guard for m (an ObjectMarshaler or an
// ArrayMarshaler), reusing a spare one.
func (s *guarding) nest(m any) *nested {
	var n *nested
	if k := len(s.spare); k > 0 {
		n, s.spare = s.spare[k-1], s.spare[:k-1]
	} else {
		n = &nested{s: s}
	}
	n.m = m
	return n
}

// unnest makes n spare again.
func (s *guarding) unnest(n *nested) {
	n.m, n.obj, n.arr = nil, guardedObject{}, guardedArray{}
	s.spare = append(s.spare, n)
}

// nested guards a value that a guarded marshaler nests: it recovers a
// panic inside it, notes it in the guarding and returns it as the value's
// error.
type nested struct {
	s   *guarding
	m   any
	obj guardedObject
	arr guardedArray
}

func (n *nested) MarshalLogObject(enc zapcore.ObjectEncoder) (err error) {
	defer n.catch(&err)
	n.obj = guardedObject{enc, n.s}
	return n.m.(zapcore.ObjectMarshaler).MarshalLogObject(&n.obj)
}

func (n *nested) MarshalLogArray(enc zapcore.ArrayEncoder) (err error) {
	defer n.catch(&err)
	n.arr = guardedArray{enc, n.s}
	return n.m.(zapcore.ArrayMarshaler).MarshalLogArray(&n.arr)
}

// catch, deferred, notes a panic of the nested value in the guarding.
func (n *nested) catch(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("%s", panicNote(v))
		if n.s.first == nil {
			n.s.first, n.s.firstErr = v, *err
		}
	}
}

// guardedObject is the encoder a guarded marshaler writes to: its nested
// objects and arrays go through nested guards.
type guardedObject struct {
	zapcore.ObjectEncoder
	s *guarding
}

func (e *guardedObject) AddObject(key string, m zapcore.ObjectMarshaler) error {
	n := e.s.nest(m)
	err := e.ObjectEncoder.AddObject(key, n)
	e.s.unnest(n)
	return err
}

func (e *guardedObject) AddArray(key string, m zapcore.ArrayMarshaler) error {
	n := e.s.nest(m)
	err := e.ObjectEncoder.AddArray(key, n)
	e.s.unnest(n)
	return err
}

// guardedArray is guardedObject for arrays.
type guardedArray struct {
	zapcore.ArrayEncoder
	s *guarding
}

func (e *guardedArray) AppendObject(m zapcore.ObjectMarshaler) error {
	n := e.s.nest(m)
	err := e.ArrayEncoder.AppendObject(n)
	e.s.unnest(n)
	return err
}

func (e *guardedArray) AppendArray(m zapcore.ArrayMarshaler) error {
	n := e.s.nest(m)
	err := e.ArrayEncoder.AppendArray(n)
	e.s.unnest(n)
	return err
}

// risky reports whether encoding f runs user code that zap does not
// guard. The error field keyed "error" counts: the OTLP bridge (as otelzap)
// makes it the record's error, whose Error the SDK calls unguarded. So do
// the fields zap panics on by itself (malformed).
func risky(f zapcore.Field) bool {
	switch f.Type {
	case zapcore.ObjectMarshalerType, zapcore.ArrayMarshalerType, zapcore.InlineMarshalerType, zapcore.ReflectType:
		switch f.Interface.(type) {
		case nil: // zap panics on a nil marshaler; a nil reflected value is null
			return f.Type != zapcore.ReflectType
		case *guard, errFields, errKeys: // errFields and errKeys guard themselves
			return false
		}
		return true
	case zapcore.ErrorType:
		return f.Key == "error"
	}
	return malformed(f)
}

// malformed reports a field of a type zap does not encode: the zero Field
// (what `var f zap.Field` leaves) or a type it does not know.
func malformed(f zapcore.Field) bool {
	return f.Type == zapcore.UnknownType || f.Type > zapcore.InlineMarshalerType
}

func anyRisky(sets ...[]zapcore.Field) bool {
	for _, fs := range sets {
		for _, f := range fs {
			if risky(f) {
				return true
			}
		}
	}
	return false
}

// guardField returns f made safe, using g for a marshaler.
func guardField(f zapcore.Field, g *guard) zapcore.Field {
	if malformed(f) {
		key := f.Key
		if key == "" {
			key = "field"
		}
		return zap.String(key+"Error", fmt.Sprintf("PANIC=unknown field type %d", f.Type))
	}
	switch f.Type {
	case zapcore.ErrorType:
		err, _ := f.Interface.(error)
		if err == nil || errorIsSafe(err) {
			return f
		}
		if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
			return zap.String(f.Key, "<nil>") // as zap writes it
		}
		return zap.String(f.Key+"Error", panicNote(recoverText(err)))
	case zapcore.ReflectType:
		g.f = f
		return zapcore.Field{Key: f.Key, Type: zapcore.InlineMarshalerType, Interface: g}
	case zapcore.InlineMarshalerType:
		g.f = f
		return zapcore.Field{Key: inlineKey(f).Key, Type: zapcore.InlineMarshalerType, Interface: g}
	}
	g.f = f // object or array: same type, same key
	return zapcore.Field{Key: f.Key, Type: f.Type, Interface: g}
}

// inlineKey returns f with the key "inline" when it is a key-less
// zap.Inline, so that a note for it reads "inlineError", whether its
// marshaler panicked or returned an error (zap would write "Error"). zap
// encodes an Inline field without its key, so nothing else changes.
func inlineKey(f zapcore.Field) zapcore.Field {
	if f.Type == zapcore.InlineMarshalerType && f.Key == "" {
		f.Key = "inline"
	}
	return f
}

// recoverText calls err.Error() and returns what it panicked with.
func recoverText(err error) (v any) {
	defer func() { v = recover() }()
	_ = err.Error()
	return nil
}

// guardFields returns fields with every risky one made safe; fields
// itself when none is (no allocation).
func guardFields(fields []zapcore.Field) []zapcore.Field {
	n := 0
	for _, f := range fields {
		if risky(f) {
			n++
		}
	}
	if n == 0 {
		return fields
	}
	out := make([]zapcore.Field, len(fields))
	guards := make([]guard, n)
	for i, f := range fields {
		if risky(f) {
			out[i] = guardField(f, &guards[len(guards)-n])
			n--
		} else {
			out[i] = f
		}
	}
	return out
}

// guardInPlace makes the risky fields of fields safe, taking guards from
// *pool (grown as needed and kept by the caller for the next line), or new
// ones when pool is nil.
func guardInPlace(fields []zapcore.Field, pool *[]guard) {
	n := 0
	for _, f := range fields {
		if risky(f) {
			n++
		}
	}
	if n == 0 {
		return
	}
	var gs []guard
	switch {
	case pool == nil:
		gs = make([]guard, n)
	case cap(*pool) < n:
		*pool = make([]guard, n)
		fallthrough
	default:
		gs = (*pool)[:n]
	}
	for i, f := range fields {
		if risky(f) {
			fields[i] = guardField(f, &gs[0])
			gs = gs[1:]
		}
	}
}

// safeWith is c.With(fields), again with guarded fields if it panics.
func safeWith(c zapcore.Core, fields []zapcore.Field) zapcore.Core {
	return withGuarded(fields, c.With)
}

// withGuarded returns with(fields), or, if that panics and a field is
// risky, with(fields) again with every risky field guarded. A With produces
// its result before anything is written, so it can simply run again.
func withGuarded(fields []zapcore.Field, with func([]zapcore.Field) zapcore.Core) (out zapcore.Core) {
	defer func() {
		if v := recover(); v != nil {
			if !anyRisky(fields) {
				panic(v)
			}
			out = with(guardFields(fields))
		}
	}()
	return with(fields)
}

// guardErrors returns fields with every error keyed "error" whose Error
// panics replaced by its note; fields itself when there is none. It is for
// With: the OTLP bridge keeps a bound error and calls Error on every line.
func guardErrors(fields []zapcore.Field) []zapcore.Field {
	var out []zapcore.Field
	for i, f := range fields {
		if f.Type != zapcore.ErrorType || f.Key != "error" {
			continue
		}
		if err, _ := f.Interface.(error); err == nil || errorIsSafe(err) {
			continue
		}
		if out == nil {
			out = append([]zapcore.Field(nil), fields...)
		}
		out[i] = guardField(f, nil)
	}
	if out == nil {
		return fields
	}
	return out
}
