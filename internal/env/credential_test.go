package env

import (
	"strings"
	"testing"
)

// TestErrorWithholdsCredentialLikeValues: an invalid value that looks like
// key material is not quoted (its length is); a mistyped name, a number, a
// duration or a path is, so that the mistake can be found.
func TestErrorWithholdsCredentialLikeValues(t *testing.T) {
	for _, v := range []string{
		"sk-live-0123456789abcdef",             // an API key
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
	} {
		e := &Error{Var: "OTEL_X", Value: v, Allowed: "y"}
		if msg := e.Error(); !strings.Contains(msg, v) {
			t.Errorf("%q is not shown: %s", v, msg)
		}
	}
}
