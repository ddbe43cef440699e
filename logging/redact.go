package logging

import (
	"reflect"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/redact"
)

// A value the program logs under a key that names a credential
// (internal/redact's rule for keys, plus WithRedactedKeys) is written as
// REDACTED, its key kept, on every output of the core New builds: the JSON
// line in every profile, the console line and the OTLP bridge's
// attributes. It is done once per line, before the line is encoded or
// handed to the bridge (core.write), and once per With for bound fields:
//
//   - a top-level field under such a key becomes zap.String(key,
//     "REDACTED"), whatever its type (a number PIN, bytes, a Stringer, an
//     error, an object);
//   - an object, array or user's Inline marshaler under another key is run
//     through redactingMarshaler, whose encoder does the same for every key
//     the marshaler writes, at every depth (zap.Object, zap.Dict, arrays of
//     objects, namespaces).
//
// A value encoded by reflection (zap.Any of a map or struct) is out of
// reach: encoding/json writes it whole. A line whose fields have innocent
// keys and no marshaler costs one key check per field (redact.Rule.Match:
// a two-byte filter, no allocation) and no copy.

// DefaultRedactedKeys returns the keys whose values New's loggers write as
// REDACTED, matched without regard to case and with "-", "_" and "." as
// one character: jwt as the whole key; authorization, cookie, password,
// passwd, passphrase, pwd, secret, token, credential, credentials,
// api_key, api_keys, x_api_key, private_key, secret_key, access_key,
// secret_access_key, signing_key, encryption_key, hmac_key, master_key,
// session_key, auth_key, access_token, refresh_token, id_token, auth_token,
// oauth_token, session_token, bearer_token, csrf_token, xsrf_token and
// client_secret as the whole key or its last word(s), starting a word of
// the key (after "-", "_", "." or as a camel-case word; password, passwd
// and passphrase also run into the word before them: PGPASSWORD,
// newpassword), their parts with
// "-", "_", "." or nothing between them (access_token, accessToken,
// accesstoken, db.password, MYSQL_PWD, proxy-authorization, set-cookie,
// x-api-key, XAPIKey, APIToken, DBPwd, http.request.header.authorization;
// a camel-case word may follow an initialism, as in Go's names). A key in brackets is
// matched by what its last brackets hold, the innermost of nested ones
// (user[password], a[b[password]], headers["Authorization"],
// password[0]), and a last word naming an encoding or a confirmation
// field, or a number at the end, is looked past (PrivateKeyPEM,
// credentials_json, password_confirmation, password2). Not key alone, nor *_key in general
// (idempotency_key, cache_key), nor a word inside another (tokenizer,
// passwordless, notapikey, OLDPWD), nor one followed by another word
// (password_changed_at, tokens_used). WithRedactedKeys adds keys;
// WithoutKeyRedaction turns it off.
func DefaultRedactedKeys() []string {
	whole, words := redact.KeyNames()
	return slices.Concat(whole, words)
}

// redactFields returns fields with every value under a credential key
// replaced and every marshaler wrapped, in a pooled lineFields it returns
// for freeing once the line is written; fields itself, and nil, when
// nothing needs it (no copy).
func (c *core) redactFields(fields []zapcore.Field) ([]zapcore.Field, *lineFields) {
	if c.keys == nil {
		return fields, nil
	}
	for i := range fields {
		if mayRedact(c.keys, &fields[i]) {
			lf := getLineFields()
			out := append(lf.buf[:0], fields...)
			for j := i; j < len(out); j++ {
				if mayRedact(c.keys, &out[j]) {
					out[j] = redactField(c.keys, out[j], lf.redacter())
				}
			}
			lf.buf = out
			return out, lf
		}
	}
	return fields, nil
}

// redactBound is redactFields for fields bound with With: a copy, with
// marshalers wrapped in marshalers of their own (a bound logger writes
// lines at once).
func redactBound(rule *redact.Rule, fields []zapcore.Field) []zapcore.Field {
	var out []zapcore.Field
	for i := range fields {
		if rule == nil || !mayRedact(rule, &fields[i]) {
			continue
		}
		if out == nil {
			out = slices.Clone(fields)
		}
		out[i] = redactField(rule, fields[i], &redactingMarshaler{})
	}
	if out == nil {
		return fields
	}
	return out
}

// mayRedact reports whether f needs redactField: its key names a
// credential, or it is a marshaler whose keys are known only when it runs.
// A namespace holds no value (the fields after it are checked by their
// own keys); a Skip field writes nothing; this module's own Inline fields
// (Err, the access line) write the line's keys.
func mayRedact(rule *redact.Rule, f *zapcore.Field) bool {
	switch f.Type {
	case zapcore.SkipType, zapcore.NamespaceType:
		return false
	case zapcore.InlineMarshalerType:
		return isUserInline(*f)
	case zapcore.ArrayMarshalerType:
		if keylessArray(f.Interface) {
			return rule.Match(f.Key)
		}
		_, done := f.Interface.(*redactingMarshaler)
		return !done && f.Interface != nil
	case zapcore.ObjectMarshalerType:
		_, done := f.Interface.(*redactingMarshaler)
		return !done && f.Interface != nil
	}
	return rule.Match(f.Key) && !(f.Type == zapcore.StringType && f.String == redact.Mark)
}

// keylessArrays are the types of zap's arrays of plain values (zap.Strings,
// zap.Ints, …): they write no key, so a field holding one needs no
// redactingMarshaler, which would cost the line a copy of its fields.
var keylessArrays = []reflect.Type{
	reflect.TypeOf(zap.Bools("", nil).Interface), reflect.TypeOf(zap.ByteStrings("", nil).Interface),
	reflect.TypeOf(zap.Durations("", nil).Interface), reflect.TypeOf(zap.Float64s("", nil).Interface),
	reflect.TypeOf(zap.Float32s("", nil).Interface), reflect.TypeOf(zap.Ints("", nil).Interface),
	reflect.TypeOf(zap.Int64s("", nil).Interface), reflect.TypeOf(zap.Int32s("", nil).Interface),
	reflect.TypeOf(zap.Strings("", nil).Interface), reflect.TypeOf(zap.Times("", nil).Interface),
	reflect.TypeOf(zap.Uints("", nil).Interface), reflect.TypeOf(zap.Uint64s("", nil).Interface),
	reflect.TypeOf(zap.Uint32s("", nil).Interface),
}

// keylessArray reports whether m is one of keylessArrays.
func keylessArray(m any) bool {
	t := reflect.TypeOf(m)
	for _, k := range keylessArrays {
		if t == k {
			return true
		}
	}
	return false
}

// redactField returns f, for which mayRedact holds, as REDACTED under its
// key, or its marshaler run through m.
func redactField(rule *redact.Rule, f zapcore.Field, m *redactingMarshaler) zapcore.Field {
	if f.Type != zapcore.InlineMarshalerType && rule.Match(f.Key) {
		return zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redact.Mark}
	}
	if f.Type == zapcore.ObjectMarshalerType || f.Type == zapcore.ArrayMarshalerType || f.Type == zapcore.InlineMarshalerType {
		*m = redactingMarshaler{m: f.Interface, rule: rule}
		f.Interface = m
	}
	return f
}

// redactingMarshaler runs an object or array marshaler with an encoder
// that writes REDACTED under every credential key (redactingEncoder). It
// is not changed while it is encoded, so a bound one may serve several
// lines at once; each encoding takes its encoder from a pool.
type redactingMarshaler struct {
	m    any // a zapcore.ObjectMarshaler or zapcore.ArrayMarshaler
	rule *redact.Rule
}

var (
	_ zapcore.ObjectMarshaler = (*redactingMarshaler)(nil)
	_ zapcore.ArrayMarshaler  = (*redactingMarshaler)(nil)
)

func (r *redactingMarshaler) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	e := getRedactingEncoder(r.rule)
	e.ObjectEncoder = enc
	err := r.m.(zapcore.ObjectMarshaler).MarshalLogObject(e)
	e.free()
	return err
}

func (r *redactingMarshaler) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	e := getRedactingEncoder(r.rule)
	e.ArrayEncoder = enc
	err := r.m.(zapcore.ArrayMarshaler).MarshalLogArray(e)
	e.free()
	return err
}

// redactingEncoder is the encoder a wrapped marshaler writes to, as an
// object (every keyed Add is checked here; OpenNamespace passes, as a
// namespace holds no value) or as an array (its values have no key; the
// objects and arrays in it are wrapped). A panic in the marshaler leaves
// it out of its pool, which costs nothing but an allocation.
type redactingEncoder struct {
	zapcore.ObjectEncoder
	zapcore.ArrayEncoder
	rule  *redact.Rule
	child redactingMarshaler // the nested value being encoded (one at a time)
}

var redactingPool = sync.Pool{New: func() any { return new(redactingEncoder) }}

func getRedactingEncoder(rule *redact.Rule) *redactingEncoder {
	e := redactingPool.Get().(*redactingEncoder)
	e.rule = rule
	return e
}

func (e *redactingEncoder) free() {
	*e = redactingEncoder{}
	redactingPool.Put(e)
}

// hide writes REDACTED under k and reports true when k names a credential.
func (e *redactingEncoder) hide(k string) bool {
	if !e.rule.Match(k) {
		return false
	}
	e.ObjectEncoder.AddString(k, redact.Mark)
	return true
}

// nest returns m wrapped for the nested value about to be encoded.
func (e *redactingEncoder) nest(m any) *redactingMarshaler {
	e.child = redactingMarshaler{m: m, rule: e.rule}
	return &e.child
}

func (e *redactingEncoder) AddObject(k string, v zapcore.ObjectMarshaler) error {
	if e.hide(k) {
		return nil
	}
	err := e.ObjectEncoder.AddObject(k, e.nest(v))
	e.child = redactingMarshaler{}
	return err
}

func (e *redactingEncoder) AddArray(k string, v zapcore.ArrayMarshaler) error {
	if e.hide(k) {
		return nil
	}
	err := e.ObjectEncoder.AddArray(k, e.nest(v))
	e.child = redactingMarshaler{}
	return err
}

func (e *redactingEncoder) AppendObject(v zapcore.ObjectMarshaler) error {
	err := e.ArrayEncoder.AppendObject(e.nest(v))
	e.child = redactingMarshaler{}
	return err
}

func (e *redactingEncoder) AppendArray(v zapcore.ArrayMarshaler) error {
	err := e.ArrayEncoder.AppendArray(e.nest(v))
	e.child = redactingMarshaler{}
	return err
}

func (e *redactingEncoder) AddReflected(k string, v any) error {
	if e.hide(k) {
		return nil
	}
	return e.ObjectEncoder.AddReflected(k, v)
}

func (e *redactingEncoder) AddBinary(k string, v []byte) {
	if !e.hide(k) {
		e.ObjectEncoder.AddBinary(k, v)
	}
}

func (e *redactingEncoder) AddByteString(k string, v []byte) {
	if !e.hide(k) {
		e.ObjectEncoder.AddByteString(k, v)
	}
}

func (e *redactingEncoder) AddBool(k string, v bool) {
	if !e.hide(k) {
		e.ObjectEncoder.AddBool(k, v)
	}
}

func (e *redactingEncoder) AddComplex128(k string, v complex128) {
	if !e.hide(k) {
		e.ObjectEncoder.AddComplex128(k, v)
	}
}

func (e *redactingEncoder) AddComplex64(k string, v complex64) {
	if !e.hide(k) {
		e.ObjectEncoder.AddComplex64(k, v)
	}
}

func (e *redactingEncoder) AddDuration(k string, v time.Duration) {
	if !e.hide(k) {
		e.ObjectEncoder.AddDuration(k, v)
	}
}

func (e *redactingEncoder) AddFloat64(k string, v float64) {
	if !e.hide(k) {
		e.ObjectEncoder.AddFloat64(k, v)
	}
}

func (e *redactingEncoder) AddFloat32(k string, v float32) {
	if !e.hide(k) {
		e.ObjectEncoder.AddFloat32(k, v)
	}
}

func (e *redactingEncoder) AddInt(k string, v int) {
	if !e.hide(k) {
		e.ObjectEncoder.AddInt(k, v)
	}
}

func (e *redactingEncoder) AddInt64(k string, v int64) {
	if !e.hide(k) {
		e.ObjectEncoder.AddInt64(k, v)
	}
}

func (e *redactingEncoder) AddInt32(k string, v int32) {
	if !e.hide(k) {
		e.ObjectEncoder.AddInt32(k, v)
	}
}

func (e *redactingEncoder) AddInt16(k string, v int16) {
	if !e.hide(k) {
		e.ObjectEncoder.AddInt16(k, v)
	}
}

func (e *redactingEncoder) AddInt8(k string, v int8) {
	if !e.hide(k) {
		e.ObjectEncoder.AddInt8(k, v)
	}
}

func (e *redactingEncoder) AddString(k, v string) {
	if !e.hide(k) {
		e.ObjectEncoder.AddString(k, v)
	}
}

func (e *redactingEncoder) AddTime(k string, v time.Time) {
	if !e.hide(k) {
		e.ObjectEncoder.AddTime(k, v)
	}
}

func (e *redactingEncoder) AddUint(k string, v uint) {
	if !e.hide(k) {
		e.ObjectEncoder.AddUint(k, v)
	}
}

func (e *redactingEncoder) AddUint64(k string, v uint64) {
	if !e.hide(k) {
		e.ObjectEncoder.AddUint64(k, v)
	}
}

func (e *redactingEncoder) AddUint32(k string, v uint32) {
	if !e.hide(k) {
		e.ObjectEncoder.AddUint32(k, v)
	}
}

func (e *redactingEncoder) AddUint16(k string, v uint16) {
	if !e.hide(k) {
		e.ObjectEncoder.AddUint16(k, v)
	}
}

func (e *redactingEncoder) AddUint8(k string, v uint8) {
	if !e.hide(k) {
		e.ObjectEncoder.AddUint8(k, v)
	}
}

func (e *redactingEncoder) AddUintptr(k string, v uintptr) {
	if !e.hide(k) {
		e.ObjectEncoder.AddUintptr(k, v)
	}
}
