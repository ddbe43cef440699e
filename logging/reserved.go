package logging

import (
	"encoding"
	"encoding/json"
	"reflect"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
)

// Reserved keys: the keys a line writes itself are never repeated by a
// user's field, which a last-wins JSON parser would take instead of the
// line's own (a trace_id of the user's breaking the link to the trace). A
// top-level field whose key is reserved gets reservedSuffix appended:
// "level" becomes "level_". Which keys are reserved depends on the profile
// and the line:
//
//   - on every line, the profile's line keys (profile.lineKeys): time,
//     level, message, caller, trace, request ID, logger name, stack trace,
//     constant and service members, under the profile's names;
//   - on a request's lines (its logger, FromContext in its context, its
//     access line), also the request keys (profile.requestKeys): method,
//     path, route and the access line's own keys.
//
// Fields bound with With (zap's or this package's) are checked against
// both sets, since a bound logger may go on to serve requests. Fields after
// a zap.Namespace (slog's WithGroup) are nested, so not checked; the keys a
// zap.Inline marshaler of the user's writes at the top level are. The OTLP
// bridge gets every field under its own key: a record's attributes cannot
// collide with its body, severity or trace context.
//
// A profile may also reserve keys for values that are not objects
// (profile.objectKeys): ecs, whose field set names (user, host, url, …)
// an index with the ECS template maps as objects, and which the line
// itself writes under (service.name, url.path). Elasticsearch rejects a
// document that gives such a field a string, number, bool or array ("tried
// to parse field [user] as object, but found a concrete value"), and the
// line would be lost; an object (zap.Object, zap.Dict, a zap.Namespace, a
// map or struct given to zap.Any) is how a user writes ECS-shaped data and
// keeps its key. These keys share the filter of the others, so a line
// without a reserved key costs what it did.
//
// A line without a reserved key costs a length-bucketed string compare per
// top-level field and no allocation.

// reservedSuffix is appended to a user's key that is reserved.
const reservedSuffix = "_"

// reservedKeys is a set of keys. A key not in it is told apart, nearly
// always, by one bit of a filter on its length and end bytes; the rest by
// a compare with the keys of its length.
type reservedKeys struct {
	filter [4]uint64
	byLen  [][]keyRename
}

// filterBit is the bit of key in reservedKeys.filter (key is not empty).
func filterBit(key string) uint8 {
	return key[0]*31 ^ key[len(key)-1]*7 ^ uint8(len(key))
}

// keyRename is a reserved key and what a user's field of that key becomes;
// objectOK: a field whose value is an object keeps the key.
type keyRename struct {
	key, to  string
	objectOK bool
}

// newReservedKeys returns the set of keys, reserved for every value, and
// objectKeys, reserved for values that are not objects (a key in both is
// reserved for every value).
func newReservedKeys(keys, objectKeys []string) reservedKeys {
	var r reservedKeys
	r.add(keys, false)
	r.add(objectKeys, true)
	return r
}

func (r *reservedKeys) add(keys []string, objectOK bool) {
	for _, k := range keys {
		if k == "" {
			continue
		}
		for len(r.byLen) <= len(k) {
			r.byLen = append(r.byLen, nil)
		}
		if _, dup := r.lookup(k); !dup {
			r.byLen[len(k)] = append(r.byLen[len(k)], keyRename{k, k + reservedSuffix, objectOK})
			b := filterBit(k)
			r.filter[b>>6] |= 1 << (b & 63)
		}
	}
}

// mayHave reports whether key may be in the set: false means it is not.
// It is small enough to inline into the loop over a line's fields.
func (r *reservedKeys) mayHave(key string) bool {
	if len(key) == 0 || len(key) >= len(r.byLen) {
		return false
	}
	b := filterBit(key)
	return r.filter[b>>6]&(1<<(b&63)) != 0
}

// lookup returns the entry of key, and whether key is in the set.
func (r *reservedKeys) lookup(key string) (keyRename, bool) {
	if !r.mayHave(key) {
		return keyRename{}, false
	}
	for _, kr := range r.byLen[len(key)] {
		if kr.key == key {
			return kr, true
		}
	}
	return keyRename{}, false
}

// keys returns every key of the set (for tests and docs).
func (r *reservedKeys) keys() []string {
	var out []string
	for _, b := range r.byLen {
		for _, kr := range b {
			out = append(out, kr.key)
		}
	}
	return out
}

// renamed returns the key a user's top-level field named key is written
// under when key is reserved on this line (inRequest: a request's line),
// ok, and objectOK: whether a value that is an object keeps key.
func (p *profile) renamed(key string, inRequest bool) (to string, objectOK, ok bool) {
	kr, ok := p.reservedFor(inRequest).lookup(key)
	return kr.to, kr.objectOK, ok
}

// renamedField returns the key f, a user's top-level field, is written
// under, and whether it is not f's own.
func (p *profile) renamedField(f zapcore.Field, inRequest bool) (string, bool) {
	to, objectOK, ok := p.renamed(f.Key, inRequest)
	if !ok || objectOK && isObjectField(f) {
		return "", false
	}
	return to, true
}

// reservedFor returns the keys reserved on a line (inRequest: a
// request's line).
func (p *profile) reservedFor(inRequest bool) *reservedKeys {
	if inRequest {
		return &p.allKeys
	}
	return &p.lineKeys
}

// ownInline reports whether f is an Inline field of this module, whose
// keys are the line's own (Err, the access line with its buffer counts)
// or already renamed.
func ownInline(f zapcore.Field) bool {
	switch f.Interface.(type) {
	case errFields, errKeys, *reqlog.Access, *reqlog.Own, *bufFinal, keptFields, *renamingMarshaler:
		return true
	}
	return false
}

// needsRename reports whether f, a user's top-level field, would repeat a
// key of the line: its key is reserved, or it is a user's Inline
// marshaler, whose keys are known only when it runs.
func (p *profile) needsRename(f zapcore.Field, inRequest bool) bool {
	switch f.Type {
	case zapcore.InlineMarshalerType:
		return !ownInline(f)
	case zapcore.SkipType:
		return false
	}
	_, ok := p.renamedField(f, inRequest)
	return ok
}

// renameKey returns f with its key renamed when it is reserved. A user's
// Inline marshaler is left to wrapInline.
func (p *profile) renameKey(f zapcore.Field, inRequest bool) zapcore.Field {
	if f.Type == zapcore.InlineMarshalerType || f.Type == zapcore.SkipType {
		return f
	}
	if to, ok := p.renamedField(f, inRequest); ok {
		f.Key = to
	}
	return f
}

// isUserInline reports whether f is an Inline field whose marshaler is
// not this module's.
func isUserInline(f zapcore.Field) bool {
	return f.Type == zapcore.InlineMarshalerType && !ownInline(f)
}

// wrapInline returns f, a user's Inline field, with its marshaler run
// through m, which renames the reserved keys it writes. A shared m (bound
// to a logger) makes a new encoder per line; an unshared one (pooled for
// one line) reuses its own.
func (p *profile) wrapInline(f zapcore.Field, inRequest bool, m *renamingMarshaler, shared bool) zapcore.Field {
	om, ok := f.Interface.(zapcore.ObjectMarshaler)
	if !ok {
		return f
	}
	*m = renamingMarshaler{m: om, p: p, inRequest: inRequest, shared: shared}
	f.Interface = m
	return f
}

// boundField returns f, bound with With, with a reserved key renamed
// (against the line and the request keys: the logger may serve requests)
// and a user's Inline marshaler wrapped.
func (p *profile) boundField(f zapcore.Field) zapcore.Field {
	if isUserInline(f) {
		return p.wrapInline(f, true, &renamingMarshaler{}, true)
	}
	return p.renameKey(f, true)
}

// isObjectField reports whether f, a top-level field, is written as a
// JSON object: an object marshaler, a namespace (the fields after it are
// its members) or a value for reflection that encodes as one. An Inline
// field has no key of its own (wrapInline renames what it writes).
func isObjectField(f zapcore.Field) bool {
	switch f.Type {
	case zapcore.ObjectMarshalerType, zapcore.NamespaceType:
		return true
	case zapcore.ReflectType:
		return reflectsAsObject(f.Interface)
	}
	return false
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// reflectsAsObject reports whether encoding/json, which zap's JSON encoder
// uses for reflection, writes v as an object (or null): a map or a struct,
// through pointers, without a marshaler of its own; with MarshalJSON,
// when what it returns is an object. A MarshalText value is a string.
func reflectsAsObject(v any) bool {
	for t := reflect.TypeOf(v); t != nil; t = t.Elem() {
		switch {
		case t.Implements(jsonMarshalerType):
			return marshalsAsObject(v)
		case t.Implements(textMarshalerType):
			return false
		case t.Kind() != reflect.Pointer:
			return t.Kind() == reflect.Map || t.Kind() == reflect.Struct
		}
	}
	return false
}

// marshalsAsObject reports whether v's JSON is an object; a value whose
// MarshalJSON fails or panics is not (the line notes the failure).
func marshalsAsObject(v any) (object bool) {
	defer func() {
		if recover() != nil {
			object = false
		}
	}()
	b, err := json.Marshal(v)
	return err == nil && len(b) > 0 && b[0] == '{'
}

// renamingMarshaler runs a user's Inline marshaler with an encoder that
// renames the reserved keys it writes at the top level.
type renamingMarshaler struct {
	m         zapcore.ObjectMarshaler
	p         *profile
	inRequest bool
	shared    bool
	enc       renamingEncoder // used when not shared
}

func (r *renamingMarshaler) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	re := &r.enc
	if r.shared {
		re = &renamingEncoder{}
	}
	*re = renamingEncoder{ObjectEncoder: enc, p: r.p, inRequest: r.inRequest}
	err := r.m.MarshalLogObject(re)
	re.ObjectEncoder = nil
	return err
}

// renamingEncoder renames reserved top-level keys; after OpenNamespace the
// keys are nested and kept.
type renamingEncoder struct {
	zapcore.ObjectEncoder
	p         *profile
	inRequest bool
	nested    bool
}

// k returns the key a value that is not an object is written under.
func (e *renamingEncoder) k(key string) string {
	if !e.nested {
		if to, _, ok := e.p.renamed(key, e.inRequest); ok {
			return to
		}
	}
	return key
}

// kObject returns the key an object is written under.
func (e *renamingEncoder) kObject(key string) string {
	if !e.nested {
		if to, objectOK, ok := e.p.renamed(key, e.inRequest); ok && !objectOK {
			return to
		}
	}
	return key
}

func (e *renamingEncoder) AddArray(k string, v zapcore.ArrayMarshaler) error {
	return e.ObjectEncoder.AddArray(e.k(k), v)
}

func (e *renamingEncoder) AddObject(k string, v zapcore.ObjectMarshaler) error {
	return e.ObjectEncoder.AddObject(e.kObject(k), v)
}
func (e *renamingEncoder) AddBinary(k string, v []byte)     { e.ObjectEncoder.AddBinary(e.k(k), v) }
func (e *renamingEncoder) AddByteString(k string, v []byte) { e.ObjectEncoder.AddByteString(e.k(k), v) }
func (e *renamingEncoder) AddBool(k string, v bool)         { e.ObjectEncoder.AddBool(e.k(k), v) }
func (e *renamingEncoder) AddComplex128(k string, v complex128) {
	e.ObjectEncoder.AddComplex128(e.k(k), v)
}
func (e *renamingEncoder) AddComplex64(k string, v complex64) {
	e.ObjectEncoder.AddComplex64(e.k(k), v)
}
func (e *renamingEncoder) AddDuration(k string, v time.Duration) {
	e.ObjectEncoder.AddDuration(e.k(k), v)
}
func (e *renamingEncoder) AddFloat64(k string, v float64) { e.ObjectEncoder.AddFloat64(e.k(k), v) }
func (e *renamingEncoder) AddFloat32(k string, v float32) { e.ObjectEncoder.AddFloat32(e.k(k), v) }
func (e *renamingEncoder) AddInt(k string, v int)         { e.ObjectEncoder.AddInt(e.k(k), v) }
func (e *renamingEncoder) AddInt64(k string, v int64)     { e.ObjectEncoder.AddInt64(e.k(k), v) }
func (e *renamingEncoder) AddInt32(k string, v int32)     { e.ObjectEncoder.AddInt32(e.k(k), v) }
func (e *renamingEncoder) AddInt16(k string, v int16)     { e.ObjectEncoder.AddInt16(e.k(k), v) }
func (e *renamingEncoder) AddInt8(k string, v int8)       { e.ObjectEncoder.AddInt8(e.k(k), v) }
func (e *renamingEncoder) AddString(k, v string)          { e.ObjectEncoder.AddString(e.k(k), v) }
func (e *renamingEncoder) AddTime(k string, v time.Time)  { e.ObjectEncoder.AddTime(e.k(k), v) }
func (e *renamingEncoder) AddUint(k string, v uint)       { e.ObjectEncoder.AddUint(e.k(k), v) }
func (e *renamingEncoder) AddUint64(k string, v uint64)   { e.ObjectEncoder.AddUint64(e.k(k), v) }
func (e *renamingEncoder) AddUint32(k string, v uint32)   { e.ObjectEncoder.AddUint32(e.k(k), v) }
func (e *renamingEncoder) AddUint16(k string, v uint16)   { e.ObjectEncoder.AddUint16(e.k(k), v) }
func (e *renamingEncoder) AddUint8(k string, v uint8)     { e.ObjectEncoder.AddUint8(e.k(k), v) }
func (e *renamingEncoder) AddUintptr(k string, v uintptr) { e.ObjectEncoder.AddUintptr(e.k(k), v) }
func (e *renamingEncoder) AddReflected(k string, v any) error {
	if !e.nested {
		if to, objectOK, ok := e.p.renamed(k, e.inRequest); ok && !(objectOK && reflectsAsObject(v)) {
			k = to
		}
	}
	return e.ObjectEncoder.AddReflected(k, v)
}

func (e *renamingEncoder) OpenNamespace(k string) {
	e.ObjectEncoder.OpenNamespace(e.kObject(k))
	e.nested = true
}

var (
	_ zapcore.ObjectEncoder   = (*renamingEncoder)(nil)
	_ zapcore.ObjectMarshaler = (*renamingMarshaler)(nil)
)
