package redact

import "slices"

// The default rule for the keys of log fields and attributes, narrower
// than a URL's: a log field code, state, key or session is usually not a
// credential, and *_key in general (idempotency_key, cache_key) is not
// either; only the keys of the compounds below are (api_key, private_key,
// signing_key, …).
var (
	// keyNames match as the whole key only: as a last word jwt names a
	// setting as often as a token (use_jwt, verify_jwt).
	keyNames = []string{"jwt"}
	// keyEnds match as the key or its last word, and also run into the
	// word before them (PGPASSWORD, newpassword, rootpasswd): no word but
	// a password's name ends in them, so no boundary is needed.
	keyEnds = []string{"password", "passwd", "passphrase"}
	// keyWords match as the key or its last word(s): access_token,
	// accessToken, db.password, http.request.header.authorization,
	// proxy-authorization, set-cookie, x-api-key, client_secret, MYSQL_PWD.
	// A word of several parts also matches with them run together
	// (accesstoken, privatekey), which is why the compounds that end in a
	// word of their own (access_token, client_secret) are listed too: run
	// together, the last word is not at a boundary. As a last word pwd is a
	// password (MYSQL_PWD, dbPwd), and OLDPWD, without a boundary, keeps its
	// value; the whole key PWD, also the shell's working directory, is
	// redacted as it always was, since a password may be logged under it.
	keyWords = []string{
		"authorization", "cookie", "secret", "token", "pwd",
		"credential", "credentials",
		"api_key", "api_keys", "x_api_key", "private_key", "secret_key", "access_key",
		"secret_access_key", "signing_key", "encryption_key", "hmac_key", "master_key",
		"session_key", "auth_key",
		"access_token", "refresh_token", "id_token", "auth_token", "oauth_token", "session_token",
		"bearer_token", "csrf_token", "xsrf_token", "client_secret",
	}
	defaultKeys = (*Rule)(nil).with(keyNames, keyWords, keyEnds)
)

// Keys returns the default rule for the keys of log fields and attributes.
func Keys() *Rule { return defaultKeys }

// PasswordWords returns the words of Keys that also match run into the
// word before them (PGPASSWORD), for a rule of another kind of name (a
// URL's query) that should know passwords as Keys does: give them to
// NewWithEnds.
func PasswordWords() []string { return slices.Clone(keyEnds) }

// KeyNames returns the whole keys and the words of Keys (first those that
// also match run into the word before them), for documentation and for
// options that list them.
func KeyNames() (whole, words []string) {
	return slices.Clone(keyNames), slices.Concat(keyEnds, keyWords)
}
