package otlpconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// The OTLP/HTTP exporters of SDK v1.47 retry an export only after a 429,
// 502, 503 or 504 answer or a url.Error whose Temporary() is true. A
// refused or reset connection is neither: the batch is dropped at once,
// although the collector may be back a second later (a restart, a rolling
// update). gRPC retries the same outage (Unavailable).
//
// otelkit therefore gives the HTTP exporters their own http.Client whose
// transport marks connection-level failures as temporary. The SDK then
// retries them exactly like any other retryable failure: its own
// exponential backoff (2.5–7.5 s first, then growing), within its own
// limits and the export's context. A wrapper around the exporter could
// retry too, but it would be a second retry policy beside the SDK's, would
// have to recognise the SDK's wrapped errors from outside, and would encode
// the request again each time.
//
// Passing a client makes the SDK ignore its own TLS, proxy and timeout
// settings, so the client carries them: the tls.Config Resolve built from
// the OTEL_EXPORTER_OTLP_*CERTIFICATE / CLIENT_* variables, the proxy from
// the environment and the resolved timeout (per attempt, as the SDK's).

// newHTTPClient returns the client for one OTLP/HTTP exporter. Its
// transport has the SDK's settings (the SDK keeps its own copy of
// http.DefaultTransport's so that a replaced default cannot change it).
func newHTTPClient(tlsConfig *tls.Config, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		TLSClientConfig:       tlsConfig,
	}
	return &http.Client{Transport: retryConnTransport{tr}, Timeout: timeout}
}

// retryConnTransport marks connection failures as temporary (see above).
type retryConnTransport struct{ base *http.Transport }

func (t retryConnTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil && r.Context().Err() == nil && isConnectionError(err) {
		return resp, &connError{err: err}
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (t retryConnTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// isConnectionError reports a failure to reach the collector or a
// connection it dropped: dial errors (refused, unreachable, name not
// resolved, dial timeout), resets and aborts, a broken pipe, or the
// connection closing before the answer. Certificate and TLS handshake
// failures are not: retrying cannot fix a configuration.
func isConnectionError(err error) bool {
	var (
		certErr    *tls.CertificateVerificationError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) ||
		errors.As(err, &invalidErr) || errors.As(err, &recordErr) || errors.As(err, &alertErr) {
		return false
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "read" || opErr.Op == "write") {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// connError is a connection failure the SDK should retry: url.Error's
// Temporary() asks its Err (this value) directly.
type connError struct{ err error }

func (e *connError) Error() string   { return e.err.Error() }
func (e *connError) Unwrap() error   { return e.err }
func (e *connError) Temporary() bool { return true }
