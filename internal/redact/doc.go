// Package redact holds the one rule engine that decides which names carry
// a credential, and the mark that replaces their values.
//
// # Matching
//
// A Rule matches a name in two ways: a whole name (the name is it, without
// regard to case, with "-", "_" and "." as one character), and a suffix
// word (the name is it or ends in it). A suffix word must start a word of
// the name: at its start, after "-", "_" or ".", or as a camel-case word
// (accessToken, db.password, X-Api-Key), also after an initialism, as Go
// names a field (APIToken, DBPwd: a capital followed by lower-case
// letters starts a word; APITOKEN has none). A word of several parts
// (api_key, access_token) may have "-", "_", "." or nothing between them,
// so accesstoken, privatekey and XAPIKey match, and notapikey does not
// (api does not start a word there). Keys' password words (password,
// passwd, passphrase) need no boundary: no word but a password's name
// ends in them, so PGPASSWORD, newpassword and rootpasswd match. Keys
// (the rule for the keys of log fields and attributes) and httpmw's
// query-parameter rule are two Rules built by this engine; the query rule
// is broader (code, state, key, session are credentials in a URL, not in
// a log field).
//
// Every rule also looks past two things. A name ending in brackets is
// matched by what the last brackets hold, the innermost of nested ones,
// quotes removed: user[password], data[user][password], a[b[password]],
// data[api_key] and headers["Authorization"] match; an index or [] leaves
// the array's own name (password[0], password[], a[b[password][0]]). A
// last word naming an encoding (pem, der, hex, b64, base64, json) or a
// form's confirmation field (confirmation, confirm), and a number at the
// end, are dropped before the name is matched: PrivateKeyPEM,
// private_key_pem, credentials_json, password_confirmation, password2
// (as Django names a form's second password field), api_key_2. A name is
// looked past at most maxLookPast (8) times, each at a call's depth, so
// that a hostile one (a megabyte of "1_1_1…" in a forwarded query or a
// logged map's keys) costs the stack nothing more.
//
// # Borderline keys
//
// The last word decides, and a credential word inside another word is no
// credential. So these keep their values: tokens_used, max_tokens and
// tokenizer (counts of language-model tokens, a component); keyword,
// monkey, turkey, passkey (key alone is no word of Keys);
// password_changed_at, password_hash, client_secret_hash,
// private_key_file, cookie_consent (a time, a hash, a path, a choice:
// what they name is not the credential); passwordless, secretary, author,
// authority, authenticated (auth is no word of Keys); and a prefix run
// into a compound without a boundary (awssecretaccesskey, myapikey), which
// cannot be told from notapikey. jwt matches only as the whole key or in
// brackets (user[jwt]): as a last word it names settings too (use_jwt).
// pwd matches as a last word (MYSQL_PWD, dbPwd) but not run into another
// (OLDPWD, the shell's previous directory); the whole key PWD, also the
// shell's working directory, is redacted, as a password may be logged
// under it.
//
// # Headers
//
// CredentialHeader is the rule for the names of a request's headers and
// gRPC metadata keys, whose values httpmw.Transport and grpcmw scrub from
// a failed request's error text: Keys, and also any name that ends in key
// or holds token, secret or password, in any case. It is broader than
// Keys because a value it names is only looked for in an error's text,
// never removed from a field.
//
// # Setting
//
// A Setting is what a program's options say about the key rule (keys
// added to Keys, or off); otel.Init merges those of its own options and of
// the logging and tracing options it is given into one per Telemetry, and
// hands its Rule to the logger, the span and log record exporters
// (internal/sanitize) and the trace viewer.
//
// # Cost
//
// Matching allocates nothing: the patterns are bucketed by their last
// byte, so a name is compared with the few patterns that end as it does,
// and a name shorter than the shortest pattern is rejected at once. The
// words of several parts that end in the same word (token, access_token,
// id_token) are one pattern, so a name not ending in token is compared
// once; the encodings are patterns too, so a name that does not end as
// one does costs nothing more.
package redact
