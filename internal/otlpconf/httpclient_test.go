package otlpconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/internal/env"
)

// exportFunc builds one signal's exporter for o and exports one item with
// ctx; it returns the export's error and shuts the exporter down.
type exportFunc func(t *testing.T, src env.Source, o Overrides, ctx context.Context) error

var exportBySignal = map[string]exportFunc{
	"traces": func(t *testing.T, src env.Source, o Overrides, ctx context.Context) error {
		e, _, err := spanExporter(context.Background(), src, o)
		if err != nil {
			t.Fatal(err)
		}
		defer shutdown(t, e.Shutdown)
		return e.ExportSpans(ctx, spans())
	},
	"metrics": func(t *testing.T, src env.Source, o Overrides, ctx context.Context) error {
		e, _, err := metricExporter(context.Background(), src, o)
		if err != nil {
			t.Fatal(err)
		}
		defer shutdown(t, e.Shutdown)
		return e.Export(ctx, &metricdata.ResourceMetrics{})
	},
	"logs": func(t *testing.T, src env.Source, o Overrides, ctx context.Context) error {
		e, _, err := logExporter(context.Background(), src, o)
		if err != nil {
			t.Fatal(err)
		}
		defer shutdown(t, e.Shutdown)
		var rec sdklog.Record
		rec.SetBody(attribute.StringValue("x"))
		return e.Export(ctx, []sdklog.Record{rec})
	},
}

// downAddr returns a loopback address nobody listens on.
func downAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// serveLater serves h on addr after d, until the test ends, and counts
// the requests.
func serveLater(t *testing.T, addr string, d time.Duration, h http.Handler) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		h.ServeHTTP(w, r)
	})}
	done := make(chan struct{})
	timer := time.AfterFunc(d, func() {
		defer close(done)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen %s: %v", addr, err)
			return
		}
		go func() { _ = srv.Serve(l) }()
	})
	t.Cleanup(func() {
		if timer.Stop() {
			return
		}
		<-done
		_ = srv.Close()
	})
	return &n
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	})
}

// TestHTTPExportersRetryRefusedConnection: an OTLP/HTTP export whose first
// attempt meets a refused connection waits for the collector and arrives
// once it is up, within a deadline shorter than the SDK's first retry
// backoff (2.5 s at least), as TestGRPCExportWaitsForReconnect for gRPC.
// The SDK exporters alone return "connection refused" at once; left to
// the SDK's backoff, the export would miss the deadline.
func TestHTTPExportersRetryRefusedConnection(t *testing.T) {
	for sig, export := range exportBySignal {
		t.Run(sig, func(t *testing.T) {
			t.Parallel()
			addr := downAddr(t)
			n := serveLater(t, addr, 500*time.Millisecond, okHandler())
			ctx, cancel := context.WithTimeout(context.Background(), 2400*time.Millisecond)
			defer cancel()
			err := export(t, env.FromMap(nil), Overrides{Endpoint: "http://" + addr}, ctx)
			if err != nil {
				t.Fatalf("export after a refused connection: %v", err)
			}
			if n.Load() != 1 {
				t.Errorf("collector received %d requests, want 1", n.Load())
			}
		})
	}
}

// TestHTTPExportersTLSNotRetried: a certificate the exporter does not trust
// is a configuration error: reported by the first attempt, not retried.
func TestHTTPExportersTLSNotRetried(t *testing.T) {
	certFile, keyFile := writeCert(t, t.TempDir())
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(okHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = exportBySignal["traces"](t, env.FromMap(nil), Overrides{Endpoint: srv.URL, Timeout: 2 * time.Second}, ctx)
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("export to an untrusted certificate: %v, want a certificate error", err)
	}
	if conns.Load() != 1 {
		t.Errorf("%d connections, want 1 (a certificate error must not be retried)", conns.Load())
	}
}

// TestHTTPExportersKeepTLSSettings: the client otelkit gives the SDK
// carries the certificate variables for every signal, client certificate
// included (the server requires it).
func TestHTTPExportersKeepTLSSettings(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(pair.Leaf)
	var clientCerts atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			clientCerts.Add(1)
		}
		okHandler().ServeHTTP(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	src := env.FromMap(map[string]string{
		"OTEL_EXPORTER_OTLP_CERTIFICATE":        certFile,
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": certFile,
		"OTEL_EXPORTER_OTLP_CLIENT_KEY":         keyFile,
	})
	for _, sig := range []string{"traces", "metrics", "logs"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := exportBySignal[sig](t, src, Overrides{Endpoint: srv.URL}, ctx); err != nil {
			t.Errorf("%s over mutual TLS: %v", sig, err)
		}
		cancel()
	}
	if clientCerts.Load() != 3 {
		t.Errorf("%d requests carried the client certificate, want 3", clientCerts.Load())
	}
}

// TestHTTPClientTimeoutIsResolved: the per-request timeout is the resolved
// one (option > per-signal variable > generic variable > 10 s), as the SDK
// would have read it.
func TestHTTPClientTimeoutIsResolved(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		o    Overrides
		want time.Duration
	}{
		{nil, Overrides{}, DefaultTimeout},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "1500"}, Overrides{}, 1500 * time.Millisecond},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "1500", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "700"}, Overrides{}, 700 * time.Millisecond},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "700"}, Overrides{Timeout: 3 * time.Second}, 3 * time.Second},
	} {
		r, err := Resolve(env.FromMap(tc.env), Traces, tc.o)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.plan.httpClient().Timeout; got != tc.want {
			t.Errorf("env %v, option %v: client timeout %v, want %v", tc.env, tc.o.Timeout, got, tc.want)
		}
	}
}

func TestIsConnectionError(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused", refused, true},
		{"reset", reset, true},
		{"bare ECONNRESET", fmt.Errorf("x: %w", syscall.ECONNRESET), true},
		{"broken pipe", syscall.EPIPE, true},
		{"closed before the answer", io.EOF, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"dns", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "collector", IsNotFound: true}}, true},
		{"untrusted certificate", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false},
		{"certificate inside a dial error", &net.OpError{Op: "dial", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}, false},
		{"tls to a plaintext port", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, false},
		{"other", errors.New("request body too large"), false},
		{"url error of a refused dial", &url.Error{Op: "Post", URL: "http://x", Err: refused}, true},
		{"http2 goaway", &url.Error{Op: "Post", URL: "https://x", Err: errors.New(`http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=""`)}, true},
	} {
		if got := isConnectionError(tc.err); got != tc.want {
			t.Errorf("%s: isConnectionError(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	if !(&connError{err: refused}).Temporary() || !errors.Is(&connError{err: refused}, syscall.ECONNREFUSED) {
		t.Error("connError must be temporary and unwrap to its cause")
	}
}

// TestGRPCExportWaitsForReconnect: a gRPC export that starts while the
// collector is down goes through once it is up, within a deadline shorter
// than the SDK's first retry backoff (2.5 s at least): the export waits for
// the connection instead of failing fast and backing off.
func TestGRPCExportWaitsForReconnect(t *testing.T) {
	addr := downAddr(t)
	gs := grpc.NewServer()
	svc := &traceService{}
	collectortrace.RegisterTraceServiceServer(gs, svc)
	done := make(chan struct{})
	timer := time.AfterFunc(500*time.Millisecond, func() {
		defer close(done)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen: %v", err)
			return
		}
		go func() { _ = gs.Serve(l) }()
	})
	defer func() {
		if !timer.Stop() {
			<-done
		}
		gs.Stop()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2400*time.Millisecond)
	defer cancel()
	o := Overrides{Protocol: "grpc", Endpoint: "http://" + addr}
	if err := exportBySignal["traces"](t, env.FromMap(nil), o, ctx); err != nil {
		t.Fatalf("export while the collector comes up: %v", err)
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.spans != 1 {
		t.Errorf("receiver got %d spans, want 1", svc.spans)
	}
}

// TestHTTPExportBoundedByTimeout: the export timeout bounds a whole OTLP/HTTP
// export, retries included (the SDK bounds each request only): against a
// collector that answers 503 without Retry-After, and against one that is
// down (waited for on the reconnect schedule), the export ends with an
// error naming the timeout long before the caller's context.
func TestHTTPExportBoundedByTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	for collector, endpoint := range map[string]string{"503": srv.URL, "down": "http://" + downAddr(t)} {
		for sig, export := range exportBySignal {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := export(t, env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "200"}), Overrides{Endpoint: endpoint}, ctx)
			if err == nil || !strings.Contains(err.Error(), "OTLP export timeout (200ms)") {
				t.Errorf("%s, %s: export = %v, want the export timeout", collector, sig, err)
			}
			if ctx.Err() != nil {
				t.Errorf("%s, %s: the caller's context ended first", collector, sig)
			}
			cancel()
		}
	}
}

// flakyBase is a transport that refuses the first fails requests as a
// closed port does, then answers 200; it keeps each request's body.
type flakyBase struct {
	fails  int
	bodies []string
}

func (b *flakyBase) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	b.bodies = append(b.bodies, string(body))
	if len(b.bodies) <= b.fails {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	}
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
}

// TestRetryConnTransportWaitsOnSchedule: refused connections are tried
// again on the reconnect schedule with the whole body each time, until one
// gets through; a request that cannot be replayed, a failure that is not
// the connection's, and a context that ends while waiting end the waiting.
func TestRetryConnTransportWaitsOnSchedule(t *testing.T) {
	var waits []time.Duration
	record := func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	post := func(ctx context.Context, replayable bool) *http.Request {
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://collector:4318/v1/traces", strings.NewReader("batch"))
		if !replayable {
			r.GetBody = nil
		}
		return r
	}

	bounded, cancelBounded := context.WithTimeout(context.Background(), time.Hour) // as the client's timeout
	defer cancelBounded()
	base := &flakyBase{fails: 3}
	tr := &retryConnTransport{base: base, wait: record}
	resp, err := tr.RoundTrip(post(bounded, true))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after 3 refusals: %v, %v", resp, err)
	}
	if strings.Join(base.bodies, ",") != "batch,batch,batch,batch" {
		t.Errorf("bodies sent %q", base.bodies)
	}
	want := []time.Duration{100 * time.Millisecond, 160 * time.Millisecond, 256 * time.Millisecond}
	if len(waits) != len(want) {
		t.Fatalf("waits %v, want about %v", waits, want)
	}
	for i, w := range want {
		if lo, hi := w*8/10, w*12/10; waits[i] < lo || waits[i] > hi {
			t.Errorf("wait %d = %v, want %v ±20 %%", i, waits[i], w)
		}
	}

	base, waits = &flakyBase{fails: 1}, nil
	tr = &retryConnTransport{base: base, wait: record}
	_, err = tr.RoundTrip(post(bounded, false))
	var ce *connError
	if !errors.As(err, &ce) || len(base.bodies) != 1 || len(waits) != 0 {
		t.Errorf("a request without GetBody: %v after %d attempts, %d waits; want one attempt, a temporary error", err, len(base.bodies), len(waits))
	}
	base = &flakyBase{fails: 1}
	tr = &retryConnTransport{base: base, wait: record}
	if _, err = tr.RoundTrip(post(context.Background(), true)); !errors.As(err, &ce) || len(base.bodies) != 1 || len(waits) != 0 {
		t.Errorf("a request without a deadline: %v after %d attempts, %d waits; want one attempt, a temporary error", err, len(base.bodies), len(waits))
	}

	base = &flakyBase{fails: 1 << 30}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	tr = &retryConnTransport{base: base, wait: func(ctx context.Context, d time.Duration) error {
		if len(base.bodies) == 5 {
			cancel() // Shutdown's deadline, or the export timeout
		}
		return record(ctx, d)
	}}
	_, err = tr.RoundTrip(post(ctx, true))
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &ce) || len(base.bodies) != 5 {
		t.Errorf("context ended while waiting: %v after %d attempts; want the refusal, temporary, after 5", err, len(base.bodies))
	}

	tlsFail := &retryConnTransport{wait: record, base: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	})}
	waits = nil
	if _, err := tlsFail.RoundTrip(post(bounded, true)); err == nil || len(waits) != 0 {
		t.Errorf("certificate failure: %v after %d waits; want no wait", err, len(waits))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestReconnectWaitsCapped: the waits grow to the cap and stay there,
// each within the jitter.
func TestReconnectWaitsCapped(t *testing.T) {
	var w reconnectWaits
	var total time.Duration
	for i := range 40 {
		d := w.next()
		total += d
		if i >= 10 && (d < maxReconnectDelay*8/10 || d > maxReconnectDelay*12/10) {
			t.Fatalf("wait %d = %v, want the cap %v ±20 %%", i, d, maxReconnectDelay)
		}
	}
	if total > 40*maxReconnectDelay*12/10 {
		t.Errorf("40 waits took %v", total)
	}
}

// quotingTraceService refuses every export, quoting the authorization
// metadata it got, as collectors quote the credential they reject.
type quotingTraceService struct {
	collectortrace.UnimplementedTraceServiceServer
}

func (quotingTraceService) Export(ctx context.Context, _ *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	return nil, status.Errorf(codes.PermissionDenied, "invalid authorization %q", strings.Join(md.Get("authorization"), ","))
}

// TestExportErrorsScrubbed: every OTLP exporter built here returns its
// errors without the configured header values, though the collector
// quotes them: over HTTP, for each signal, and over gRPC.
func TestExportErrorsScrubbed(t *testing.T) {
	const key = "Bearer sk-EXPORTKEY123456"
	headers := map[string]string{"authorization": key}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid authorization "+r.Header.Get("authorization"), http.StatusUnauthorized)
	}))
	defer srv.Close()
	for sig, export := range exportBySignal {
		err := export(t, env.FromMap(nil), Overrides{Endpoint: srv.URL, Headers: headers}, context.Background())
		if err == nil || strings.Contains(err.Error(), "EXPORTKEY") || !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("http %s: export = %v, want the answer without the header value", sig, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(gs, quotingTraceService{})
	go func() { _ = gs.Serve(l) }()
	defer gs.Stop()
	o := Overrides{Protocol: "grpc", Endpoint: "http://" + l.Addr().String(), Headers: headers}
	err = exportBySignal["traces"](t, env.FromMap(nil), o, context.Background())
	if err == nil || strings.Contains(err.Error(), "EXPORTKEY") || !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("grpc: export = %v, want the answer without the header value", err)
	}
}
