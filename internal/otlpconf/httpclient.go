package otlpconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// The OTLP/HTTP exporters of SDK v1.47 retry an export only after a 429,
// 502, 503 or 504 answer or a url.Error whose Temporary() is true. A
// refused or reset connection is neither: the batch is dropped at once,
// although the collector may be back a second later (a restart, a rolling
// update).
//
// otelkit therefore gives the HTTP exporters their own http.Client whose
// transport waits for a collector it cannot reach, as the gRPC exporters
// wait for their channel (grpcdial.go): a connection-level failure is
// tried again on the reconnect schedule (100 ms, growing to 1 s, ±20 %),
// with the request's body replayed, until it gets through or the export's
// context ends (OTEL_EXPORTER_OTLP_TIMEOUT, or Shutdown's deadline). Left
// to the SDK's backoff (2.5–7.5 s first, then growing), the export would
// wait seconds after the collector is back, and meanwhile the batch
// processor's queue, behind its one worker, fills and drops. A collector
// that answers (429, 503 with or without Retry-After) is left to the SDK's
// backoff: it is up, and may be asking for less. The failure the transport
// gives up with is marked temporary, so that the SDK's retry, finding the
// context ended, names what ended it (the export timeout, Shutdown's
// deadline). A request without a deadline is not waited for (otelkit's
// client always has one), nor one whose body cannot be replayed: their
// failures are left to the SDK's backoff, as before.
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
	return &http.Client{Transport: &retryConnTransport{base: tr, wait: waitCtx}, Timeout: timeout}
}

// retryConnTransport waits for a collector it cannot reach (see above).
type retryConnTransport struct {
	base http.RoundTripper
	wait func(context.Context, time.Duration) error // waitCtx; tests record the waits
}

func (t *retryConnTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	// Only a request with a deadline waits (otelkit's client always has a
	// timeout): a wait must end.
	_, bounded := r.Context().Deadline()
	var waits reconnectWaits
	for err != nil && isConnectionError(err) && r.GetBody != nil && bounded {
		if t.wait(r.Context(), waits.next()) != nil {
			// Temporary: the SDK's retry then finds the context ended and
			// says why (the export timeout, Shutdown's deadline).
			return nil, &connError{err: err}
		}
		body, berr := r.GetBody()
		if berr != nil {
			break
		}
		again := r.Clone(r.Context())
		again.Body = body
		resp, err = t.base.RoundTrip(again)
	}
	if err != nil && r.Context().Err() == nil && isConnectionError(err) {
		return resp, &connError{err: err}
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (t *retryConnTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// waitCtx waits d, or until ctx ends (then it returns ctx's error).
func waitCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

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
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		// HTTP/2 (https endpoints): a collector shutting down sends GOAWAY
		// and closes the connection on a request in flight; net/http's
		// error type for it is not exported.
		strings.Contains(err.Error(), "http2: server sent GOAWAY")
}

// connError is a connection failure the SDK should retry: url.Error's
// Temporary() asks its Err (this value) directly.
type connError struct{ err error }

func (e *connError) Error() string   { return e.err.Error() }
func (e *connError) Unwrap() error   { return e.err }
func (e *connError) Temporary() bool { return true }
