package scrub

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// authCredentialRE finds the credential of an HTTP Authorization value
// quoted in text ("Bearer <token68>", "Basic <token68>", the scheme in any
// case) and a JWT wherever it stands, inside a longer run too ("x_eyJ…"):
// three base64url parts, the first two starting with eyJ, the encoding of
// `{"`. That is specific enough to need no word boundary.
var authCredentialRE = regexp.MustCompile(
	`\b(?i:(bearer|basic))[ \t]+([A-Za-z0-9._~+/-]+=*)|eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

// AuthCredentials returns msg with what looks like an Authorization
// credential replaced by REDACTED, the scheme kept ("Bearer REDACTED"):
// the token after "Bearer", the base64 of "user:password" after "Basic"
// (in any case) and a JWT anywhere. These are the values grpc's own
// per-RPC credentials send (oauth, jwt, Google default, STS: all
// "authorization: Bearer …"), which no stats handler sees, so only their
// form can give them away when a server quotes them back.
//
// What follows the scheme counts only if no word could be it, so that the
// messages that name the scheme keep their meaning ("missing bearer
// token", "expected Bearer scheme", "basic validation failed"):
//
//   - after "Bearer", a token: anything but a run of letters (with single
//     hyphens between them, "token-based") shorter than 20 bytes, a
//     trailing '.' (the end of a sentence) aside. Generated tokens hold
//     digits or punctuation, or are long; a token of a few letters only
//     is not recognised;
//   - after "Basic", what RFC 7617 says it is: the base64 of
//     "user:password".
//
// A message that names neither scheme nor holds "eyJ" is not searched.
func AuthCredentials(msg string) string {
	if !mayQuoteAuthCredential(msg) {
		return msg
	}
	var b strings.Builder
	last := 0
	for pos := 0; pos < len(msg); {
		m := authCredentialRE.FindStringSubmatchIndex(msg[pos:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		start := m[0]
		if m[2] >= 0 { // scheme and credential: keep the scheme
			scheme, cred := msg[m[2]:m[3]], msg[m[4]:m[5]]
			if strings.EqualFold(scheme, "basic") && !basicCredential(cred) ||
				strings.EqualFold(scheme, "bearer") && !bearerToken(cred) {
				pos = m[4] // a word, which may be a scheme: "Bearer Bearer abc123"
				continue
			}
			start = m[4]
		}
		b.WriteString(msg[last:start])
		b.WriteString(scrubMark)
		last, pos = m[1], m[1]
	}
	if b.Len() == 0 {
		return msg
	}
	b.WriteString(msg[last:])
	return b.String()
}

// minBearerWord is the length from which a run of letters after "Bearer"
// counts as a token: longer than the words an error message puts there
// ("unauthenticated" has 15 letters).
const minBearerWord = 20

// bearerToken reports whether s, what follows "Bearer " in a message, is
// a token rather than a word: it is not a run of letters with single
// hyphens between them shorter than minBearerWord, a trailing '.' aside.
func bearerToken(s string) bool {
	w := strings.TrimRight(s, ".")
	if w == "" || len(w) >= minBearerWord {
		return true
	}
	for i := 0; i < len(w); i++ {
		c := w[i] | 0x20
		if c >= 'a' && c <= 'z' {
			continue
		}
		if w[i] == '-' && i > 0 && i < len(w)-1 && w[i-1] != '-' {
			continue
		}
		return true
	}
	return false
}

// mayQuoteAuthCredential reports whether msg holds "eyJ", or "bearer" or
// "basic" in any case: the cheap test before authCredentialRE.
func mayQuoteAuthCredential(msg string) bool {
	if strings.Contains(msg, "eyJ") {
		return true
	}
	for i := 0; i+5 <= len(msg); i++ {
		if msg[i]|0x20 != 'b' {
			continue
		}
		if strings.EqualFold(msg[i+1:i+5], "asic") ||
			i+6 <= len(msg) && strings.EqualFold(msg[i+1:i+6], "earer") {
			return true
		}
	}
	return false
}

// basicCredential reports whether s is base64 of "user-id:password".
func basicCredential(s string) bool {
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	dec, err := enc.DecodeString(s)
	return err == nil && strings.IndexByte(string(dec), ':') >= 0
}
