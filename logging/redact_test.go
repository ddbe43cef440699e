package logging_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// The secrets the tests log; none may appear in an output.
var secrets = []string{"eyJhbGciOi", "hunter2", "4321", "pk-bytes", "sk_live_1", "tok-in-err",
	"nested-pw", "deep-key", "arr-secret", "inline-key", "ns-token", "bound-pw", "cookie-v"}

func assertNoSecret(t *testing.T, out string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("output holds the secret %q:\n%s", s, out)
		}
	}
}

type apiKey string

func (k apiKey) String() string { return string(k) }

// account writes a password among innocent members.
type account struct{ name, password string }

func (a account) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("name", a.name)
	enc.AddString("password", a.password)
	return nil
}

type accounts []account

func (as accounts) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, a := range as {
		if err := enc.AppendObject(a); err != nil {
			return err
		}
	}
	return nil
}

// credentialFields are the call's fields of the tests: every kind of value
// under a credential key, nested ones, and innocent fields that stay.
func credentialFields() []zap.Field {
	return []zap.Field{
		zap.String("order_id", "42"),
		zap.String("authorization", "Bearer eyJhbGciOi"),
		zap.String("db.password", "hunter2"),
		zap.Int("pinToken", 4321),
		zap.Binary("private_key", []byte("pk-bytes")),
		zap.Stringer("stripe_api_key", apiKey("sk_live_1")),
		zap.NamedError("session_token", errors.New("tok-in-err")),
		zap.Strings("Set-Cookie", []string{"cookie-v"}),
		zap.Object("user", account{name: "bob", password: "nested-pw"}),
		zap.Dict("db", zap.String("host", "h1"), zap.Dict("tls", zap.String("clientSecret", "deep-key"))),
		zap.Array("users", accounts{{name: "ann", password: "arr-secret"}}),
		zap.Inline(zap.DictObject(zap.String("x-api-key", "inline-key"))),
		zap.String("idempotency_key", "idem-1"),
		zap.Namespace("req"),
		zap.String("access_token", "ns-token"),
		zap.String("code", "c-1"),
	}
}

func TestRedactJSON(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().With(zap.String("password", "bound-pw")).Info("calling_upstream", credentialFields()...)
	out := buf.String()
	assertNoSecret(t, out)
	m := decode(t, out)
	for _, k := range []string{"password", "authorization", "db.password", "pinToken", "private_key",
		"stripe_api_key", "session_token", "Set-Cookie"} {
		if m[k] != "REDACTED" {
			t.Errorf("%s = %v, want REDACTED", k, m[k])
		}
	}
	user, _ := m["user"].(map[string]any)
	db, _ := m["db"].(map[string]any)
	tls, _ := db["tls"].(map[string]any)
	users, _ := m["users"].([]any)
	req, _ := m["req"].(map[string]any)
	if user["name"] != "bob" || user["password"] != "REDACTED" || db["host"] != "h1" || tls["clientSecret"] != "REDACTED" ||
		len(users) != 1 || users[0].(map[string]any)["password"] != "REDACTED" || m["x-api-key"] != "REDACTED" ||
		req["access_token"] != "REDACTED" || req["code"] != "c-1" {
		t.Errorf("nested values: %s", out)
	}
	if m["order_id"] != "42" || m["idempotency_key"] != "idem-1" {
		t.Errorf("innocent keys changed: %s", out)
	}
}

func TestRedactConsole(t *testing.T) {
	l, buf := newConsole(t)
	l.Zap().With(zap.String("password", "bound-pw")).Info("calling_upstream", credentialFields()...)
	out := buf.String()
	assertNoSecret(t, out)
	for _, want := range []string{"password=REDACTED", "authorization=REDACTED", `user={"name":"bob","password":"REDACTED"}`,
		"req.access_token=REDACTED", "order_id=42", "idempotency_key=idem-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("console line lacks %s:\n%s", want, out)
		}
	}
}

func TestRedactProfiles(t *testing.T) {
	for _, p := range []string{"gcp", "ecs", "datadog"} {
		t.Run(p, func(t *testing.T) {
			l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("proj"))
			l.Zap().With(zap.String("password", "bound-pw")).Error("calling_upstream", credentialFields()...)
			out := buf.String()
			assertNoSecret(t, out)
			m := decode(t, out)
			if m["authorization"] != "REDACTED" || m["password"] != "REDACTED" {
				t.Errorf("%s line: %s", p, out)
			}
		})
	}
}

func TestRedactOTLPBridge(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, _ := newJSON(t, logging.WithLoggerProvider(lp))
	l.Zap().With(zap.String("password", "bound-pw")).Info("calling_upstream", credentialFields()...)
	recs := mp.Records()
	if len(recs) != 1 {
		t.Fatalf("want 1 record, got %d", len(recs))
	}
	a := attrs(recs[0])
	var all strings.Builder
	for k, v := range a {
		all.WriteString(k + "=" + v + "\n")
	}
	assertNoSecret(t, all.String())
	if a["password"] != "REDACTED" || a["authorization"] != "REDACTED" || a["private_key"] != "REDACTED" ||
		!strings.Contains(a["user"], "REDACTED") || a["order_id"] != "42" {
		t.Errorf("record attributes: %s", all.String())
	}
}

func TestRedactSlog(t *testing.T) {
	l, buf := newJSON(t)
	log := slog.New(logging.NewSlogHandler(l.Zap()))
	log.Info("calling_upstream", "authorization", "Bearer eyJhbGciOi", slog.Group("db", "password", "hunter2", "host", "h1"))
	out := buf.String()
	assertNoSecret(t, out)
	if !strings.Contains(out, `"db":{"password":"REDACTED","host":"h1"}`) {
		t.Errorf("slog line: %s", out)
	}
}

func TestWithoutKeyRedaction(t *testing.T) {
	l, buf := newJSON(t, logging.WithoutKeyRedaction())
	l.Zap().Info("raw", zap.String("password", "hunter2"), zap.Object("user", account{password: "nested-pw"}))
	if out := buf.String(); !strings.Contains(out, `"password":"hunter2"`) || !strings.Contains(out, `"password":"nested-pw"`) {
		t.Errorf("WithoutKeyRedaction changed values: %s", out)
	}
}

func TestWithRedactedKeys(t *testing.T) {
	l, buf := newJSON(t, logging.WithRedactedKeys("ssn"), logging.WithRedactedKeys("Pin-Code"))
	l.Zap().Info("added", zap.String("customer_ssn", "123-45"), zap.String("pin_code", "9876"),
		zap.Object("user", zap.DictObject(zap.String("userSsn", "678-90"))), zap.String("password", "hunter2"),
		zap.String("lesson", "keep"))
	out := buf.String()
	for _, s := range []string{"123-45", "9876", "678-90", "hunter2"} {
		if strings.Contains(out, s) {
			t.Errorf("added key not redacted (%s): %s", s, out)
		}
	}
	if !strings.Contains(out, `"lesson":"keep"`) {
		t.Errorf("innocent key redacted: %s", out)
	}
	if d := logging.DefaultRedactedKeys(); len(d) == 0 || d[0] == "" {
		t.Errorf("DefaultRedactedKeys = %v", d)
	}
}

// TestRedactAllocations: the key check costs no allocation, for innocent
// keys as for a credential among them.
func TestRedactAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	on, _ := newJSON(t, logging.WithOutput(zapcore.AddSync(discard{})))
	off, _ := newJSON(t, logging.WithOutput(zapcore.AddSync(discard{})), logging.WithoutKeyRedaction())
	line := func(l *logging.Logger, key string) func() {
		return func() {
			l.Zap().Info("order_loaded", zap.String("order_id", "ord-1"), zap.Int("items", 3),
				zap.String(key, "v"), zap.Bool("cached", true), zap.Float64("ratio", 0.5))
		}
	}
	for _, key := range []string{"user_id", "password"} {
		a, b := testing.AllocsPerRun(200, line(on, key)), testing.AllocsPerRun(200, line(off, key))
		if a > b {
			t.Errorf("%s: %v allocations with redaction, %v without", key, a, b)
		}
	}
}
