package otlpconf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/env"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ptr[T any](v T) *T { return &v }

// mustResolve resolves with a map environment and fails the test on error.
func mustResolve(t *testing.T, sig Signal, vars map[string]string, o Overrides) Resolved {
	t.Helper()
	r, err := Resolve(env.FromMap(vars), sig, o)
	if err != nil {
		t.Fatalf("Resolve(%v): %v", vars, err)
	}
	return r
}

func TestResolveDefaults(t *testing.T) {
	for _, sig := range []Signal{Traces, Metrics, Logs} {
		r := mustResolve(t, sig, nil, Overrides{})
		if r.Exporter != "otlp" || r.Protocol != "http/protobuf" {
			t.Errorf("%s: exporter/protocol = %q/%q, want otlp/http/protobuf", sig, r.Exporter, r.Protocol)
		}
		if want := "https://localhost:4318/v1/" + string(sig); r.Endpoint != want {
			t.Errorf("%s: endpoint = %q, want %q", sig, r.Endpoint, want)
		}
		if r.Timeout != 10*time.Second || r.Compression != "none" || r.Insecure {
			t.Errorf("%s: timeout/compression/insecure = %v/%q/%v", sig, r.Timeout, r.Compression, r.Insecure)
		}
		for _, k := range []string{KeyExporter, KeyProtocol, KeyEndpoint, KeyInsecure, KeyHeaders, KeyTimeout, KeyCompression, KeyCertificate, KeyClientCertificate} {
			if r.Sources[k] != SourceDefault {
				t.Errorf("%s: Sources[%s] = %q, want default", sig, k, r.Sources[k])
			}
		}
	}
	r := mustResolve(t, Traces, nil, Overrides{Protocol: "grpc"})
	if r.Endpoint != "https://localhost:4317" {
		t.Errorf("grpc default endpoint = %q", r.Endpoint)
	}
}

func TestResolveUnknownSignal(t *testing.T) {
	if _, err := Resolve(env.FromMap(nil), Signal("profiles"), Overrides{}); err == nil {
		t.Fatal("want error for unknown signal")
	}
}

// TestResolveInvalidEnv checks that every variable rejects bad values with an
// *env.Error naming it.
func TestResolveInvalidEnv(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	certFile, keyFile := writeCert(t, dir)
	otherKey := filepath.Join(dir, "other.key")
	_, k2 := writeCert(t, t.TempDir())
	b, _ := os.ReadFile(k2)
	if err := os.WriteFile(otherKey, b, 0o600); err != nil {
		t.Fatal(err)
	}

	type tc struct {
		sig    Signal
		name   string
		values []string
		extra  map[string]string
	}
	var cases []tc
	for _, sig := range []Signal{Traces, Metrics, Logs} {
		S := strings.ToUpper(string(sig))
		for _, pre := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_" + S + "_"} {
			cases = append(cases,
				tc{sig, pre + "PROTOCOL", []string{"http", "grpcs", "1", "http/proto"}, nil},
				tc{sig, pre + "ENDPOINT", []string{"localhost:4318", "ftp://x:1", "http://", "http://host:99999", "http://host:abc", "http://host:0", "://nohost", "http://[::1"}, nil},
				tc{sig, pre + "HEADERS", []string{"novalue", "=v", "bad key=v", "k=%zz", "k=a%0Ab"}, nil},
				tc{sig, pre + "INSECURE", []string{"yes", "1", "maybe"}, nil},
				tc{sig, pre + "TIMEOUT", []string{"-1", "0", "ten", "1.5", "99999999999999999999", "10s"}, nil},
				tc{sig, pre + "COMPRESSION", []string{"zstd", "snappy", "1"}, nil},
				tc{sig, pre + "CERTIFICATE", []string{missing, notPEM, dir}, nil},
				tc{sig, pre + "CLIENT_CERTIFICATE", []string{certFile}, nil}, // without key
				tc{sig, pre + "CLIENT_KEY", []string{keyFile}, nil},          // without cert
				tc{sig, pre + "CLIENT_CERTIFICATE", []string{missing, notPEM, certFile}, map[string]string{pre + "CLIENT_KEY": otherKey}},
				tc{sig, pre + "CLIENT_KEY", []string{missing}, map[string]string{pre + "CLIENT_CERTIFICATE": certFile}},
			)
		}
		exporters := []string{"jaeger", "zipkin", "otlp,console", ",", "logging"}
		if sig == Metrics { // a list is allowed, none alone
			exporters = []string{"jaeger", "zipkin", "none,otlp", ",", "otlp,,console", "logging"}
		}
		cases = append(cases, tc{sig, "OTEL_" + S + "_EXPORTER", exporters, nil})
	}
	cases = append(cases,
		tc{Traces, "OTEL_TRACES_EXPORTER", []string{"prometheus"}, nil},
		tc{Metrics, "OTEL_EXPORTER_OTLP_PROTOCOL", []string{"http/json"}, nil},
		tc{Logs, "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", []string{"http/json"}, nil},
		tc{Metrics, "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", []string{"Deltas", "1", "low_memory"}, nil},
		tc{Metrics, "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", []string{"exponential", "1"}, nil},
	)
	for _, c := range cases {
		for _, v := range c.values {
			vars := map[string]string{c.name: v}
			for k, x := range c.extra {
				vars[k] = x
			}
			t.Run(string(c.sig)+"/"+c.name+"="+v, func(t *testing.T) {
				_, err := Resolve(env.FromMap(vars), c.sig, Overrides{})
				if err == nil {
					t.Fatalf("no error")
				}
				var ee *env.Error
				if !errors.As(err, &ee) {
					t.Fatalf("error %v is not an *env.Error", err)
				}
				if !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), "allowed") {
					t.Fatalf("error %q does not name %s and what is allowed", err, c.name)
				}
			})
		}
	}
}

func TestResolveValidEnv(t *testing.T) {
	vars := map[string]string{
		"OTEL_TRACES_EXPORTER":                              " Console ",
		"OTEL_EXPORTER_OTLP_PROTOCOL":                       "GRPC",
		"OTEL_EXPORTER_OTLP_ENDPOINT":                       "http://collector:4317",
		"OTEL_EXPORTER_OTLP_HEADERS":                        "a=1, b = x%20y ,",
		"OTEL_EXPORTER_OTLP_INSECURE":                       "TRUE",
		"OTEL_EXPORTER_OTLP_TIMEOUT":                        "2500",
		"OTEL_EXPORTER_OTLP_COMPRESSION":                    "gzip",
		"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "LowMemory",
	}
	r := mustResolve(t, Traces, vars, Overrides{})
	if r.Exporter != "console" || r.Protocol != "grpc" || r.Endpoint != "http://collector:4317" || !r.Insecure ||
		r.Timeout != 2500*time.Millisecond || r.Compression != "gzip" || fmt.Sprint(r.HeaderNames) != "[a b]" {
		t.Fatalf("unexpected %+v", r)
	}
	m := mustResolve(t, Metrics, vars, Overrides{})
	if m.Temporality != "lowmemory" || m.Sources[KeyTemporality] != "env:OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE" {
		t.Fatalf("temporality %q from %q", m.Temporality, m.Sources[KeyTemporality])
	}
	if m.Exporter != "otlp" {
		t.Fatalf("metrics exporter %q: OTEL_TRACES_EXPORTER must not apply", m.Exporter)
	}
	if p := mustResolve(t, Metrics, map[string]string{"OTEL_METRICS_EXPORTER": "prometheus"}, Overrides{}); p.Exporter != "prometheus" {
		t.Fatalf("prometheus: %q", p.Exporter)
	}
}

// TestResolveAllErrorsReported checks that several bad variables are all named.
func TestResolveAllErrorsReported(t *testing.T) {
	_, err := Resolve(env.FromMap(map[string]string{
		"OTEL_EXPORTER_OTLP_TIMEOUT":     "x",
		"OTEL_EXPORTER_OTLP_COMPRESSION": "x",
		"OTEL_LOGS_EXPORTER":             "x",
	}), Logs, Overrides{})
	for _, n := range []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_LOGS_EXPORTER"} {
		if err == nil || !strings.Contains(err.Error(), n) {
			t.Errorf("error %v does not name %s", err, n)
		}
	}
}

func TestResolvePrecedence(t *testing.T) {
	type step struct {
		vars map[string]string
		o    Overrides
		want string // value
		src  string
	}
	tests := []struct {
		key   string
		get   func(Resolved) string
		steps []step
	}{
		{KeyProtocol, func(r Resolved) string { return r.Protocol }, []step{
			{nil, Overrides{}, "http/protobuf", "default"},
			{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, Overrides{}, "grpc", "env:OTEL_EXPORTER_OTLP_PROTOCOL"},
			{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, Overrides{}, "http/json", "env:OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
			{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, Overrides{Protocol: "http/protobuf"}, "http/protobuf", "option"},
		}},
		{KeyEndpoint, func(r Resolved) string { return r.Endpoint }, []step{
			{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://gen:4318/base"}, Overrides{}, "http://gen:4318/base/v1/traces", "env:OTEL_EXPORTER_OTLP_ENDPOINT"},
			{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://gen:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://sig:4318"}, Overrides{}, "https://sig:4318/", "env:OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://sig:4318/custom"}, Overrides{}, "https://sig:4318/custom", "env:OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://sig:4318"}, Overrides{Endpoint: "http://opt:4318"}, "http://opt:4318/v1/traces", "option"},
			{nil, Overrides{Endpoint: "opt:4318"}, "https://opt:4318/v1/traces", "option"},
			{nil, Overrides{Endpoint: "http://opt:4317/ignored", Protocol: "grpc"}, "http://opt:4317", "option"},
			{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://gen:4317/x"}, Overrides{Protocol: "grpc"}, "http://gen:4317", "env:OTEL_EXPORTER_OTLP_ENDPOINT"},
		}},
		{KeyInsecure, func(r Resolved) string { return fmt.Sprint(r.Insecure) }, []step{
			{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://gen:4318"}, Overrides{}, "true", "env:OTEL_EXPORTER_OTLP_ENDPOINT"},
			{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://gen:4318", "OTEL_EXPORTER_OTLP_INSECURE": "false"}, Overrides{}, "false", "env:OTEL_EXPORTER_OTLP_INSECURE"},
			{map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "false", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "true"}, Overrides{}, "true", "env:OTEL_EXPORTER_OTLP_TRACES_INSECURE"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_INSECURE": "true"}, Overrides{Insecure: ptr(false)}, "false", "option"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_INSECURE": "false"}, Overrides{Endpoint: "http://opt:1"}, "true", "option"},
		}},
		{KeyHeaders, func(r Resolved) string { return fmt.Sprint(r.HeaderNames) }, []step{
			{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "g=1"}, Overrides{}, "[g]", "env:OTEL_EXPORTER_OTLP_HEADERS"},
			{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "g=1", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "s=1"}, Overrides{}, "[s]", "env:OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "s=1"}, Overrides{Headers: map[string]string{"o": "1"}}, "[o]", "option"},
		}},
		{KeyTimeout, func(r Resolved) string { return r.Timeout.String() }, []step{
			{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "1000"}, Overrides{}, "1s", "env:OTEL_EXPORTER_OTLP_TIMEOUT"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "1000", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2000"}, Overrides{}, "2s", "env:OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2000"}, Overrides{Timeout: 3 * time.Second}, "3s", "option"},
		}},
		{KeyCompression, func(r Resolved) string { return r.Compression }, []step{
			{map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}, Overrides{}, "gzip", "env:OTEL_EXPORTER_OTLP_COMPRESSION"},
			{map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none"}, Overrides{}, "none", "env:OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"},
			{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none"}, Overrides{Compression: "GZIP"}, "gzip", "option"},
		}},
		{KeyExporter, func(r Resolved) string { return r.Exporter }, []step{
			{map[string]string{"OTEL_TRACES_EXPORTER": "none"}, Overrides{}, "none", "env:OTEL_TRACES_EXPORTER"},
			{map[string]string{"OTEL_TRACES_EXPORTER": "none"}, Overrides{Exporter: "console"}, "console", "option"},
		}},
	}
	for _, tt := range tests {
		for i, s := range tt.steps {
			t.Run(fmt.Sprintf("%s/%d", tt.key, i), func(t *testing.T) {
				r := mustResolve(t, Traces, s.vars, s.o)
				if got := tt.get(r); got != s.want || r.Sources[tt.key] != s.src {
					t.Fatalf("got %q from %q, want %q from %q", got, r.Sources[tt.key], s.want, s.src)
				}
			})
		}
	}
}

func TestResolveInvalidOverrides(t *testing.T) {
	tests := []struct {
		sig  Signal
		o    Overrides
		want string
	}{
		{Traces, Overrides{Exporter: "jaeger"}, "WithExporter"},
		{Traces, Overrides{Exporter: "prometheus"}, "WithExporter"},
		{Traces, Overrides{Protocol: "http"}, "WithProtocol"},
		{Logs, Overrides{Protocol: "http/json"}, "WithProtocol"},
		{Traces, Overrides{Endpoint: "ftp://x:1"}, "WithEndpoint"},
		{Traces, Overrides{Endpoint: "http://"}, "WithEndpoint"},
		{Traces, Overrides{Endpoint: "localhost"}, "WithEndpoint"},
		{Traces, Overrides{Endpoint: ":4318"}, "WithEndpoint"},
		{Traces, Overrides{Endpoint: "host:70000"}, "WithEndpoint"},
		{Traces, Overrides{Headers: map[string]string{"bad key": "v"}}, "WithHeaders"},
		{Traces, Overrides{Headers: map[string]string{"k": "a\r\nInjected: 1"}}, "WithHeaders"},
		{Traces, Overrides{Timeout: -time.Second}, "WithTimeout"},
		{Traces, Overrides{Compression: "zstd"}, "WithCompression"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := Resolve(env.FromMap(nil), tt.sig, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "allowed") && tt.want != "WithHeaders" {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

// TestSecretsNeverShown checks that header values, URL passwords and query
// values appear neither in errors nor in Resolved.
func TestSecretsNeverShown(t *testing.T) {
	const secret = "s3cr3tT0ken"
	bad := []map[string]string{
		{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20" + secret + ",broken"},
		{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=" + secret + "%zz"},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": secret},
		{"OTEL_EXPORTER_OTLP_HEADERS": "x=1,api-key " + secret},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://user:" + secret + "@host:1"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://host:99999/?sig=" + secret},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:" + secret + "@[::1"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "host:1?token=" + secret},
	}
	for i, vars := range bad {
		_, err := Resolve(env.FromMap(vars), Traces, Overrides{})
		if err == nil {
			t.Fatalf("%d: want error", i)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%d: error shows the secret: %v", i, err)
		}
	}
	for _, o := range []Overrides{
		{Endpoint: "ftp://u:" + secret + "@h:1"},
		{Endpoint: "h:99999?token=" + secret},
		{Headers: map[string]string{"k": secret + "\n"}},
	} {
		if _, err := Resolve(env.FromMap(nil), Traces, o); err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("option error %v: missing or shows the secret", err)
		}
	}
	good := map[string]string{
		"OTEL_EXPORTER_OTLP_HEADERS":  "authorization=Bearer%20" + secret,
		"OTEL_EXPORTER_OTLP_ENDPOINT": "https://host:4318/",
	}
	r := mustResolve(t, Traces, good, Overrides{Headers: map[string]string{"x-api-key": secret}})
	if s := fmt.Sprintf("%+v %#v", r, r.Sources); strings.Contains(s, secret) {
		t.Errorf("Resolved shows the secret: %s", s)
	}
	r = mustResolve(t, Traces, good, Overrides{})
	if s := fmt.Sprintf("%+v", r); strings.Contains(s, secret) || r.Endpoint != "https://host:4318/v1/traces" {
		t.Errorf("Resolved endpoint %q (%s)", r.Endpoint, s)
	}
}

// writeCert writes a self-signed certificate and its key, returning the paths.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestResolveCertificates(t *testing.T) {
	cert, key := writeCert(t, t.TempDir())
	r := mustResolve(t, Logs, map[string]string{
		"OTEL_EXPORTER_OTLP_CERTIFICATE":             cert,
		"OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE": cert,
		"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY":         key,
	}, Overrides{})
	if r.tlsConfig == nil || r.tlsConfig.RootCAs == nil || len(r.tlsConfig.Certificates) != 1 {
		t.Fatalf("tls config not built: %+v", r.tlsConfig)
	}
	if r.Sources[KeyCertificate] != "env:OTEL_EXPORTER_OTLP_CERTIFICATE" || r.Sources[KeyClientCertificate] != "env:OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE" {
		t.Fatalf("sources %v", r.Sources)
	}
	big := filepath.Join(t.TempDir(), "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("a"), maxFileSize+10), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": big}), Logs, Overrides{}); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("oversized certificate file: %v", err)
	}
}

func TestTemporalitySelector(t *testing.T) {
	if TemporalitySelector("bogus") != nil {
		t.Fatal("unknown preference must give nil")
	}
}
