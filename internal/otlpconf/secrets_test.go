package otlpconf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/env"
)

// TestErrorsNeverQuoteCredentials feeds Resolve every form in which a
// credential may sit in a bad setting: it must be an error that names the
// variable (or option) and never shows the credential.
func TestErrorsNeverQuoteCredentials(t *testing.T) {
	const pw = "PW0secret"
	envCases := []struct{ name, value string }{
		// "Key: value" instead of "Key=value": the whole item is the key.
		{"OTEL_EXPORTER_OTLP_HEADERS", "Authorization: Bearer " + pw + "=="},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-api-key=1,Authorization: Bearer " + pw},
		{"OTEL_EXPORTER_OTLP_LOGS_HEADERS", pw + "=%zz"},
		{"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "api-key=" + pw + "%0Amore"},
		{"OTEL_EXPORTER_OTLP_HEADERS", "tok" + pw + "\x01=1"},
		// Endpoints: user info with and without scheme, password only in a
		// host that does not parse, query values, fragment.
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "user:" + pw + "@collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:" + pw + "@collector:4318"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://" + pw + "@collector:4318/v1/traces"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:p/" + pw + "@collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/?token=" + pw},
		{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://collector:4318/v1/logs?api_key=" + pw + "&x=1"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/#" + pw},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://u:" + pw + "@collector:1?sig=" + pw},
		// A password with an unescaped '#', '?' or quote: what comes
		// before it is password too.
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://user:" + pw + "#x@collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://user:" + pw + "?x@collector:4318"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://" + pw + "#@collector:4318/v1/traces"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://user:" + pw + "/x#y@collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", `https://user:` + pw + `"x@collector:4318`},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "user:" + pw + "#x@collector:4318"},
		// A header pasted after the endpoint, or an API key in the
		// endpoint variable.
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318 api-key=" + pw},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector:4318/v1/traces\nAuthorization: Bearer " + pw},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "api-key=" + pw},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", pw},
		// Headers with a line break, a pasted "Key: value" line.
		{"OTEL_EXPORTER_OTLP_HEADERS", "api-key=" + pw + "\nAuthorization: Bearer " + pw},
	}
	for _, c := range envCases {
		for _, sig := range []Signal{Traces, Metrics, Logs} {
			if strings.Contains(c.name, "_TRACES_") && sig != Traces || strings.Contains(c.name, "_LOGS_") && sig != Logs ||
				strings.Contains(c.name, "_METRICS_") && sig != Metrics {
				continue
			}
			_, err := Resolve(env.FromMap(map[string]string{c.name: c.value}), sig, Overrides{})
			if err == nil {
				t.Errorf("%s=%q (%s): no error", c.name, c.value, sig)
				continue
			}
			if strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), c.name) {
				t.Errorf("%s (%s): error quotes the credential or does not name the variable: %v", c.name, sig, err)
			}
		}
	}
	optCases := []Overrides{
		{Endpoint: "user:" + pw + "@collector:4318"},
		{Endpoint: pw + "@collector:4318"},
		{Endpoint: "collector:4318?token=" + pw},
		{Endpoint: "http://user:" + pw + "@collector:4318"},
		{Endpoint: "http://collector:4318/?token=" + pw},
		{Endpoint: "ftp://u:" + pw + "@collector:1"},
		{Endpoint: "https://user:" + pw + "#x@collector:4318"},
		{Endpoint: "https://user:" + pw + "?x@collector:4318"},
		{Endpoint: "user:" + pw + "#x@collector:4318"},
		{Endpoint: "user:" + pw + "?x@collector:4318"},
		{Endpoint: "collector:4318 api-key=" + pw},
		{Endpoint: "https://collector:4318\tapi-key=" + pw},
		{Headers: map[string]string{"Authorization: Bearer " + pw: ""}},
		{Headers: map[string]string{"authorization": "Bearer " + pw + "\n"}},
		{Headers: map[string]string{pw + "\n": "1"}},
	}
	for _, o := range optCases {
		_, err := Resolve(env.FromMap(nil), Traces, o)
		if err == nil {
			t.Errorf("%+v: no error", o)
			continue
		}
		if strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "option With") {
			t.Errorf("option error quotes the credential or names no option: %v", err)
		}
	}
}

// TestHeaderErrorsSayWhatIsWrong checks that hiding keys and values keeps
// the error useful: the item and the offending character.
func TestHeaderErrorsSayWhatIsWrong(t *testing.T) {
	_, err := Resolve(env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,Authorization: Bearer X=="}), Traces, Overrides{})
	var ee *env.Error
	if !errors.As(err, &ee) || ee.Var != "OTEL_EXPORTER_OTLP_HEADERS" || ee.Value != "***,***" {
		t.Fatalf("error %v, want an *env.Error for OTEL_EXPORTER_OTLP_HEADERS with value ***,***", err)
	}
	for _, want := range []string{"item 2", `":" at byte 14`, `"Key=value"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestEndpointCredentialsRejected checks that user info, a query and a
// fragment in an endpoint are errors that say to use headers: the OTLP
// exporters would drop them silently.
func TestEndpointCredentialsRejected(t *testing.T) {
	for _, v := range []string{
		"http://user:pw@collector:4318", "http://token@collector:4318", "http://:pw@collector:4318",
		"http://collector:4318/?token=t", "http://collector:4318/v1?", "http://collector:4318/#f",
	} {
		for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
			_, err := Resolve(env.FromMap(map[string]string{name: v}), Traces, Overrides{})
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "would not send") {
				t.Errorf("%s=%s: error %v, want one naming the variable and saying the part would not be sent", name, v, err)
			}
			if err != nil && !strings.Contains(v, "#") && !strings.Contains(err.Error(), "headers instead") {
				t.Errorf("%s=%s: error %v does not point to headers", name, v, err)
			}
		}
		for _, proto := range []string{ProtocolGRPC, ProtocolHTTPProtobuf} {
			if _, err := Resolve(env.FromMap(nil), Logs, Overrides{Endpoint: v, Protocol: proto}); err == nil || !strings.Contains(err.Error(), "WithEndpoint") {
				t.Errorf("WithEndpoint(%s) over %s: error %v", v, proto, err)
			}
		}
	}
	for _, v := range []string{"user:pw@collector:4318", "tok@collector:4318", "collector:4318?x=1", "collector:4318/v1"} {
		if _, err := Resolve(env.FromMap(nil), Traces, Overrides{Endpoint: v}); err == nil {
			t.Errorf("WithEndpoint(%s): no error", v)
		}
	}
	// Plain endpoints still work.
	r := mustResolve(t, Traces, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/base"}, Overrides{})
	if r.Endpoint != "http://collector:4318/base/v1/traces" {
		t.Fatalf("endpoint %q", r.Endpoint)
	}
}

// TestCertificatePathMustBeRegularFile checks that a named pipe (which
// would block Init forever on open) and a directory are errors naming the
// variable, for every certificate variable, generic and per signal.
func TestCertificatePathMustBeRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cert.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cert, key := writeCert(t, dir)
	type tc struct {
		sig  Signal
		vars map[string]string
		name string
	}
	var cases []tc
	for _, sig := range []Signal{Traces, Metrics, Logs} {
		for _, pre := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_" + strings.ToUpper(string(sig)) + "_"} {
			cases = append(cases,
				tc{sig, map[string]string{pre + "CERTIFICATE": fifo}, pre + "CERTIFICATE"},
				tc{sig, map[string]string{pre + "CERTIFICATE": dir}, pre + "CERTIFICATE"},
				tc{sig, map[string]string{pre + "CLIENT_CERTIFICATE": fifo, pre + "CLIENT_KEY": key}, pre + "CLIENT_CERTIFICATE"},
				tc{sig, map[string]string{pre + "CLIENT_CERTIFICATE": cert, pre + "CLIENT_KEY": fifo}, pre + "CLIENT_KEY"},
			)
		}
	}
	for _, c := range cases {
		done := make(chan error, 1)
		go func() {
			_, err := Resolve(env.FromMap(c.vars), c.sig, Overrides{})
			done <- err
		}()
		select {
		case err := <-done:
			named := err != nil && (strings.Contains(err.Error(), "invalid "+c.name+"=") || // a key's value is not shown
				strings.HasSuffix(c.name, "CLIENT_KEY") && strings.Contains(err.Error(), "invalid "+c.name+" (value not shown)"))
			if !named || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%v: error %v, want one naming %s and saying it is not a regular file", c.vars, err, c.name)
			}
		case <-time.After(10 * time.Second):
			// Unblock the open so that the goroutine ends, then fail.
			f, _ := os.OpenFile(fifo, os.O_WRONLY, 0)
			if f != nil {
				f.Close()
			}
			<-done
			t.Fatalf("%v: Resolve blocked on the named pipe", c.vars)
		}
	}
}

func TestHeaderValues(t *testing.T) {
	src := env.FromMap(map[string]string{
		"OTEL_EXPORTER_OTLP_HEADERS":         "authorization=Bearer%20generic,x=",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":  "k=traces",
		"OTEL_EXPORTER_OTLP_METRICS_HEADERS": "k=metricsvalue",
		"OTEL_EXPORTER_OTLP_LOGS_HEADERS":    "k=logs,bad item",
	})
	got := HeaderValues(src, map[string]string{"a": "option", "b": "traces"}, nil)
	want := []string{"Bearer generic", "metricsvalue", "option", "traces"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("HeaderValues = %q, want %q", got, want)
	}
}

func TestMaskEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"user:pw@host:1":           "***@host:1",
		"http://u:p@h:1/x?y=z#f":   "http://***@h:1/x?***",
		"http://h:1/p?a@b":         "http://***@b", // "h:1/p" might be a token followed by '?'
		"http://u:p/w@h":           "http://***@h",
		"https://h:4318/v1/traces": "https://h:4318/v1/traces",
		"a@b@c":                    "***@c",
		// The user info first: a '#' or '?' in the password does not
		// make the rest of it a fragment or query.
		"https://user:Pw1#Pw2@collector:4318":        "https://***@collector:4318",
		"https://user:Pw1?Pw2@collector:4318/v1?x=1": "https://***@collector:4318/v1?***",
		"user:Pw1#Pw2@h:1":                           "***@h:1",
		"http://u:p\"w@h":                            "http://***@h",
		"https://Tok1#Tok2@collector:4318":           "https://***@collector:4318",
		"https://Tok1/x?y@collector:4318":            "https://***@collector:4318",
		"user:p://w@h":                               "***@h", // "user:p" is no scheme
	} {
		if got := maskEndpoint(in); got != want {
			t.Errorf("maskEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEndpointErrorsWithholdPastedText: an endpoint with whitespace or a
// control character is an error (url.Parse would take the rest for a
// path) that shows the endpoint up to there and says where the rest
// starts and how long it is, never what it is; an endpoint without a
// scheme is shown only when it is host:port.
func TestEndpointErrorsWithholdPastedText(t *testing.T) {
	const secret = "secret123"
	for _, c := range []struct {
		value string
		want  []string // in the error
	}{
		{"https://collector:4318 api-key=" + secret,
			[]string{`="https://collector:4318…"`, "a space at byte 23", "the 18 bytes from there are withheld", "OTEL_EXPORTER_OTLP_HEADERS"}},
		{"https://collector:4318/v1/traces Authorization=Bearer%20" + secret,
			[]string{`="https://collector:4318/v1/traces…"`, "a space at byte 33"}},
		{"https://collector:4318\r\nAuthorization: Bearer " + secret,
			[]string{`="https://collector:4318…"`, "a line break at byte 23", "the 33 bytes"}},
		{"https://u:" + secret + "@collector:4318\u00a0x",
			[]string{`="https://***@collector:4318…"`, "U+00A0"}},
		{"https://collector:4318\u200b" + secret, []string{"U+200B"}},
		{"collector:4318", []string{`="collector:4318"`, "has no scheme"}},
		{"api-key=" + secret, []string{"(value not shown)", "has no scheme"}},
		{secret + ":4318 x", []string{`="` + secret + `:4318…"`}}, // host:port: shown (it is no secret)
	} {
		_, err := Resolve(env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": c.value}), Traces, Overrides{})
		if err == nil {
			t.Errorf("%q: accepted", c.value)
			continue
		}
		msg := err.Error()
		if strings.Contains(c.value, " "+secret) || strings.Contains(c.value, "=") || strings.Contains(c.value, "@") || strings.Contains(c.value, "\u200b") {
			if strings.Contains(msg, secret) || strings.Contains(msg, "Bearer") || strings.Contains(msg, "api-key") {
				t.Errorf("%q: the error shows what it must withhold: %s", c.value, msg)
			}
		}
		for _, w := range append(c.want, "OTEL_EXPORTER_OTLP_ENDPOINT") {
			if !strings.Contains(msg, w) {
				t.Errorf("%q: error lacks %q: %s", c.value, w, msg)
			}
		}
	}
	_, err := Resolve(env.FromMap(nil), Traces, Overrides{Endpoint: "collector:4318 api-key=" + secret})
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), `WithEndpoint("collector:4318…")`) ||
		!strings.Contains(err.Error(), "a space at byte 15") {
		t.Errorf("option: %v", err)
	}
}
