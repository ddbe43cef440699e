package redact

import "slices"

// The default rule for the keys of log fields and attributes, narrower
// than a URL's: a log field code, state, key or session is usually not a
// credential, and *_key in general (idempotency_key, cache_key) is not
// either; only api_key, private_key, secret_key and access_key are.
var (
	// keyNames match as the whole key only: as a last word they are too
	// often something else (pwd is also the working directory).
	keyNames = []string{"pwd", "jwt"}
	// keyWords match as the key or its last word(s): access_token,
	// accessToken, db.password, http.request.header.authorization,
	// proxy-authorization, set-cookie, x-api-key, client_secret.
	keyWords = []string{
		"authorization", "cookie", "password", "passwd", "passphrase", "secret", "token",
		"apikey", "api_key", "private_key", "secret_key", "access_key", "credential", "credentials",
	}
	defaultKeys = New(keyNames, keyWords)
)

// Keys returns the default rule for the keys of log fields and attributes.
func Keys() *Rule { return defaultKeys }

// KeyNames returns the whole keys and the words of Keys, for documentation
// and for options that list them.
func KeyNames() (whole, words []string) {
	return slices.Clone(keyNames), slices.Clone(keyWords)
}
