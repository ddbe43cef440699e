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
// Besides these, every name that starts with "x-amz-" or "x-goog-", or
// ends in token, key, secret, password or signature after "_" or "-" or as
// a camel-case word (accessToken, clientSecret), is redacted.
// WithRedactedParams adds names.
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

// sensitiveSuffixes extend DefaultRedactedParams to the names that end in
// "_" or "-" and one of these words; names starting with "x-amz-" or
// "x-goog-" are sensitive too.
var sensitiveSuffixes = map[string]struct{}{
	"token": {}, "key": {}, "secret": {}, "password": {}, "signature": {},
}

// sensitiveWords are sensitiveSuffixes as a slice, for camelSuffixed.
var sensitiveWords = []string{"token", "key", "secret", "password", "signature"}

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
	var buf [64]byte
	name := key
	low, escaped := appendLower(buf[:0], key)
	if escaped {
		if dk, err := url.QueryUnescape(key); err == nil {
			name = dk
			low, _ = appendLower(buf[:0], dk)
		}
	}
	if _, ok := rd.names[string(low)]; ok { // map index: no allocation
		return true
	}
	if len(low) > 6 && low[0] == 'x' && (string(low[:6]) == "x-amz-" || len(low) > 7 && string(low[:7]) == "x-goog-") {
		return true
	}
	for i := len(low) - 1; i >= 0; i-- {
		if low[i] == '_' || low[i] == '-' {
			if _, ok := sensitiveSuffixes[string(low[i+1:])]; ok {
				return true
			}
			break
		}
	}
	return camelSuffixed(name)
}

// camelSuffixed reports whether name ends in one of sensitiveSuffixes as
// a camel-case word (accessToken, clientSecret, accessKey): the word's
// first letter upper case after a lower-case letter or digit, so that
// "monkey" is not a key.
func camelSuffixed(name string) bool {
	for _, w := range sensitiveWords {
		i := len(name) - len(w)
		if i < 1 || !strings.EqualFold(name[i:], w) {
			continue
		}
		if c, p := name[i], name[i-1]; 'A' <= c && c <= 'Z' && ('a' <= p && p <= 'z' || '0' <= p && p <= '9') {
			return true
		}
	}
	return false
}

// appendLower appends s lower-cased (ASCII) to dst and reports whether s
// holds a "%" or "+" (query escaping).
func appendLower(dst []byte, s string) ([]byte, bool) {
	escaped := false
	for i := range len(s) {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '%' || c == '+':
			escaped = true
		}
		dst = append(dst, c)
	}
	return dst, escaped
}

// nextParam returns the parameter of raw that starts at i: its key (still
// encoded), whether it has a non-empty value, and the index of the
// separator after it ("&" or ";"; len(raw) for the last). Servers differ
// on ";", so both count: "a=1;sig=S" must not leak S.
func nextParam(raw string, i int) (key string, hasValue bool, end int) {
	eq := -1
	for end = i; end < len(raw); end++ {
		c := raw[end]
		if c == '&' || c == ';' {
			break
		}
		if c == '=' && eq < 0 {
			eq = end
		}
	}
	if eq < 0 {
		return raw[i:end], false, end
	}
	return raw[i:eq], eq+1 < end, end
}

// needsRedaction reports whether raw holds a sensitive parameter with a
// value.
func (rd *redactor) needsRedaction(raw string) bool {
	if rd == nil {
		return false
	}
	for i := 0; i < len(raw); {
		key, hasValue, end := nextParam(raw, i)
		if hasValue && rd.sensitive(key) {
			return true
		}
		i = end + 1
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
	for i := 0; i < len(raw); {
		key, hasValue, end := nextParam(raw, i)
		if hasValue && rd.sensitive(key) {
			b.WriteString(key)
			b.WriteString("=" + redactedMark)
		} else {
			b.WriteString(raw[i:end])
		}
		if end < len(raw) {
			b.WriteByte(raw[end])
		}
		i = end + 1
	}
	return b.String()
}

// url returns u with user info replaced by REDACTED:REDACTED and sensitive
// values of the query and of a fragment written like one (an OAuth
// implicit flow's "#access_token=…") by REDACTED, and whether anything was
// replaced; u itself is returned (not copied) when nothing was.
func (rd *redactor) url(u *url.URL) (*url.URL, bool) {
	if u == nil {
		return u, false
	}
	q := rd.query(u.RawQuery)
	frag, f := "", ""
	if u.Fragment != "" {
		frag = u.EscapedFragment()
		f = rd.query(frag)
	}
	if u.User == nil && q == u.RawQuery && f == frag {
		return u, false
	}
	c := *u
	c.RawQuery = q
	if c.User != nil {
		c.User = url.UserPassword(redactedMark, redactedMark)
	}
	if f != frag {
		c.Fragment, c.RawFragment = redactedMark, ""
		if uf, err := url.PathUnescape(f); err == nil {
			c.Fragment, c.RawFragment = uf, f
		}
	}
	return &c, true
}
