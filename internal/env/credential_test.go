package env

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestErrorWithholdsCredentialLikeValues: an invalid value that looks like
// key material is not quoted (its length is); a mistyped name, a number, a
// duration or a path is, so that the mistake can be found.
func TestErrorWithholdsCredentialLikeValues(t *testing.T) {
	for _, v := range []string{
		"sk_live_51Hx9QkL2mN8pR4tV7wY",                 // an API key
		"ghp_16C7e42F292c6912E7710c838347Ae178B4a",     // a token
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",     // a secret access key
		"x-api-key=k9X2mQ7vB4nL8pR3wT6y,x-tenant=acme", // a header list
		"Authorization=Bearer%20k9X2mQ7vB4nL8pR3wT6y",
		"123456789:AAHk9X2mQ7vB4nL8pR3wT6yZ", // a bot token
		`"k9X2mQ7vB4nL8pR3wT6y"`,
		"key=k9X2mQ7vB4nL8pR3wT6y https://c:4318",
		"4bf92f3577b34da6a3ce929d0e0e4736",     // hex
		"dXNlcjpwYXNzd29yZDEyMw/+abcdEFGH==",   // base64
		"123e4567-e89b-12d3-a456-426614174000", // a UUID
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
		"gzip api-key=k9X2mQ7vB4nL8pR3wT6y", // a header pasted after a value
	} {
		for _, e := range []*Error{{Var: "OTEL_EXPORTER_OTLP_COMPRESSION", Value: v, Allowed: "gzip, none"}, OptionError("WithOTLPCompression", v, "gzip, none")} {
			msg := e.Error()
			if strings.Contains(msg, v) || !strings.Contains(msg, "look like a credential") || !strings.Contains(msg, "gzip, none") {
				t.Errorf("%q: %s", v, msg)
			}
		}
	}
	for _, v := range []string{
		"gzipp", "parentbased_traceidratioo", "http/protobuff", "60000ms", "1.5", "abc", "/etc/ssl/certs/ca-2024.pem",
		"./certs/client2024.pem", "checkout-service", "0123456789012345678", "http://collector-2024.internal:4318/v1/traces",
		"parentbased_traceidratio0.5", "collector-2024.internal", "checkout-service-v2-2024", "v1.2.3-beta.20240101",
	} {
		e := &Error{Var: "OTEL_X", Value: v, Allowed: "y"}
		if msg := e.Error(); !strings.Contains(msg, v) {
			t.Errorf("%q is not shown: %s", v, msg)
		}
	}
}

// TestErrorCauseWithholdsTheValue: a withheld value is not quoted by the
// error's cause either (a file name in an os error, an address in a parse
// error).
func TestErrorCauseWithholdsTheValue(t *testing.T) {
	const key = "sk_live_51Hx9QkL2mN8pR4tV7wY"
	for _, e := range []*Error{
		{Var: "OTEL_EXPORTER_OTLP_CERTIFICATE", Value: key, Allowed: "a PEM file", Err: errors.New("open " + key + ": no such file or directory")},
		OptionError("WithPrometheusAddr", key+":x", "host:port"),
	} {
		if e.Err == nil {
			e.Err = errors.New("address " + key + ":x: missing port")
		}
		if msg := e.Error(); strings.Contains(msg, key) || !strings.Contains(msg, "no") && !strings.Contains(msg, "missing port") {
			t.Errorf("%s", msg)
		}
	}
}

// TestWithheldCauseLongerPartWhole: a key-like part that begins another
// must not be replaced inside it, leaving the longer part's tail in the
// text (the cause quotes the value escaped, so only its parts match).
func TestWithheldCauseLongerPartWhole(t *testing.T) {
	short, long := "Aaaa1111bbbb2222", "Aaaa1111bbbb2222XYZ9qq"
	v := short + "\t" + long
	got := withheldCause("open "+strconv.Quote(v)+": no such file", v)
	if strings.Contains(got, "XYZ9") || strings.Contains(got, short) {
		t.Fatalf("withheldCause left part of a key: %q", got)
	}
	if want := `open "(value not shown)\t(value not shown)": no such file`; got != want {
		t.Fatalf("withheldCause = %q, want %q", got, want)
	}
}
