package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// A buffered line is written later, perhaps much later, but must say what
// its fields held when it was logged. A core built by New encodes the line
// at once (buffer.go), but a zap core of a foreign logger, and the OTLP
// bridge, take fields, not bytes. For them, capture turns fields into
// fields that write the same thing and hold only values: marshalers
// (Object, Array, Inline) are run now and their output recorded as fields,
// Stringers called, byte slices copied, values for reflection encoded as
// JSON and decoded again, errors kept as their message, verbose form,
// causes and type (so the bridge still makes the record's exception
// attributes from them). A marshaler that panics is recorded as zap does it,
// "<key>Error": "PANIC=<value>".

// capture appends to dst the captured form of a and then b, and returns
// it with an estimate of the bytes it holds. The recorder comes from a
// pool: as an ObjectEncoder handed to marshalers it would escape.
func capture(dst, a, b []zapcore.Field) ([]zapcore.Field, int) {
	r := recorderPool.Get().(*recorder)
	r.fields, r.size = dst, 0
	for _, f := range a {
		r.field(f)
	}
	for _, f := range b {
		r.field(f)
	}
	out, size := r.fields, r.size
	r.fields = nil
	recorderPool.Put(r)
	return out, size
}

var recorderPool = sync.Pool{New: func() any { return new(recorder) }}

// recorder is a zapcore.ObjectEncoder that keeps what is added to it as
// fields holding values.
type recorder struct {
	fields []zapcore.Field
	size   int
	g      guard // the guard of the field being recorded (field)
}

var _ zapcore.ObjectEncoder = (*recorder)(nil)

// fieldOverhead is the estimated cost of one captured field besides its
// key and text.
const fieldOverhead = 64

func (r *recorder) keep(f zapcore.Field) {
	r.fields = append(r.fields, f)
	r.size += fieldOverhead + len(f.Key) + len(f.String)
}

// field records f.
func (r *recorder) field(f zapcore.Field) {
	switch f.Type {
	case zapcore.ErrorType:
		if err, ok := f.Interface.(error); ok && err != nil {
			if c, ok := captureError(err); ok {
				r.keep(zapcore.Field{Key: f.Key, Type: zapcore.ErrorType, Interface: c})
				r.size += len(c.Error())
				return
			}
		}
		r.run(f)
	case zapcore.ArrayMarshalerType, zapcore.ObjectMarshalerType, zapcore.InlineMarshalerType:
		if isContextField(f) {
			r.keep(f) // a context is the bridge's, never encoded
			return
		}
		if risky(f) {
			// Guarded as a line written at once guards it (safe.go): a
			// panic inside a value the marshaler nests stops there, and
			// what the marshaler writes before and after it is kept.
			f = guardField(f, &r.g)
		}
		r.run(f)
		r.g = guard{}
	case zapcore.ReflectType, zapcore.StringerType, zapcore.BinaryType, zapcore.ByteStringType:
		r.run(f)
	default: // values, namespaces, skipped fields
		r.keep(f)
	}
}

// run records what f.AddTo adds, and a note for a panic on the way.
func (r *recorder) run(f zapcore.Field) {
	defer func() {
		if v := recover(); v != nil {
			r.AddString(f.Key+"Error", panicNote(v))
		}
	}()
	f.AddTo(r)
}

func (r *recorder) AddArray(k string, v zapcore.ArrayMarshaler) error {
	a := &arrayRecorder{}
	err := v.MarshalLogArray(a)
	r.keep(zap.Array(k, a.elems))
	r.size += a.size
	return err
}

func (r *recorder) AddObject(k string, v zapcore.ObjectMarshaler) error {
	o := &recorder{}
	err := v.MarshalLogObject(o)
	r.keep(zap.Object(k, recordedObject(o.fields)))
	r.size += o.size
	return err
}

func (r *recorder) AddReflected(k string, v any) error {
	val, err := captureReflected(v)
	if err != nil {
		return err
	}
	r.keep(zap.Reflect(k, val))
	r.size += 64
	return nil
}

func (r *recorder) AddBinary(k string, v []byte) {
	r.keep(zap.Binary(k, bytes.Clone(v)))
	r.size += len(v)
}

func (r *recorder) AddByteString(k string, v []byte) {
	r.keep(zap.ByteString(k, bytes.Clone(v)))
	r.size += len(v)
}

func (r *recorder) AddBool(k string, v bool)             { r.keep(zap.Bool(k, v)) }
func (r *recorder) AddComplex128(k string, v complex128) { r.keep(zap.Complex128(k, v)) }
func (r *recorder) AddComplex64(k string, v complex64)   { r.keep(zap.Complex64(k, v)) }
func (r *recorder) AddDuration(k string, v time.Duration) {
	r.keep(zap.Duration(k, v))
}
func (r *recorder) AddFloat64(k string, v float64) { r.keep(zap.Float64(k, v)) }
func (r *recorder) AddFloat32(k string, v float32) { r.keep(zap.Float32(k, v)) }
func (r *recorder) AddInt(k string, v int)         { r.keep(zap.Int(k, v)) }
func (r *recorder) AddInt64(k string, v int64)     { r.keep(zap.Int64(k, v)) }
func (r *recorder) AddInt32(k string, v int32)     { r.keep(zap.Int32(k, v)) }
func (r *recorder) AddInt16(k string, v int16)     { r.keep(zap.Int16(k, v)) }
func (r *recorder) AddInt8(k string, v int8)       { r.keep(zap.Int8(k, v)) }
func (r *recorder) AddString(k, v string)          { r.keep(zap.String(k, v)) }
func (r *recorder) AddTime(k string, v time.Time)  { r.keep(zap.Time(k, v)) }
func (r *recorder) AddUint(k string, v uint)       { r.keep(zap.Uint(k, v)) }
func (r *recorder) AddUint64(k string, v uint64)   { r.keep(zap.Uint64(k, v)) }
func (r *recorder) AddUint32(k string, v uint32)   { r.keep(zap.Uint32(k, v)) }
func (r *recorder) AddUint16(k string, v uint16)   { r.keep(zap.Uint16(k, v)) }
func (r *recorder) AddUint8(k string, v uint8)     { r.keep(zap.Uint8(k, v)) }
func (r *recorder) AddUintptr(k string, v uintptr) { r.keep(zap.Uintptr(k, v)) }
func (r *recorder) OpenNamespace(k string)         { r.keep(zap.Namespace(k)) }

// recordedObject writes recorded fields again.
type recordedObject []zapcore.Field

func (o recordedObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range o {
		f.AddTo(enc)
	}
	return nil
}

// arrayRecorder is a zapcore.ArrayEncoder that keeps the elements appended
// to it as fields without keys; recordedArray writes them again.
type arrayRecorder struct {
	elems recordedArray
	size  int
}

type recordedArray []zapcore.Field

var _ zapcore.ArrayEncoder = (*arrayRecorder)(nil)

func (a *arrayRecorder) add(f zapcore.Field) {
	a.elems = append(a.elems, f)
	a.size += 16 + len(f.String)
}

func (a *arrayRecorder) AppendArray(v zapcore.ArrayMarshaler) error {
	s := &arrayRecorder{}
	err := v.MarshalLogArray(s)
	a.add(zap.Array("", s.elems))
	a.size += s.size
	return err
}

func (a *arrayRecorder) AppendObject(v zapcore.ObjectMarshaler) error {
	o := &recorder{}
	err := v.MarshalLogObject(o)
	a.add(zap.Object("", recordedObject(o.fields)))
	a.size += o.size
	return err
}

func (a *arrayRecorder) AppendReflected(v any) error {
	val, err := captureReflected(v)
	if err != nil {
		return err
	}
	a.add(zap.Reflect("", val))
	a.size += 64
	return nil
}

func (a *arrayRecorder) AppendByteString(v []byte) {
	a.add(zap.ByteString("", bytes.Clone(v)))
	a.size += len(v)
}

func (a *arrayRecorder) AppendBool(v bool)              { a.add(zap.Bool("", v)) }
func (a *arrayRecorder) AppendComplex128(v complex128)  { a.add(zap.Complex128("", v)) }
func (a *arrayRecorder) AppendComplex64(v complex64)    { a.add(zap.Complex64("", v)) }
func (a *arrayRecorder) AppendFloat64(v float64)        { a.add(zap.Float64("", v)) }
func (a *arrayRecorder) AppendFloat32(v float32)        { a.add(zap.Float32("", v)) }
func (a *arrayRecorder) AppendInt(v int)                { a.add(zap.Int("", v)) }
func (a *arrayRecorder) AppendInt64(v int64)            { a.add(zap.Int64("", v)) }
func (a *arrayRecorder) AppendInt32(v int32)            { a.add(zap.Int32("", v)) }
func (a *arrayRecorder) AppendInt16(v int16)            { a.add(zap.Int16("", v)) }
func (a *arrayRecorder) AppendInt8(v int8)              { a.add(zap.Int8("", v)) }
func (a *arrayRecorder) AppendString(v string)          { a.add(zap.String("", v)) }
func (a *arrayRecorder) AppendUint(v uint)              { a.add(zap.Uint("", v)) }
func (a *arrayRecorder) AppendUint64(v uint64)          { a.add(zap.Uint64("", v)) }
func (a *arrayRecorder) AppendUint32(v uint32)          { a.add(zap.Uint32("", v)) }
func (a *arrayRecorder) AppendUint16(v uint16)          { a.add(zap.Uint16("", v)) }
func (a *arrayRecorder) AppendUint8(v uint8)            { a.add(zap.Uint8("", v)) }
func (a *arrayRecorder) AppendUintptr(v uintptr)        { a.add(zap.Uintptr("", v)) }
func (a *arrayRecorder) AppendDuration(v time.Duration) { a.add(zap.Duration("", v)) }
func (a *arrayRecorder) AppendTime(v time.Time)         { a.add(zap.Time("", v)) }

func (a recordedArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, f := range a {
		appendElem(enc, f)
	}
	return nil
}

// appendElem appends one recorded element: the ArrayEncoder counterpart
// of Field.AddTo for the field types arrayRecorder makes. The values were
// encoded once already, so no error is expected here and none is kept.
func appendElem(enc zapcore.ArrayEncoder, f zapcore.Field) {
	switch f.Type {
	case zapcore.ArrayMarshalerType:
		_ = enc.AppendArray(f.Interface.(zapcore.ArrayMarshaler))
	case zapcore.ObjectMarshalerType:
		_ = enc.AppendObject(f.Interface.(zapcore.ObjectMarshaler))
	case zapcore.ReflectType:
		_ = enc.AppendReflected(f.Interface)
	case zapcore.ByteStringType:
		enc.AppendByteString(f.Interface.([]byte))
	case zapcore.StringType:
		enc.AppendString(f.String)
	case zapcore.BoolType:
		enc.AppendBool(f.Integer == 1)
	case zapcore.DurationType:
		enc.AppendDuration(time.Duration(f.Integer))
	case zapcore.Complex128Type:
		enc.AppendComplex128(f.Interface.(complex128))
	case zapcore.Complex64Type:
		enc.AppendComplex64(f.Interface.(complex64))
	case zapcore.Float64Type:
		enc.AppendFloat64(math.Float64frombits(uint64(f.Integer)))
	case zapcore.Float32Type:
		enc.AppendFloat32(math.Float32frombits(uint32(f.Integer)))
	case zapcore.TimeType, zapcore.TimeFullType:
		enc.AppendTime(fieldTime(f))
	default:
		appendInteger(enc, f)
	}
}

// appendInteger appends a recorded integer.
func appendInteger(enc zapcore.ArrayEncoder, f zapcore.Field) {
	switch f.Type {
	case zapcore.Int64Type:
		enc.AppendInt64(f.Integer)
	case zapcore.Int32Type:
		enc.AppendInt32(int32(f.Integer))
	case zapcore.Int16Type:
		enc.AppendInt16(int16(f.Integer))
	case zapcore.Int8Type:
		enc.AppendInt8(int8(f.Integer))
	case zapcore.Uint64Type:
		enc.AppendUint64(uint64(f.Integer))
	case zapcore.Uint32Type:
		enc.AppendUint32(uint32(f.Integer))
	case zapcore.Uint16Type:
		enc.AppendUint16(uint16(f.Integer))
	case zapcore.Uint8Type:
		enc.AppendUint8(uint8(f.Integer))
	case zapcore.UintptrType:
		enc.AppendUintptr(uintptr(f.Integer))
	}
}

// fieldTime is the time a zap.Time field holds (as Field.AddTo reads it).
func fieldTime(f zapcore.Field) time.Time {
	if f.Type == zapcore.TimeFullType {
		return f.Interface.(time.Time)
	}
	if loc, ok := f.Interface.(*time.Location); ok && loc != nil {
		return time.Unix(0, f.Integer).In(loc)
	}
	return time.Unix(0, f.Integer)
}

// captureReflected returns v as JSON decoded again (objects, arrays,
// strings, bools, nil, and numbers as int64, float64 or, when neither holds
// them exactly, json.Number), so it writes what v wrote, with map keys in
// order.
func captureReflected(v any) (any, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as zap's JSON encoder
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return numbers(out), nil
}

// numbers replaces json.Number values in v by int64 or float64 where they
// hold the number exactly.
func numbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(string(t), 64); err == nil && strconv.FormatFloat(f, 'g', -1, 64) == string(t) {
			return f
		}
		return t
	case map[string]any:
		for k, e := range t {
			t[k] = numbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbers(e)
		}
	}
	return v
}

// capturedError is an error as it was when its line was logged: its
// message and the type the OTLP log SDK reports as exception.type
// (ErrorType). capturedVerbose adds the %+v form zap writes as
// "<key>Verbose"; capturedGroup the causes zap writes as "<key>Causes".
type capturedError struct{ msg, typ string }

func (e *capturedError) Error() string     { return e.msg }
func (e *capturedError) ErrorType() string { return e.typ }

type capturedVerbose struct {
	capturedError
	verbose string
}

func (e *capturedVerbose) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('+') {
		_, _ = io.WriteString(s, e.verbose)
		return
	}
	_, _ = io.WriteString(s, e.msg)
}

type capturedGroup struct {
	capturedError
	causes []error
}

func (e *capturedGroup) Errors() []error { return e.causes }

// captureError captures err, and reports false when its Error, Format or
// Errors method panics (the caller then records what zap writes for it).
func captureError(err error) (c error, ok bool) {
	defer func() {
		if recover() != nil {
			c, ok = nil, false
		}
	}()
	base := capturedError{typ: errorTypeName(err)}
	if v := reflect.ValueOf(err); v.Kind() == reflect.Pointer && v.IsNil() {
		base.msg = "<nil>" // what zap writes for a typed nil
		return &base, true
	}
	base.msg = err.Error()
	switch e := err.(type) {
	case interface{ Errors() []error }:
		g := &capturedGroup{capturedError: base}
		for _, cause := range e.Errors() {
			if cause == nil {
				continue
			}
			cc, ok := captureError(cause)
			if !ok {
				return nil, false
			}
			g.causes = append(g.causes, cc)
		}
		return g, true
	case fmt.Formatter:
		return &capturedVerbose{capturedError: base, verbose: fmt.Sprintf("%+v", e)}, true
	}
	return &base, true
}

var fmtWrapErrorType = reflect.TypeOf(fmt.Errorf("w: %w", errors.New("e")))

// errorTypeName is the exception.type the OTLP log SDK derives from err:
// its ErrorType method, else its type's package path and name, looking
// through fmt.Errorf's %w wrappers.
func errorTypeName(err error) string {
	if et, ok := err.(interface{ ErrorType() string }); ok {
		if s := et.ErrorType(); s != "" {
			return s
		}
	}
	for reflect.TypeOf(err) == fmtWrapErrorType {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	t := reflect.TypeOf(err)
	if t.PkgPath() != "" && t.Name() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	return t.String()
}
