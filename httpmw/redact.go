package httpmw

import (
	"net/url"
	"slices"
	"strings"
)

// One rule set decides which query parameters carry credentials, for the
// client span's url.full (Transport) and the access line's query
// (WithQueryLogging): their values become REDACTED, their names stay. URL
// user info becomes REDACTED:REDACTED, as the semantic conventions for
// url.full ask.

// redactedMark replaces a sensitive value.
const redactedMark = "REDACTED"

// DefaultRedactedParams returns the query parameters whose values Transport
// (url.full of client spans) and WithQueryLogging (the access line) replace
// by REDACTED, matched without regard to case: those the HTTP semantic
// conventions name for url.full (AWSAccessKeyId, Signature, sig,
// X-Goog-Signature), the pre-signed URL parameters of AWS and Google Cloud,
// and the usual names of tokens, keys, passwords, secrets and OAuth codes.
// Besides these, every name that starts with "x-amz-" or "x-goog-" or ends
// in "_token", "-token", "_key", "-key", "_secret", "-secret", "_password",
// "-password", "_signature" or "-signature" is redacted. WithRedactedParams
// adds names.
func DefaultRedactedParams() []string { return slices.Clone(defaultRedactedParams) }

var defaultRedactedParams = []string{
	// Semantic conventions (url.full, url.query).
	"AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature",
	// Pre-signed URLs.
	"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "X-Goog-Credential",
	// Tokens, keys, passwords, secrets.
	"token", "access_token", "refresh_token", "id_token", "auth", "authorization", "jwt",
	"api_key", "apikey", "api-key", "key", "password", "passwd", "pwd", "pass", "secret",
	"client_secret", "credential", "credentials", "session", "sessionid", "session_id",
	// OAuth 2.0 and OpenID Connect.
	"code", "code_verifier", "assertion", "client_assertion", "state", "nonce", "ticket",
	"signature",
}

// sensitivePrefixes and sensitiveSuffixes extend DefaultRedactedParams to
// families of names (lower case).
var (
	sensitivePrefixes = []string{"x-amz-", "x-goog-"}
	sensitiveSuffixes = []string{"_token", "-token", "_key", "-key", "_secret", "-secret",
		"_password", "-password", "_signature", "-signature"}
)

// redactor holds the lower-cased names of sensitive parameters. It is not
// changed after newRedactor, so requests share it. A nil *redactor redacts
// nothing (the benchmarks' baseline; configurations always have one).
type redactor struct {
	names map[string]struct{}
}

// defaultRedactor is the redactor without user names, shared by every
// configuration that adds none.
var defaultRedactor = newRedactor(nil)

func newRedactor(extra []string) *redactor {
	rd := &redactor{names: make(map[string]struct{}, len(defaultRedactedParams)+len(extra))}
	for _, n := range defaultRedactedParams {
		rd.names[strings.ToLower(n)] = struct{}{}
	}
	for _, n := range extra {
		if n = strings.TrimSpace(n); n != "" {
			rd.names[strings.ToLower(n)] = struct{}{}
		}
	}
	return rd
}

// sensitive reports whether the query parameter whose raw (still encoded)
// name is key must be redacted. Names up to 64 bytes are lower-cased on the
// stack, so the check allocates nothing for them.
func (rd *redactor) sensitive(key string) bool {
	if strings.ContainsAny(key, "%+") {
		if dk, err := url.QueryUnescape(key); err == nil {
			key = dk
		}
	}
	var buf [64]byte
	if len(key) <= len(buf) {
		n := copy(buf[:], key)
		for i := range n {
			if c := buf[i]; 'A' <= c && c <= 'Z' {
				buf[i] = c + 'a' - 'A'
			}
		}
		if _, ok := rd.names[string(buf[:n])]; ok { // no allocation: map index
			return true
		}
	} else if _, ok := rd.names[strings.ToLower(key)]; ok {
		return true
	}
	for _, p := range sensitivePrefixes {
		if len(key) >= len(p) && strings.EqualFold(key[:len(p)], p) {
			return true
		}
	}
	for _, s := range sensitiveSuffixes {
		if len(key) >= len(s) && strings.EqualFold(key[len(key)-len(s):], s) {
			return true
		}
	}
	return false
}

// needsRedaction reports whether raw holds a sensitive parameter with a
// value. Parameters are separated by "&" or ";" (servers differ, so both
// count: "a=1;sig=S" must not leak S).
func (rd *redactor) needsRedaction(raw string) bool {
	if rd == nil {
		return false
	}
	for raw != "" {
		var part string
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			part, raw = raw[:i], raw[i+1:]
		} else {
			part, raw = raw, ""
		}
		if key, val, ok := strings.Cut(part, "="); ok && val != "" && rd.sensitive(key) {
			return true
		}
	}
	return false
}

// query returns raw with the value of every sensitive parameter replaced
// by REDACTED; separators, names, order and the other values are kept. It
// returns raw itself (no copy) when there is nothing to redact.
func (rd *redactor) query(raw string) string {
	if !rd.needsRedaction(raw) {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	for raw != "" {
		part, sep := raw, ""
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			part, sep, raw = raw[:i], raw[i:i+1], raw[i+1:]
		} else {
			raw = ""
		}
		if key, val, ok := strings.Cut(part, "="); ok && val != "" && rd.sensitive(key) {
			b.WriteString(key)
			b.WriteString("=" + redactedMark)
		} else {
			b.WriteString(part)
		}
		b.WriteString(sep)
	}
	return b.String()
}

// url returns u with user info replaced by REDACTED:REDACTED and sensitive
// query values by REDACTED, and whether anything was replaced; u itself is
// returned (not copied) when nothing was.
func (rd *redactor) url(u *url.URL) (*url.URL, bool) {
	if u == nil {
		return u, false
	}
	q := rd.query(u.RawQuery)
	if u.User == nil && q == u.RawQuery {
		return u, false
	}
	c := *u
	c.RawQuery = q
	if c.User != nil {
		c.User = url.UserPassword(redactedMark, redactedMark)
	}
	return &c, true
}
