package httpmw

import (
	"net/url"
	"slices"
	"strings"

	"github.com/otelkit/otelkit/internal/redact"
)

// One rule set decides which query parameters carry credentials, for the
// client span's url.full (Transport) and the access line's query
// (WithQueryLogging): their values become REDACTED, their names stay. URL
// user info becomes REDACTED:REDACTED, as the semantic conventions for
// url.full ask.

// redactedMark replaces a sensitive value.
const redactedMark = redact.Mark

// DefaultRedactedParams returns the query parameters whose values Transport
// (url.full of client spans) and WithQueryLogging (the access line) replace
// by REDACTED, matched without regard to case: those the HTTP semantic
// conventions name for url.full (AWSAccessKeyId, Signature, sig,
// X-Goog-Signature), the pre-signed URL parameters of AWS and Google Cloud,
// and the usual names of tokens, keys, passwords, secrets and OAuth codes.
// Besides these, every name that starts with "x-amz-" or "x-goog-", or
// ends in token, key, secret, pwd, passwd, passphrase, password or
// signature after "_", "-" or "." or as a camel-case word (accessToken,
// clientSecret, db_pwd), or in password, passwd or passphrase after
// anything (PGPASSWORD), is redacted; in
// names, "-", "_" and "." count as one character. WithRedactedParams adds
// names.
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

// sensitiveWords extend DefaultRedactedParams to the names that end in one
// of these words after "_", "-" or "." or as a camel-case word, or in a
// password word of the log keys' rule (redact.PasswordWords: password,
// passwd, passphrase) after anything (PGPASSWORD); names starting with
// "x-amz-" or "x-goog-" are sensitive too.
var sensitiveWords = []string{"token", "key", "secret", "pwd", "signature"}

// queryRule is the rule of DefaultRedactedParams, sensitiveWords and the
// password words, built by the engine the log field keys share
// (internal/redact).
var queryRule = redact.NewWithEnds(defaultRedactedParams, sensitiveWords, redact.PasswordWords())

// redactor holds the rule for sensitive parameters. It is not changed
// after newRedactor, so requests share it. A nil *redactor redacts
// nothing (the benchmarks' baseline; configurations always have one).
type redactor struct {
	rule *redact.Rule
}

// defaultRedactor is the redactor without user names, shared by every
// configuration that adds none.
var defaultRedactor = newRedactor(nil)

func newRedactor(extra []string) *redactor {
	return &redactor{rule: queryRule.With(extra, nil)}
}

// sensitive reports whether the query parameter whose raw (still encoded)
// name is key must be redacted. It allocates nothing unless the name is
// escaped.
func (rd *redactor) sensitive(key string) bool {
	name := key
	if strings.ContainsAny(key, "%+") {
		if dk, err := url.QueryUnescape(key); err == nil {
			name = dk
		}
	}
	return rd.rule.Match(name) || hasPrefixFold(name, "x-amz-") || hasPrefixFold(name, "x-goog-")
}

// hasPrefixFold reports whether s starts with prefix (lower case) without
// regard to case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
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
