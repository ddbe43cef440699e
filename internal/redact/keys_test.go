package redact

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestKeys(t *testing.T) {
	secret := []string{
		// Whole keys.
		"authorization", "Authorization", "proxy-authorization", "Proxy_Authorization",
		"cookie", "set-cookie", "Set-Cookie", "password", "PASSWORD", "passwd", "pwd", "PWD",
		"jwt", "secret", "token", "api_key", "api-key", "apikey", "APIKey", "ApiKey",
		"access_token", "refresh_token", "id_token", "client_secret", "private_key",
		"credential", "credentials", "x-api-key", "X-API-Key", "secret_key", "access_key",
		"passphrase",
		// Last word after a separator.
		"db.password", "db_password", "smtp-password", "user.credentials", "session_token",
		"csrf-token", "http.request.header.authorization", "http.response.header.set-cookie",
		"http.request.header.x-api-key", "rpc.grpc.request.metadata.authorization",
		"aws_secret_access_key", "stripe.api_key", "ssh_private_key", "aws.secret_key",
		"github.client_secret",
		// Last word in camel case.
		"accessToken", "clientSecret", "dbPassword", "userCredentials", "stripeApiKey",
		"privateKey", "awsSecretAccessKey", "myAPIKey", "v2Token",
		// A camel-case word after an initialism, as Go names a field
		// (APIToken, DBPwd): the word starts at the capital before its
		// lower-case letters.
		"APIToken", "GitHubAPIToken", "APISecret", "AWSSecretKey", "TLSPrivateKey",
		"HTTPAuthorization", "GCPCredentials", "DBPwd", "MySQLPwd", "JWTToken",
		"OIDCClientSecret", "AWSSecretKeyPEM",
		// A word of several parts run together, starting the key or a word of it.
		"accesstoken", "authtoken", "refreshtoken", "clientsecret", "secretkey", "privatekey",
		"sessiontoken", "xapikey", "bearertoken", "idtoken", "oauthtoken", "csrftoken",
		"accesskey", "secretaccesskey", "user.accesstoken", "db_clientsecret", "myPrivatekey",
		"Accesstoken", "ACCESSTOKEN", "XAPIKey", "x_apikey",
		// The keys of signing, encryption and sessions; a list of API keys.
		"signing_key", "jwtSigningKey", "encryption_key", "dataEncryptionKey", "hmac_key",
		"webhook.hmac-key", "master_key", "masterkey", "session_key", "sessionKey", "auth_key",
		"api_keys", "apiKeys", "apikeys",
		// pwd as the last word, a password's name (MYSQL_PWD), not only the whole key.
		"MYSQL_PWD", "db_pwd", "db-pwd", "dbPwd", "smtp.pwd", "adminPWD",
		// A password word run into the word before: no word but a password's
		// name ends in it (PGPASSWORD, a form's newpassword).
		"PGPASSWORD", "pgpassword", "newpassword", "confirmpassword", "rootpasswd",
		"gpgpassphrase", "dbpassword_hex", "[password",
		// Form-style and bracketed keys: the name in the last brackets, an
		// index or [] dropped.
		"user[password]", "data[api_key]", `headers["Authorization"]`, "headers['Cookie']",
		"password[0]", "password[]", "user[password][0]", "items[3][accessToken]", "[password]",
		"user[pwd]", "pwd[]",
		// The innermost last brackets of nested ones.
		"a[b[password]]", "data[user][password]", "a[b[c[api_key]]]", "form[a[b[accessToken]][0]]",
		"a[b[password][]]", "[[password]]", "[password]]",
		strings.Repeat("a[", 20) + "password" + strings.Repeat("]", 20),
		// A last word naming an encoding of the value.
		"PrivateKeyPEM", "private_key_pem", "privateKeyPem", "credentials_json", "token_b64",
		"client-secret.base64", "secret_hex", "private_key_der", "api_key[0]",
		// A last word that restates the value (a form's confirmation
		// field), or a number after it (Django's password1 and password2).
		"password_confirmation", "passwordConfirmation", "password_confirm", "password-confirm",
		"newPasswordConfirm", "client_secret_confirmation", "PASSWORD_CONFIRMATION",
		"password1", "password2", "Password2", "password_2", "new_password1", "api_key2",
		"client-secret-2", "token.2", "pwd1", "password_confirmation_2", "password2_confirm",
		// Other cases of keys the rule had.
		"X-API-KEY", "ApiKEY", "apiKey", "API_KEY", "Proxy-Authorization", "client-secret",
		"AWS_SECRET_ACCESS_KEY", "ACCESS_TOKEN", "AccessTOKEN",
	}
	innocent := []string{
		"", "a", "key", "Key", "code", "state", "session", "pass", "auth", "sig", "nonce",
		"idempotency_key", "cache_key", "partition_key", "sort_key", "messaging.kafka.message.key",
		"monkey", "turkey", "tokens", "max_tokens", "gen_ai.usage.input_tokens", "token_count",
		"tokenCount", "token_type", "secret_name", "password_reset", "passwordHash",
		"secretary", "cookies_enabled", "authorization_url", "pwd_dir", "cwd", "jwt_header",
		"http.request.header.content-type", "http.request.method", "url.full", "user_id",
		"order_id", "request_id", "trace_id", "status", "error", "msg", "path", "Tokenizer",
		"keytoken_x", "xsecret", "tokenizer_token_count", "notapikey", "access_key_id",
		"\xff\xfetoken\xff", "tökén", "ÄPIKEY",
		// Compound words start at a boundary; no credential word is matched
		// inside another word.
		"tokens_used", "tokenizer", "keyword", "passwordless", "author", "authority",
		"authenticated", "paidtoken", "awssecretaccesskey", "myapikey", "hotkey", "passkey",
		// An initialism ends before a capital followed by lower-case letters
		// only: a credential word run into an upper-case one is still no word.
		"MAXTOKEN", "NOCOOKIE",
		// The last word decides: a time, a hash, a path, a consent are not the credential.
		"password_changed_at", "cookie_consent", "client_secret_hash", "private_key_file",
		"passwordPolicy", "token_expires_in", "signing_key_id", "encryption_key_arn",
		"master_key_version", "signing", "encryption", "session_key_ttl", "api_keys_count",
		// Brackets hold a name of their own; malformed ones match nothing.
		"user[name]", "tokens[0]", "password[name]", "]", "[]", "[0]", `[']`,
		`x[""]`, "password]", "a[b[name]]", "password[b[name]]", "password]]",
		// pwd in a word is no password: the shell's previous directory, a
		// current directory, a directory named after it.
		"OLDPWD", "oldpwd", "cwd", "pwd_dir", "pwdx", "pwd.path",
		// An encoding word alone, inside a word or after an innocent one.
		"pem", "hex", "json", "user_json", "tokenjson", "passwordhex", "index", "order", "region",
		"payload_json", "PEM",
		// A restating word or a number alone, or after an innocent name; a
		// hash of a token is what a program logs instead of the token.
		"confirm", "confirmation", "email_confirmation", "order_confirm", "passwordconfirm",
		"password_hash", "token_hash", "1", "123", "key1", "sha256", "oauth2", "x509", "tokens2",
		"password_reset_1", "secret_version_2", "password_changed_at_2", "token_v2", "user_1",
	}
	rule := Keys()
	for _, k := range secret {
		if !rule.Match(k) {
			t.Errorf("Match(%q) = false, want true", k)
		}
	}
	for _, k := range innocent {
		if rule.Match(k) {
			t.Errorf("Match(%q) = true, want false", k)
		}
	}
}

func TestRuleWith(t *testing.T) {
	base := Keys()
	r := base.With([]string{"X-Tenant-Secret"}, []string{"ssn", "pin", "sessionId"})
	for _, k := range []string{"ssn", "SSN", "customer_ssn", "customerSsn", "user.pin", "pin",
		"x_tenant.secret", "x.tenant-secret", "sessionId", "session_id", "user.session-id", "password",
		"sessionid", "user.SESSIONID", "form[ssn]"} {
		if !r.Match(k) {
			t.Errorf("With(...).Match(%q) = false, want true", k)
		}
	}
	// A word given in camel case with an initialism (SSHPin) has its parts
	// as Go names them, so that it matches written apart too (ssh_pin).
	if ssh := base.With(nil, []string{"SSHPin"}); !ssh.Match("ssh_pin") || !ssh.Match("SSHPin") || !ssh.Match("sshpin") || ssh.Match("shpin") {
		t.Error("With(SSHPin): ssh_pin, SSHPin or sshpin not matched, or shpin matched")
	}
	for _, k := range []string{"shipping", "pins", "spinach", "x_tenant", "session", "sid", "usersessionid"} {
		if r.Match(k) {
			t.Errorf("With(...).Match(%q) = true, want false", k)
		}
	}
	// A key that ends in a number is matched as given, and with the
	// number looked past (pin2 for pin, as password2 for password).
	if nums := base.With([]string{"pin1"}, []string{"ssn"}); !nums.Match("pin1") || !nums.Match("PIN1") || !nums.Match("ssn2") || nums.Match("pin") || nums.Match("pin2") {
		t.Error("With(pin1, ssn): pin1 or ssn2 not matched, or pin or pin2 matched")
	}
	// With copies: the default rule is unchanged.
	if base.Match("ssn") || base.Match("x-tenant-secret") && !base.Match("secret") {
		t.Error("With changed the rule it was called on")
	}
	// A word added to one that the rule has (token) is the rule's own:
	// the rule it was added to does not match it run together.
	if login := base.With(nil, []string{"login_token"}); !login.Match("logintoken") || base.Match("logintoken") {
		t.Error("With(login_token): logintoken matched by the copy, or by the rule it was called on")
	}
	// A word added to one that matches run together keeps that, and an
	// added word does not get it.
	if db := base.With(nil, []string{"db_password", "pin"}); !db.Match("PGPASSWORD") || !db.Match("DB_PASSWORD") || db.Match("spin") {
		t.Error("With(db_password, pin): PGPASSWORD or DB_PASSWORD not matched, or spin matched")
	}
	var none *Rule
	if none.Match("password") {
		t.Error("a nil Rule matched")
	}
	if New(nil, []string{" ", ""}).Match("x") {
		t.Error("a blank word matched")
	}
}

func TestKeyValues(t *testing.T) {
	rule := Keys()
	in := []attribute.KeyValue{
		attribute.String("db.password", "hunter2"),
		attribute.Int("pin_token", 1234),
		attribute.StringSlice("http.request.header.authorization", []string{"Bearer x"}),
		attribute.String("user", "bob"),
		{Key: "cfg", Value: attribute.MapValue(attribute.String("api_key", "k"), attribute.String("region", "eu"))},
		{Key: "list", Value: attribute.SliceValue(attribute.MapValue(attribute.String("secret", "s")))},
		attribute.String("token", Mark),
	}
	orig := append([]attribute.KeyValue(nil), in...)
	out, changed := rule.KeyValues(in)
	if !changed {
		t.Fatal("KeyValues reported no change")
	}
	want := []attribute.KeyValue{
		attribute.String("db.password", Mark),
		attribute.String("pin_token", Mark),
		attribute.String("http.request.header.authorization", Mark),
		attribute.String("user", "bob"),
		{Key: "cfg", Value: attribute.MapValue(attribute.String("api_key", Mark), attribute.String("region", "eu"))},
		{Key: "list", Value: attribute.SliceValue(attribute.MapValue(attribute.String("secret", Mark)))},
		attribute.String("token", Mark),
	}
	for i := range want {
		if out[i].Key != want[i].Key || out[i].Value.String() != want[i].Value.String() {
			t.Errorf("out[%d] = %v %q, want %v %q", i, out[i].Key, out[i].Value.String(), want[i].Key, want[i].Value.String())
		}
	}
	for i := range orig {
		if in[i].Value.String() != orig[i].Value.String() {
			t.Errorf("KeyValues modified its input at %d", i)
		}
	}
	clean := []attribute.KeyValue{attribute.String("user", "bob"), attribute.String("token", Mark)}
	if got, changed := rule.KeyValues(clean); changed || &got[0] != &clean[0] || rule.Needs(clean) {
		t.Error("KeyValues copied attributes without a credential")
	}
}

func TestMatchAllocs(t *testing.T) {
	rule := Keys().With(nil, []string{"ssn"})
	keys := []string{"order_id", "http.request.header.authorization", "accessToken", "x", "accesstoken",
		`headers["Authorization"]`, "user[password][0]", "PrivateKeyPEM", "payload_json"}
	if n := testing.AllocsPerRun(100, func() {
		for _, k := range keys {
			rule.Match(k)
		}
	}); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}

// FuzzMatch: no name makes Match panic, and "[]" after a name that does
// not end in "]" changes nothing (an array's own name decides).
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"", "]", "[", "[]", `["]`, "a[b[c]]", "user[password]", "PrivateKeyPEM",
		"x_apikey", `headers["Authorization"]`, "\xff]", "pem", "_pem"} {
		f.Add(s)
	}
	rule := Keys()
	f.Fuzz(func(t *testing.T, name string) {
		got := rule.Match(name)
		if len(name) > 0 && name[len(name)-1] != ']' && rule.Match(name+"[]") != got {
			t.Errorf("Match(%q) = %v but Match(%q[]) differs", name, got, name)
		}
	})
}

// BenchmarkMatch: five keys a call, the usual short ones of a log line,
// long innocent attribute keys (some end as a pattern does, so they pass
// the two-byte filter and are compared), credentials in the forms the
// rule knows, form-style keys (nested brackets), password keys and Go's
// field names with initialisms.
func BenchmarkMatch(b *testing.B) {
	rule := Keys()
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"short", []string{"order_id", "user_id", "items", "status", "db.password"}},
		{"long_innocent", []string{"http.response.header.x-request-id", "gen_ai.usage.output_tokens",
			"messaging.kafka.message.key", "kubernetes.deployment.hidden", "user_authentication_method_order"}},
		{"credential", []string{"http.request.header.authorization", "accessToken", "AWS_SECRET_ACCESS_KEY",
			"x-api-key", "client_secret"}},
		{"bracketed", []string{"user[name]", "data[user][password]", "a[b[password]]", "items[3][accessToken]",
			"filter[tags][]"}},
		{"password", []string{"db.password", "PGPASSWORD", "MYSQL_PWD", "user_password_hash", "new_passwd"}},
		{"initialism", []string{"UserID", "HTTPMethod", "APIToken", "DBPwd", "RequestURL"}},
		// Endings the restating words share (_at, _type, agent, count) and
		// a number, which look past a word or a number before failing.
		{"common", []string{"user_agent", "created_at", "content_type", "retry_count", "attempt2"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, k := range tc.keys {
					rule.Match(k)
				}
			}
		})
	}
}
