package otlpconf

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/otelkit/otelkit/internal/env"
)

// TestCertificateReachesExporters serves OTLP over TLS with a self-signed
// certificate that only OTEL_EXPORTER_OTLP_CERTIFICATE (in the Source, not
// the process environment) makes trusted.
func TestCertificateReachesExporters(t *testing.T) {
	certFile, keyFile := writeCert(t, t.TempDir())
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	serverTLS := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	ctx := context.Background()
	trusted := env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": certFile})

	t.Run("grpc", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		gs := grpc.NewServer(grpc.Creds(credentials.NewTLS(serverTLS)))
		svc := &traceService{}
		collectortrace.RegisterTraceServiceServer(gs, svc)
		go func() { _ = gs.Serve(l) }()
		defer gs.Stop()
		o := Overrides{Protocol: "grpc", Endpoint: "https://" + l.Addr().String(), Timeout: 2 * time.Second}

		se, r, err := spanExporter(ctx, trusted, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Insecure || r.Sources[KeyCertificate] != "env:OTEL_EXPORTER_OTLP_CERTIFICATE" {
			t.Fatalf("resolved %+v", r)
		}
		if err := se.ExportSpans(ctx, spans()); err != nil {
			t.Fatalf("export over TLS with the trusted certificate: %v", err)
		}
		shutdown(t, se.Shutdown)

		// Without the certificate the same export must fail verification.
		o.Timeout = 300 * time.Millisecond
		se, _, err = spanExporter(ctx, env.FromMap(nil), o)
		if err != nil {
			t.Fatal(err)
		}
		if err := se.ExportSpans(ctx, spans()); err == nil {
			t.Fatal("export to an untrusted certificate succeeded")
		}
		shutdown(t, se.Shutdown)
	})

	t.Run("http", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusOK)
		}))
		srv.TLS = serverTLS
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		defer srv.Close()
		// srv.URL is https://127.0.0.1:port
		se, _, err := spanExporter(ctx, trusted, Overrides{Endpoint: srv.URL, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := se.ExportSpans(ctx, spans()); err != nil {
			t.Fatalf("export over TLS with the trusted certificate: %v", err)
		}
		shutdown(t, se.Shutdown)

		se, _, err = spanExporter(ctx, env.FromMap(nil), Overrides{Endpoint: srv.URL, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := se.ExportSpans(ctx, spans()); err == nil {
			t.Fatal("export to an untrusted certificate succeeded")
		}
		shutdown(t, se.Shutdown)
	})
}

// TestCertificateFileWithKeyOnly checks that a key file is not accepted as a certificate.
func TestCertificateFileWithKeyOnly(t *testing.T) {
	_, keyFile := writeCert(t, t.TempDir())
	b, _ := os.ReadFile(keyFile)
	if blk, _ := pem.Decode(b); blk == nil {
		t.Fatal("test key is not PEM")
	}
	p := filepath.Join(t.TempDir(), "k.pem")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": p}), Traces, Overrides{}); !env.IsEnvError(err) {
		t.Fatalf("want env error, got %v", err)
	}
}
