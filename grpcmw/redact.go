package grpcmw

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// authCredentialRE finds the credential of an HTTP Authorization value
// quoted in text ("Bearer <token68>", "Basic <token68>", the scheme in any
// case) and a JWT wherever it stands (three base64url parts, the first two
// starting with eyJ, the encoding of `{"`). These are the values
// grpc's own per-RPC credentials send (oauth, jwt, Google default, STS: all
// "authorization: Bearer …"), whose values a stats handler never sees.
var authCredentialRE = regexp.MustCompile(
	`\b(?i:(bearer|basic))[ \t]+([A-Za-z0-9._~+/-]+=*)|\beyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

// redactAuthCredentials returns msg with the credentials authCredentialRE
// finds replaced by REDACTED, the scheme kept ("Bearer REDACTED"). A Basic
// credential counts only if it is what RFC 7617 says it is, the base64 of
// "user:password", so "basic validation failed" stays as it is. It runs
// for failed calls only; a message that names neither scheme nor holds
// "eyJ" is not searched.
func redactAuthCredentials(msg string) string {
	if !mayQuoteAuthCredential(msg) {
		return msg
	}
	var b strings.Builder
	last := 0
	for _, m := range authCredentialRE.FindAllStringSubmatchIndex(msg, -1) {
		start := m[0]
		if m[2] >= 0 { // scheme and credential: keep the scheme
			if strings.EqualFold(msg[m[2]:m[3]], "basic") && !basicCredential(msg[m[4]:m[5]]) {
				continue
			}
			start = m[4]
		}
		b.WriteString(msg[last:start])
		b.WriteString("REDACTED")
		last = m[1]
	}
	if b.Len() == 0 {
		return msg
	}
	b.WriteString(msg[last:])
	return b.String()
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
