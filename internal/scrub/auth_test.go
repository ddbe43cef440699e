package scrub

import (
	"strings"
	"testing"
)

// TestAuthCredentials: the credential after Bearer or Basic goes, the
// scheme stays; a word after the scheme stays, and a JWT goes wherever it
// stands.
func TestAuthCredentials(t *testing.T) {
	const jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."
	for in, want := range map[string]string{
		"bad token: bearer abc.DEF_123":                    "bad token: bearer REDACTED",
		`invalid "BEARER a+b/c=="` + " and Basic c3ZjOnB3": `invalid "BEARER REDACTED" and Basic REDACTED`,
		"basic validation failed":                          "basic validation failed",
		"Basic notbase64!":                                 "Basic notbase64!",
		"Basic dXNlcm5hbWU=":                               "Basic dXNlcm5hbWU=", // "username": no colon
		"jwt=" + jwt + " rejected":                         "jwt=REDACTED rejected",
		"not found":                                        "not found",
		"abcbearer xyz":                                    "abcbearer xyz",
		"Bearer":                                           "Bearer",
		"":                                                 "",
		// A token after Bearer: digits, punctuation, or long.
		"Bearer abc123":                                 "Bearer REDACTED",
		"Bearer ya29.a0AfB_byC":                         "Bearer REDACTED",
		"Bearer s3cr3t.":                                "Bearer REDACTED",
		"Bearer sk-live-0042":                           "Bearer REDACTED",
		"Bearer abc--def":                               "Bearer REDACTED",
		"Bearer -abc":                                   "Bearer REDACTED",
		"Bearer abc=":                                   "Bearer REDACTED",
		"Bearer abcdefghijklmnopqrstuvwxyz":             "Bearer REDACTED",
		`got "Bearer Bearer abc123"`:                    `got "Bearer Bearer REDACTED"`,
		"expected bearer Bearer 0042 or Basic dTpw":     "expected bearer Bearer REDACTED or Basic REDACTED",
		"basic Bearer abc123":                           "basic Bearer REDACTED",
		"invalid token: Bearer REDACTED (was scrubbed)": "invalid token: Bearer REDACTED (was scrubbed)",
		// A word after Bearer: the message keeps its meaning.
		"missing bearer token":                     "missing bearer token",
		"expected Bearer scheme":                   "expected Bearer scheme",
		"missing bearer token.":                    "missing bearer token.",
		"Bearer token-based auth failed":           "Bearer token-based auth failed",
		"request unauthenticated: Bearer expected": "request unauthenticated: Bearer expected",
		"Bearer unauthenticated":                   "Bearer unauthenticated",
		// A JWT anywhere, inside a longer run too.
		"x_" + jwt:               "x_REDACTED",
		"tok:" + jwt + "abc def": "tok:REDACTED def",
		"Bearer " + jwt:          "Bearer REDACTED",
		"eyJ alone, eyJa.b.c":    "eyJ alone, eyJa.b.c",
	} {
		if got := AuthCredentials(in); got != want {
			t.Errorf("AuthCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzAuthCredentials: any text, no panic; text with no "eyJ", "bearer"
// or "basic" comes back as it is, and a credential after "Bearer " that
// holds a digit never stays.
func FuzzAuthCredentials(f *testing.F) {
	for _, s := range []string{"Bearer abc1", "bearer bearer x1", "basic Basic dTpw", "x_eyJa.eyJb.c", "Bearer"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AuthCredentials(s)
		if !mayQuoteAuthCredential(s) && got != s {
			t.Errorf("%q changed to %q", s, got)
		}
		if out := AuthCredentials("error: Bearer 0" + s); !strings.HasPrefix(out, "error: Bearer REDACTED") {
			t.Errorf("Bearer 0%s: %q", s, out)
		}
	})
}
