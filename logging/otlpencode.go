package logging

import (
	"context"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap/zapcore"
)

// attrEncoder turns zap fields into OTLP attributes the way the contrib
// otelzap bridge does (see otlpValue for the conversions), but without
// allocating per line: it is pooled (otlpcore.go), and nested objects,
// namespaces and arrays are built on two flat stacks it keeps, kvs and
// vals. attribute.MapValue and SliceValue copy what they are given, so a
// nested value never refers to the stacks.
//
// A namespace folds every later field of its object into one map
// attribute, when the object ends: a namespace opened in the call's
// fields holds the rest of the call's fields, one in bound fields the rest
// of those (otelzap converts bound fields apart from the call's).
type attrEncoder struct {
	kvs  []attribute.KeyValue // the attributes of the objects being encoded, outermost first
	vals []attribute.Value    // the elements of the arrays being encoded
	ns   []nsMark             // the open namespaces, outermost first
}

// nsMark is an open namespace: its name and where its fields start in kvs.
type nsMark struct {
	name  string
	start int
}

var (
	_ zapcore.ObjectEncoder = (*attrEncoder)(nil)
	_ zapcore.ArrayEncoder  = (*attrEncoder)(nil)
)

// convert appends fields to e.kvs as otelzap's convertField does: a field
// holding a context.Context is not an attribute but returned (the last
// one wins), and an error field keyed "error" is not an attribute but
// returned (when not nil) as the record's error.
func (e *attrEncoder) convert(fields []zapcore.Field) (ctx context.Context, err error) {
	for i := range fields {
		f := &fields[i]
		if c, ok := f.Interface.(context.Context); ok {
			ctx = c
			continue
		}
		if f.Type == zapcore.ErrorType && f.Key == "error" {
			if fe, ok := f.Interface.(error); ok && fe != nil {
				err = fe
			}
			continue
		}
		if f.Type == zapcore.InlineMarshalerType && f.Key == "" {
			inlineKey(*f).AddTo(e) // its note "inlineError", as on the line
			continue
		}
		f.AddTo(e)
	}
	e.closeNamespaces(0)
	return ctx, err
}

// closeNamespaces folds the namespaces opened after the first from ones,
// innermost first, each into a map attribute at the end of its parent.
func (e *attrEncoder) closeNamespaces(from int) {
	for i := len(e.ns) - 1; i >= from; i-- {
		m := e.ns[i]
		v, end := attribute.MapValue(e.kvs[m.start:]...), len(e.kvs)
		e.kvs = append(e.kvs[:m.start], attribute.KeyValue{Key: attribute.Key(m.name), Value: v})
		if n := len(e.kvs); n < end {
			clear(e.kvs[n:end]) // the pool keeps no reference
		}
	}
	clear(e.ns[from:])
	e.ns = e.ns[:from]
}

// object encodes v on top of the stack and returns it as a map value.
func (e *attrEncoder) object(v zapcore.ObjectMarshaler) (attribute.Value, error) {
	start, ns := len(e.kvs), len(e.ns)
	err := v.MarshalLogObject(e)
	e.closeNamespaces(ns)
	m := attribute.MapValue(e.kvs[start:]...)
	clear(e.kvs[start:])
	e.kvs = e.kvs[:start]
	return m, err
}

// array encodes v on top of the stack and returns it as a slice value.
func (e *attrEncoder) array(v zapcore.ArrayMarshaler) (attribute.Value, error) {
	start := len(e.vals)
	err := v.MarshalLogArray(e)
	s := attribute.SliceValue(e.vals[start:]...)
	clear(e.vals[start:])
	e.vals = e.vals[:start]
	return s, err
}

func (e *attrEncoder) add(k string, v attribute.Value) {
	e.kvs = append(e.kvs, attribute.KeyValue{Key: attribute.Key(k), Value: v})
}

// zapcore.ObjectEncoder

func (e *attrEncoder) AddArray(k string, v zapcore.ArrayMarshaler) error {
	s, err := e.array(v)
	e.add(k, s)
	return err
}

func (e *attrEncoder) AddObject(k string, v zapcore.ObjectMarshaler) error {
	m, err := e.object(v)
	e.add(k, m)
	return err
}

func (e *attrEncoder) OpenNamespace(k string) {
	e.ns = append(e.ns, nsMark{name: k, start: len(e.kvs)})
}

func (e *attrEncoder) AddReflected(k string, v any) error { e.add(k, otlpValue(v)); return nil }

func (e *attrEncoder) AddBinary(k string, v []byte)     { e.add(k, attribute.ByteSliceValue(v)) }
func (e *attrEncoder) AddByteString(k string, v []byte) { e.add(k, attribute.StringValue(string(v))) }
func (e *attrEncoder) AddBool(k string, v bool)         { e.add(k, attribute.BoolValue(v)) }
func (e *attrEncoder) AddComplex128(k string, v complex128) {
	e.add(k, complexValue(v))
}
func (e *attrEncoder) AddComplex64(k string, v complex64)    { e.add(k, complexValue(complex128(v))) }
func (e *attrEncoder) AddDuration(k string, v time.Duration) { e.AddInt64(k, v.Nanoseconds()) }
func (e *attrEncoder) AddFloat64(k string, v float64)        { e.add(k, attribute.Float64Value(v)) }
func (e *attrEncoder) AddFloat32(k string, v float32)        { e.AddFloat64(k, float64(v)) }
func (e *attrEncoder) AddInt(k string, v int)                { e.add(k, attribute.IntValue(v)) }
func (e *attrEncoder) AddInt64(k string, v int64)            { e.add(k, attribute.Int64Value(v)) }
func (e *attrEncoder) AddInt32(k string, v int32)            { e.AddInt64(k, int64(v)) }
func (e *attrEncoder) AddInt16(k string, v int16)            { e.AddInt64(k, int64(v)) }
func (e *attrEncoder) AddInt8(k string, v int8)              { e.AddInt64(k, int64(v)) }
func (e *attrEncoder) AddString(k, v string)                 { e.add(k, attribute.StringValue(v)) }
func (e *attrEncoder) AddTime(k string, v time.Time)         { e.AddInt64(k, v.UnixNano()) }
func (e *attrEncoder) AddUint(k string, v uint)              { e.AddUint64(k, uint64(v)) }
func (e *attrEncoder) AddUint64(k string, v uint64)          { e.add(k, uintValue(v)) }
func (e *attrEncoder) AddUint32(k string, v uint32)          { e.AddInt64(k, int64(v)) }
func (e *attrEncoder) AddUint16(k string, v uint16)          { e.AddInt64(k, int64(v)) }
func (e *attrEncoder) AddUint8(k string, v uint8)            { e.AddInt64(k, int64(v)) }
func (e *attrEncoder) AddUintptr(k string, v uintptr)        { e.AddUint64(k, uint64(v)) }
func (e *attrEncoder) appendValue(v attribute.Value)         { e.vals = append(e.vals, v) }
func (e *attrEncoder) AppendBool(v bool)                     { e.appendValue(attribute.BoolValue(v)) }
func (e *attrEncoder) AppendByteString(v []byte)             { e.appendValue(attribute.StringValue(string(v))) }
func (e *attrEncoder) AppendComplex128(v complex128)         { e.appendValue(complexValue(v)) }
func (e *attrEncoder) AppendComplex64(v complex64)           { e.appendValue(complexValue(complex128(v))) }
func (e *attrEncoder) AppendFloat64(v float64)               { e.appendValue(attribute.Float64Value(v)) }
func (e *attrEncoder) AppendFloat32(v float32)               { e.AppendFloat64(float64(v)) }
func (e *attrEncoder) AppendInt(v int)                       { e.appendValue(attribute.IntValue(v)) }
func (e *attrEncoder) AppendInt64(v int64)                   { e.appendValue(attribute.Int64Value(v)) }
func (e *attrEncoder) AppendInt32(v int32)                   { e.AppendInt64(int64(v)) }
func (e *attrEncoder) AppendInt16(v int16)                   { e.AppendInt64(int64(v)) }
func (e *attrEncoder) AppendInt8(v int8)                     { e.AppendInt64(int64(v)) }
func (e *attrEncoder) AppendString(v string)                 { e.appendValue(attribute.StringValue(v)) }
func (e *attrEncoder) AppendUint64(v uint64)                 { e.appendValue(uintValue(v)) }
func (e *attrEncoder) AppendUint(v uint)                     { e.AppendUint64(uint64(v)) }
func (e *attrEncoder) AppendUint32(v uint32)                 { e.AppendInt64(int64(v)) }
func (e *attrEncoder) AppendUint16(v uint16)                 { e.AppendInt64(int64(v)) }
func (e *attrEncoder) AppendUint8(v uint8)                   { e.AppendInt64(int64(v)) }
func (e *attrEncoder) AppendUintptr(v uintptr)               { e.AppendUint64(uint64(v)) }
func (e *attrEncoder) AppendDuration(v time.Duration)        { e.AppendInt64(v.Nanoseconds()) }
func (e *attrEncoder) AppendTime(v time.Time)                { e.AppendInt64(v.UnixNano()) }
func (e *attrEncoder) AppendReflected(v any) error           { e.appendValue(otlpValue(v)); return nil }
func (e *attrEncoder) AppendArray(v zapcore.ArrayMarshaler) error {
	s, err := e.array(v)
	e.appendValue(s)
	return err
}

func (e *attrEncoder) AppendObject(v zapcore.ObjectMarshaler) error {
	m, err := e.object(v)
	e.appendValue(m)
	return err
}

// complexValue is a complex number as otelzap writes it: a map of r and i.
func complexValue(v complex128) attribute.Value {
	return attribute.MapValue(attribute.Float64("r", real(v)), attribute.Float64("i", imag(v)))
}

// uintValue is an unsigned field as otelzap's encoder writes it: an int64
// when it fits, else a float64 (a reflected one becomes a string, see
// otlpValue).
func uintValue(v uint64) attribute.Value {
	if v > 1<<63-1 {
		return attribute.Float64Value(float64(v))
	}
	return attribute.Int64Value(int64(v))
}

// plainAttrs appends to kvs the prefix and then the call's fields, and
// returns where the call's start, when every field is a plain value that
// converts without an encoder (isPlain) and all fit in stackAttrs; false
// otherwise (kvs is then to be ignored).
func (o *otlpCore) plainAttrs(kvs []attribute.KeyValue, ent zapcore.Entry, fields []zapcore.Field) (_ []attribute.KeyValue, call int, ok bool) {
	if len(o.attrs)+3+len(fields) > stackAttrs {
		return kvs, 0, false
	}
	for i := range fields {
		if !isPlain(&fields[i]) {
			return kvs, 0, false
		}
	}
	kvs = o.prefix(kvs, ent)
	call = len(kvs)
	for i := range fields {
		if f := &fields[i]; f.Type != zapcore.SkipType {
			kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(f.Key), Value: plainValue(f)})
		}
	}
	return kvs, call, true
}

// isPlain reports whether f converts without an encoder: its value is in
// the field itself (a Skip field adds nothing). A field carrying a
// context or an error never is.
func isPlain(f *zapcore.Field) bool {
	switch f.Type {
	case zapcore.StringType, zapcore.BoolType, zapcore.DurationType,
		zapcore.Int64Type, zapcore.Int32Type, zapcore.Int16Type, zapcore.Int8Type,
		zapcore.Uint64Type, zapcore.Uint32Type, zapcore.Uint16Type, zapcore.Uint8Type, zapcore.UintptrType,
		zapcore.Float64Type, zapcore.Float32Type, zapcore.TimeType:
		return true
	case zapcore.SkipType:
		return f.Interface == nil
	}
	return false
}

// plainValue is what attrEncoder makes of a plain field, through zap's
// Field.AddTo (the parity test holds both to otelzap).
func plainValue(f *zapcore.Field) attribute.Value {
	switch f.Type {
	case zapcore.StringType:
		return attribute.StringValue(f.String)
	case zapcore.BoolType:
		return attribute.BoolValue(f.Integer == 1)
	case zapcore.Uint64Type, zapcore.UintptrType:
		return uintValue(uint64(f.Integer))
	case zapcore.Uint32Type:
		return attribute.Int64Value(int64(uint32(f.Integer)))
	case zapcore.Uint16Type:
		return attribute.Int64Value(int64(uint16(f.Integer)))
	case zapcore.Uint8Type:
		return attribute.Int64Value(int64(uint8(f.Integer)))
	case zapcore.Int32Type:
		return attribute.Int64Value(int64(int32(f.Integer)))
	case zapcore.Int16Type:
		return attribute.Int64Value(int64(int16(f.Integer)))
	case zapcore.Int8Type:
		return attribute.Int64Value(int64(int8(f.Integer)))
	case zapcore.Float64Type:
		return attribute.Float64Value(math.Float64frombits(uint64(f.Integer)))
	case zapcore.Float32Type:
		return attribute.Float64Value(float64(math.Float32frombits(uint32(f.Integer))))
	}
	// Int64, Duration (nanoseconds) and Time (Unix nanoseconds, whatever
	// its location) all hold their value in Integer.
	return attribute.Int64Value(f.Integer)
}
