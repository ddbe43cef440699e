package httpmw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// secretURL is a request URL with credentials in its user info and query.
const secretURL = "http://deploy-bot:pw-secret-789@127.0.0.1:1" + secretURLPath

// failingBody is a response body that gives data, then fails every Read
// and Write with err (io.EOF: ends), and counts its Close calls.
type failingBody struct {
	data    io.Reader
	err     error
	written bytes.Buffer
	closed  int
}

func (b *failingBody) Read(p []byte) (int, error) {
	if n, _ := b.data.Read(p); n > 0 {
		return n, nil
	}
	return 0, b.err
}

func (b *failingBody) Close() error { b.closed++; return nil }

// upgradeBody is the body of a 101 Switching Protocols response: it can be
// written to, as net/http's is.
type upgradeBody struct{ *failingBody }

func (b upgradeBody) Write(p []byte) (int, error) {
	if b.err != io.EOF {
		return 0, b.err
	}
	return b.written.Write(p)
}

// bodyErrors are read errors that quote the request's URL: the text a
// proxy library or a custom RoundTripper's body writes, and a *url.Error.
var bodyErrors = []struct {
	name string
	of   func(*http.Request) error
}{
	{"text", func(r *http.Request) error { return fmt.Errorf("reading %s: connection reset", r.URL) }},
	{"url.Error", func(r *http.Request) error {
		return &url.Error{Op: "Get", URL: r.URL.String(), Err: io.ErrUnexpectedEOF}
	}},
}

// bodyTransport returns Transport around a base that answers with status
// code and a body made by body from the request the base got (whose URL
// is the caller's).
func bodyTransport(e *testEnv, code int, body func(*http.Request) io.ReadCloser) http.RoundTripper {
	return Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: code, Header: http.Header{}, Body: body(r), Request: r}, nil
	}), e.opts()...)
}

// getSecret sends a GET of secretURL through tr.
func getSecret(t *testing.T, tr http.RoundTripper) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, secretURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestTransportBodyErrorRedacted: a response body whose Read fails with an
// error quoting the request's URL leaves no credential on the client span,
// whose status shows the URL as url.full does; the caller gets the body's
// error itself, and the body is closed once.
func TestTransportBodyErrorRedacted(t *testing.T) {
	e := newTestEnv(t)
	for _, c := range bodyErrors {
		t.Run(c.name, func(t *testing.T) {
			e.sr.Reset()
			var body *failingBody
			tr := bodyTransport(e, http.StatusOK, func(r *http.Request) io.ReadCloser {
				body = &failingBody{data: strings.NewReader("partial"), err: c.of(r)}
				return body
			})
			resp := getSecret(t, tr)
			data, err := io.ReadAll(resp.Body)
			if string(data) != "partial" || err != body.err {
				t.Errorf("caller read %q, %v; want %q and the body's error %v", data, err, "partial", body.err)
			}
			if err := resp.Body.Close(); err != nil || body.closed != 1 {
				t.Errorf("Close: %v, body closed %d times; want nil and once", err, body.closed)
			}
			s := e.onlySpan(t)
			noSecrets(t, c.name, s)
			if d := s.Status().Description; !strings.Contains(d, spanAttrString(s, "url.full")) {
				t.Errorf("status %q does not quote url.full", d)
			}
			want := fmt.Sprintf("%T", body.err)
			if et := spanAttrString(s, "error.type"); et != want {
				t.Errorf("error.type %q, want %q", et, want)
			}
		})
	}
}

// TestTransportBodyErrorHeaderCredentials: a response to a URL with
// credentials, whose body is wrapped, has a Read error quoting the
// request's header credentials redacted on the span as a failed
// request's is; the caller gets the body's error itself. (A response to a
// URL with nothing to redact is not wrapped, see
// TestTransportPlainURLAllocations.)
func TestTransportBodyErrorHeaderCredentials(t *testing.T) {
	e := newTestEnv(t)
	var body *failingBody
	tr := bodyTransport(e, http.StatusOK, func(r *http.Request) io.ReadCloser {
		body = &failingBody{data: strings.NewReader(""), err: fmt.Errorf("stream of %s for key %s (%s) reset",
			r.URL, r.Header.Get("X-Api-Key"), r.Header.Get("Authorization"))}
		return body
	})
	resp, err := tr.RoundTrip(headerRequest(t, secretURL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err != body.err {
		t.Errorf("Read error %v, want the body's %v", err, body.err)
	}
	_ = resp.Body.Close()
	s := e.onlySpan(t)
	noHeaderSecrets(t, "body", s)
	noSecrets(t, "body", s)
}

// TestTransportBodyEOF: io.EOF reaches otelhttp and the caller as itself,
// so the span ends at the end of a body to be redacted, unset, before
// Close; Close reaches the base's body once.
func TestTransportBodyEOF(t *testing.T) {
	e := newTestEnv(t)
	body := &failingBody{data: strings.NewReader("all"), err: io.EOF}
	resp := getSecret(t, bodyTransport(e, http.StatusOK, func(*http.Request) io.ReadCloser { return body }))
	p := make([]byte, 8)
	n, err := resp.Body.Read(p)
	if string(p[:n]) != "all" || err != nil {
		t.Fatalf("first Read: %q, %v", p[:n], err)
	}
	if n, err := resp.Body.Read(p); n != 0 || err != io.EOF {
		t.Fatalf("second Read: %d, %v; want 0, io.EOF itself", n, err)
	}
	if s := e.onlySpan(t); s.Status().Code != codes.Unset {
		t.Errorf("span status %v, want unset", s.Status())
	}
	if err := resp.Body.Close(); err != nil || body.closed != 1 {
		t.Errorf("Close: %v, body closed %d times; want nil and once", err, body.closed)
	}
}

// TestTransportBodyUpgrade: the writable body of a 101 Switching Protocols
// response stays writable through Transport for a URL to be redacted, its
// writes reach the base's body, and a Write or Read error leaves no
// credential on the span while the caller gets it as it was. A body that
// cannot be written to does not become writable.
func TestTransportBodyUpgrade(t *testing.T) {
	e := newTestEnv(t)
	var body *failingBody
	upgrade := func(err error) func(*http.Request) io.ReadCloser {
		return func(*http.Request) io.ReadCloser {
			body = &failingBody{data: strings.NewReader(""), err: err}
			return upgradeBody{body}
		}
	}
	rwc := func(t *testing.T, resp *http.Response) io.ReadWriteCloser {
		t.Helper()
		w, ok := resp.Body.(io.ReadWriteCloser)
		if !ok {
			t.Fatalf("101 body %T is not an io.ReadWriteCloser", resp.Body)
		}
		return w
	}

	t.Run("writes", func(t *testing.T) {
		e.sr.Reset()
		w := rwc(t, getSecret(t, bodyTransport(e, http.StatusSwitchingProtocols, upgrade(io.EOF))))
		if n, err := io.WriteString(w, "ping"); n != 4 || err != nil || body.written.String() != "ping" {
			t.Errorf("Write: %d, %v; the base's body got %q", n, err, body.written.String())
		}
		if err := w.Close(); err != nil || body.closed != 1 {
			t.Errorf("Close: %v, body closed %d times; want nil and once", err, body.closed)
		}
		if s := e.onlySpan(t); s.Status().Code == codes.Error {
			t.Errorf("span status %v", s.Status())
		}
	})
	// One operation per span: a later error's status would replace an
	// earlier one's.
	ops := map[string]func(io.ReadWriteCloser) error{
		"Write": func(w io.ReadWriteCloser) error { _, err := w.Write([]byte("ping")); return err },
		"Read":  func(w io.ReadWriteCloser) error { _, err := w.Read(make([]byte, 1)); return err },
	}
	for _, c := range bodyErrors {
		for op, do := range ops {
			t.Run(op+" error "+c.name, func(t *testing.T) {
				e.sr.Reset()
				var want error
				w := rwc(t, getSecret(t, bodyTransport(e, http.StatusSwitchingProtocols, func(r *http.Request) io.ReadCloser {
					want = c.of(r)
					return upgrade(want)(r)
				})))
				if err := do(w); err != want {
					t.Errorf("%s error %v, want the body's %v", op, err, want)
				}
				_ = w.Close()
				noSecrets(t, c.name, e.onlySpan(t))
			})
		}
	}

	e.sr.Reset()
	resp := getSecret(t, bodyTransport(e, http.StatusOK, func(*http.Request) io.ReadCloser {
		return io.NopCloser(strings.NewReader(""))
	}))
	if _, ok := resp.Body.(io.Writer); ok {
		t.Errorf("a read-only body became writable: %T", resp.Body)
	}
	_ = resp.Body.Close()
}

// TestTransportBodyErrorPlainURL: for a URL with nothing to redact, the
// body the caller gets is otelhttp's own (nothing added: a request costs
// what it did), and its error is the base body's.
func TestTransportBodyErrorPlainURL(t *testing.T) {
	e := newTestEnv(t)
	want := errors.New("reading http://127.0.0.1:1/p?page=2: connection reset")
	tr := bodyTransport(e, http.StatusOK, func(*http.Request) io.ReadCloser {
		return &failingBody{data: strings.NewReader(""), err: want}
	})
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/p?page=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	switch resp.Body.(type) {
	case *errorBody, readOnlyBody:
		t.Errorf("the body of a URL with nothing to redact is wrapped: %T", resp.Body)
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err != want {
		t.Errorf("Read error %v, want the body's", err)
	}
	_ = resp.Body.Close()
	if d := e.onlySpan(t).Status().Description; d != want.Error() {
		t.Errorf("span status %q, want %q", d, want)
	}
}

// TestTransportPlainURLAllocations: a request whose URL has nothing to
// redact, with a body read to its end, allocates no more through
// Transport than through otelhttp around the request-ID RoundTripper (the
// Transport before redaction, BenchmarkRedaction's "unredacted"): its
// body is not wrapped, also when the request sends credentials in its
// headers (whose quotation in a body's error is not looked for).
func TestTransportPlainURLAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	// Spans are recorded but kept by no processor, so that the counts do
	// not include a recorder's growing slice.
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: r,
			Body: io.NopCloser(strings.NewReader("ok"))}, nil
	})
	oo := []otelhttp.Option{otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(testPropagator),
		otelhttp.WithSpanNameFormatter(clientSpanName)} // otelhttp's own allocates the name
	unredacted := otelhttp.NewTransport(&ridTransport{base: base, header: "X-Request-Id"}, oo...)
	tr := Transport(base, WithTracerProvider(tp), WithPropagators(testPropagator))
	for name, req := range map[string]*http.Request{
		"bare":       httptest.NewRequest(http.MethodGet, "http://svc.local/files/a", nil),
		"query":      httptest.NewRequest(http.MethodGet, "http://svc.local/files/a?page=2&q=keep", nil),
		"authorized": headerRequest(t, "http://svc.local/files/a"),
	} {
		req.RequestURI = "" // httptest's is a server's request
		get := func(rt http.RoundTripper) func() {
			return func() {
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		}
		before, ours := testing.AllocsPerRun(200, get(unredacted)), testing.AllocsPerRun(200, get(tr))
		if ours > before {
			t.Errorf("%s: %v allocations through Transport, %v before redaction", name, ours, before)
		}
	}
}
