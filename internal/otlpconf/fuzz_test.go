package otlpconf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/env"
)

// fuzzKeys are the variables Resolve reads, except the certificate paths
// (files are not fuzzed: a path could name a device).
var fuzzKeys = []string{"ENDPOINT", "PROTOCOL", "HEADERS", "INSECURE", "TIMEOUT", "COMPRESSION"}

// fuzzSecret is put in a header value beside the fuzzed input: it must never
// appear in what Resolve returns or in its error.
const fuzzSecret = "FUZZSECRET0123456789"

// FuzzResolve gives Resolve arbitrary values for the OTLP variables of
// every signal. It must not panic; an error must name an OTEL_ variable; a
// header value must never show in the result or the error; a resolved
// endpoint must carry no password.
func FuzzResolve(f *testing.F) {
	f.Add(uint8(0), "http://collector:4318", "k=v")
	f.Add(uint8(1), "grpc", "api-key=abc")
	f.Add(uint8(2), "a=b,c", "x=%zz")
	f.Add(uint8(3), "maybe", "=novalue")
	f.Add(uint8(4), "-5", "k=v\n")
	f.Add(uint8(5), "brotli", "ü=1")
	f.Add(uint8(0), "http://user:pass@host:99999/v1", "k=v,k2")
	f.Add(uint8(0), "ftp://[::1", "k")
	f.Fuzz(func(t *testing.T, which uint8, value, header string) {
		key := fuzzKeys[int(which)%len(fuzzKeys)]
		for _, sig := range []Signal{Traces, Metrics, Logs} {
			generic, per := envNames(sig, key)
			m := map[string]string{
				per:                          value,
				"OTEL_EXPORTER_OTLP_HEADERS": "authorization=" + fuzzSecret + "," + header,
				"OTEL_" + strings.ToUpper(string(sig)) + "_EXPORTER": value,
			}
			if key != "HEADERS" {
				m[generic] = value
			}
			r, err := Resolve(env.FromMap(m), sig, Overrides{})
			if err != nil {
				if !strings.Contains(err.Error(), "OTEL_") {
					t.Fatalf("%s: error %q names no variable", sig, err)
				}
				if strings.Contains(err.Error(), fuzzSecret) {
					t.Fatalf("%s: error shows a header value: %q", sig, err)
				}
				continue
			}
			dump := fmt.Sprintf("%+v", r)
			if strings.Contains(dump, fuzzSecret) {
				t.Fatalf("%s: resolved config shows a header value: %s", sig, dump)
			}
			if r.endpointURL != nil {
				if p, ok := r.endpointURL.User.Password(); ok && p != "" && strings.Contains(r.Endpoint, p) && len(p) > 3 {
					t.Fatalf("%s: endpoint %q shows the password", sig, r.Endpoint)
				}
			}
			if r.Sources[KeyEndpoint] == "" || r.Sources[KeyProtocol] == "" || r.Sources[KeyTimeout] == "" {
				t.Fatalf("%s: missing sources: %v", sig, r.Sources)
			}
		}
	})
}
