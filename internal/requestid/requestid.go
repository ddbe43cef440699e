// Package requestid holds otelkit's rules for request IDs: which incoming
// values are accepted, how new ones are made, and when a client sends the
// caller's value rather than the context's (ReplaceOutgoing).
//
// An incoming ID is accepted when it is 1 to MaxLen characters, each one of
// [A-Za-z0-9._~:/+=@-]. That set cannot break a log line, a header or a JSON
// string: no spaces, quotes, backslashes, control characters or non-ASCII.
// A new ID is 32 lowercase hex characters from crypto/rand (128 random bits):
// unguessable and not a counter.
package requestid

import (
	"crypto/rand"
	"encoding/hex"
)

// MaxLen is the longest request ID accepted from a client.
const MaxLen = 128

// DefaultHeader is the header that carries the request ID unless configured
// otherwise.
const DefaultHeader = "X-Request-ID"

// allowed[c] reports whether byte c may appear in a request ID.
var allowed = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "._~:/+=@-" {
		t[c] = true
	}
	return t
}()

// Valid reports whether s is an acceptable request ID: 1 to MaxLen
// characters of [A-Za-z0-9._~:/+=@-].
func Valid(s string) bool {
	if len(s) == 0 || len(s) > MaxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !allowed[s[i]] {
			return false
		}
	}
	return true
}

// FromHeader returns the request ID carried by the values of one header
// (as in http.Header[name]) and true when there is exactly one value and it
// is Valid. A missing, repeated or invalid header gives "" and false.
func FromHeader(values []string) (string, bool) {
	if len(values) != 1 || !Valid(values[0]) {
		return "", false
	}
	return values[0], true
}

// New returns a fresh request ID: 32 lowercase hex characters holding 128
// bits from crypto/rand. It never fails; should the system's random source
// fail (crypto/rand documents that it does not on supported platforms), the
// process crashes inside crypto/rand rather than returning a guessable ID.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never returns an error (crypto/rand docs, Go 1.24+)
	var out [32]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}

// ReplaceOutgoing reports whether a client replaces values, the values of
// the request-ID header (or metadata key) that the caller set on an
// outgoing request, with ctxID, the request ID of the request's context.
//
// The caller's value stands only when FromHeader accepts it: a server with
// these rules would refuse any other and make an ID of its own, which no
// line on the client's side carries. A gateway that copies its client's
// headers to the call it makes would otherwise send on the raw value its
// own server side refused, and the request could not be followed across
// the hop. With no ID in the context (ctxID "") nothing is replaced: the
// client has no better value, a new one made here would be carried by no
// line either, and a server with looser rules than these may still use the
// caller's. An otelkit server then makes its own ID, as for a request sent
// without one.
//
// A request without the header (values empty) costs no validation.
func ReplaceOutgoing(values []string, ctxID string) bool {
	if ctxID == "" {
		return false
	}
	_, ok := FromHeader(values)
	return !ok
}

// Resolve returns the incoming request ID when FromHeader accepts values,
// and a New one otherwise. The bool reports whether the incoming one was
// kept.
func Resolve(values []string) (string, bool) {
	if id, ok := FromHeader(values); ok {
		return id, true
	}
	return New(), false
}
