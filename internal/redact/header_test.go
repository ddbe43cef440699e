package redact

import (
	"slices"
	"testing"
)

// TestCredentialHeader: a header is a credential's by Keys or by the
// broader checks (ends in key; holds token, secret or password), as HTTP
// writes its names (X-Api-Key, canonical case) and as gRPC does (lower
// case); other headers are not.
func TestCredentialHeader(t *testing.T) {
	for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "x-api-key",
		"X-Custom-Key", "X-Auth-Token", "X-Token-Id", "X-Secret-Id", "X-Password-Hint", "Jwt",
		"X-Amz-Security-Token", "x-csrf-token", "X-CUSTOM-KEY"} {
		if !CredentialHeader(k) {
			t.Errorf("CredentialHeader(%q) = false", k)
		}
	}
	for _, k := range []string{"X-Request-Id", "Content-Type", "User-Agent", "Traceparent", "Keep-Alive",
		"X-Author", "X-Keys", "X-Pwd-Dir", "X-Jwt-Issuer", "", "k", "Ke"} {
		if CredentialHeader(k) {
			t.Errorf("CredentialHeader(%q) = true", k)
		}
	}
}

// TestAppendHeaderCredentials: every value of every credential header is
// appended, no other; a header without any leaves the caller's buffer as
// it is and allocates nothing.
func TestAppendHeaderCredentials(t *testing.T) {
	h := map[string][]string{
		"Authorization": {"Bearer abc"}, "Cookie": {"a=1", "b=2"}, "X-Request-Id": {"r1"}, "Accept": {"*/*"},
	}
	got := AppendHeaderCredentials([]string{"kept"}, h)
	slices.Sort(got)
	if want := []string{"Bearer abc", "a=1", "b=2", "kept"}; !slices.Equal(got, want) {
		t.Errorf("AppendHeaderCredentials = %q, want %q", got, want)
	}
	plain := map[string][]string{"X-Request-Id": {"r1"}, "Accept": {"*/*"}, "Content-Type": {"text/plain"}}
	var buf [2]string
	if n := testing.AllocsPerRun(100, func() {
		if len(AppendHeaderCredentials(buf[:0], plain)) != 0 {
			t.Fatal("a credential in a header without any")
		}
	}); n != 0 {
		t.Errorf("AppendHeaderCredentials allocates %v times for a header without credentials", n)
	}
}
