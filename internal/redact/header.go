package redact

// Which headers of a request (HTTP headers, gRPC metadata) carry a
// credential, for the clients that scrub them from a failed request's
// error text before it becomes a span's status (httpmw.Transport, grpcmw's
// client and server handlers). One rule for both, so that a header and the
// metadata key of the same name are treated alike.

// CredentialHeader reports whether a header name or metadata key, in any
// case, usually carries a credential: a key of Keys (authorization,
// proxy-authorization, cookie, passwd, passphrase, credentials, pwd, jwt,
// x-api-key, …), or one that ends in key or holds token, secret or
// password anywhere (x-custom-key, X-Token-Id), which Keys leaves to the
// last word. Broader than Keys because a match costs little: the value is
// replaced only where a failed request's error text quotes it. It
// allocates nothing.
func CredentialHeader(name string) bool {
	return Keys().Match(name) || hasSuffixFold(name, "key") || containsFold(name, "token") ||
		containsFold(name, "secret") || containsFold(name, "password")
}

// AppendHeaderCredentials appends to dst the values of h's credential
// headers (CredentialHeader) and returns it: h is an http.Header or a
// metadata.MD, both maps of names to values. With no such header it
// returns dst as it is, so a caller passing a buffer of its own allocates
// nothing.
func AppendHeaderCredentials(dst []string, h map[string][]string) []string {
	for k, vs := range h {
		if CredentialHeader(k) {
			dst = append(dst, vs...)
		}
	}
	return dst
}

// hasSuffixFold reports whether s ends in word (lower-case ASCII letters),
// in any case.
func hasSuffixFold(s, word string) bool {
	return len(s) >= len(word) && foldEqual(s[len(s)-len(word):], word)
}

// containsFold reports whether s holds word (lower-case ASCII letters), in
// any case. Header names are short: the plain search is enough.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if foldEqual(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}
