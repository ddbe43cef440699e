package httpmw

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/reqscope"
)

// secretURLPath is a request URL with credentials in its user info and
// query, as a pre-signed or token-bearing URL has them.
const secretURLPath = "/p?token=tok-secret-123&X-Amz-Signature=sig-secret-456&page=2"

var spanSecrets = []string{"deploy-bot", "pw-secret-789", "tok-secret-123", "sig-secret-456"}

// retryingRT is the kind of inner RoundTripper a retry or proxy library
// is: it quotes the request's URL in its error, as *url.Error does.
type retryingRT struct{ base http.RoundTripper }

func (rt retryingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(r)
	if err != nil {
		return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: err}
	}
	return resp, nil
}

// TestTransportErrorTextRedacted: the error of an inner RoundTripper that
// quotes the request's URL reaches the client span's status as url.full
// shows the URL (user info REDACTED:REDACTED, credential values REDACTED),
// with error.type the original's; the caller gets the original error,
// *url.Error, net.Error and context.Canceled included.
func TestTransportErrorTextRedacted(t *testing.T) {
	e := newTestEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close() // the connection drops: the base transport fails
		}
	}))
	defer srv.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	tr := Transport(retryingRT{base}, e.opts()...)
	u := strings.Replace(srv.URL, "http://", "http://deploy-bot:pw-secret-789@", 1) + secretURLPath

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		is   error
	}{{"connection dropped", context.Background(), nil}, {"canceled", canceled, context.Canceled}} {
		t.Run(c.name, func(t *testing.T) {
			e.sr.Reset()
			req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if err == nil {
				_ = resp.Body.Close()
				t.Fatal("no error")
			}
			var ue *url.Error
			var ne net.Error
			if !errors.As(err, &ue) || ue.URL != req.URL.String() || !errors.As(err, &ne) {
				t.Errorf("caller's error %T %q is not the base's *url.Error", err, err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("caller's error %q is not %v", err, c.is)
			}
			s := e.onlySpan(t)
			full := spanAttrString(s, "url.full")
			if !strings.Contains(full, "REDACTED:REDACTED@") || !strings.Contains(full, "token=REDACTED") {
				t.Fatalf("url.full %q not redacted", full)
			}
			want := fmt.Sprintf("Get %q: %v", full, ue.Err)
			if st := s.Status(); st.Code != codes.Error || st.Description != want {
				t.Errorf("span status %q, want %q", st.Description, want)
			}
			if et := spanAttrString(s, "error.type"); et != "*url.Error" {
				t.Errorf("error.type %q, want *url.Error", et)
			}
			// otelhttp's duration metric takes error.type from the concrete
			// type: still the base's *url.Error.
			for _, set := range e.histogramSeries(t, "http.client.request.duration") {
				if et, _ := set.Value("error.type"); et.AsString() != "net/url.Error" {
					t.Errorf("duration error.type %q, want net/url.Error", et.AsString())
				}
			}
		})
	}
}

// TestTransportErrorTextOtherForms: an error that quotes the URL another
// way (Redacted, a query value alone, escaped, in a *url.Error's Op) and a
// panic that quotes it leave no credential on the span.
func TestTransportErrorTextOtherForms(t *testing.T) {
	e := newTestEnv(t)
	u, err := url.Parse("http://deploy-bot:pw-secret-789@127.0.0.1:1" + secretURLPath)
	if err != nil {
		t.Fatal(err)
	}
	orig := errors.New("base failed")
	texts := []func(*http.Request) error{
		func(r *http.Request) error { return fmt.Errorf("giving up on %s: %w", r.URL.Redacted(), orig) },
		func(r *http.Request) error {
			return fmt.Errorf("bad signature %q in %s: %w", r.URL.Query().Get("X-Amz-Signature"), r.URL.RawQuery, orig)
		},
		func(r *http.Request) error { return fmt.Errorf("%s: %w", url.QueryEscape(r.URL.String()), orig) },
		// A *url.Error is rebuilt for the span: its Op is text too.
		func(r *http.Request) error {
			return &url.Error{Op: "GET " + r.URL.String(), URL: r.URL.String(), Err: orig}
		},
	}
	for i, text := range texts {
		e.sr.Reset()
		tr := Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) { return nil, text(r) }), e.opts()...)
		_, err := tr.RoundTrip(&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}})
		if !errors.Is(err, orig) || !strings.Contains(err.Error(), "tok-secret-123") {
			t.Errorf("%d: caller's error %q is not the base's", i, err)
		}
		noSecrets(t, fmt.Sprint(i), e.onlySpan(t))
	}

	e.sr.Reset()
	tr := Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) { panic("cannot fetch " + r.URL.String()) }), e.opts()...)
	func() {
		defer func() {
			if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "tok-secret-123") {
				t.Errorf("caller recovered %v, want the base's panic", v)
			}
		}()
		_, _ = tr.RoundTrip(&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}})
	}()
	s := e.onlySpan(t)
	noSecrets(t, "panic", s)
	if d := s.Status().Description; !strings.Contains(d, spanAttrString(s, "url.full")) {
		t.Errorf("panic status %q does not quote url.full", d)
	}
}

// noSecrets fails when s's status, attributes or events hold one of
// spanSecrets, or s is not an error.
func noSecrets(t *testing.T, name string, s sdktrace.ReadOnlySpan) {
	t.Helper()
	noSecretsOf(t, name, s, spanSecrets)
}

// noSecretsOf fails when s's status, attributes or events hold one of
// secrets (as it is or query-escaped), or s is not an error.
func noSecretsOf(t *testing.T, name string, s sdktrace.ReadOnlySpan, secrets []string) {
	t.Helper()
	texts := []string{s.Status().Description}
	for _, kv := range s.Attributes() {
		texts = append(texts, kv.Value.String())
	}
	for _, ev := range s.Events() {
		texts = append(texts, ev.Name)
		for _, kv := range ev.Attributes {
			texts = append(texts, kv.Value.String())
		}
	}
	for _, text := range texts {
		for _, secret := range secrets {
			if strings.Contains(text, secret) || strings.Contains(text, url.QueryEscape(secret)) {
				t.Errorf("%s: span text %q holds %q", name, text, secret)
			}
		}
	}
	if s.Status().Code != codes.Error {
		t.Errorf("%s: span status %v", name, s.Status())
	}
}

func spanAttrString(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.AsString()
		}
	}
	return ""
}

// TestRedactTextLinear: a text that quotes the URL many times, in one of
// its forms only, is searched once per form (the absent forms are not
// searched again after each quotation found), and every quotation is found.
func TestRedactTextLinear(t *testing.T) {
	const n = 1000
	u, err := url.Parse("http://deploy-bot:pw-secret-789@127.0.0.1:1" + secretURLPath)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("retry "+u.String()+"; ", n)
	forms := []string{u.String(), u.Redacted(), "absent-form"}
	q := newQuotes(forms)
	found := 0
	for done := 0; ; found++ {
		at, l := q.first(text, done)
		if at < 0 {
			break
		}
		done = at + l
	}
	if found != n {
		t.Errorf("%d quotations found, want %d", found, n)
	}
	if limit := len(forms) * len(text); q.searched > limit {
		t.Errorf("%d bytes searched in a text of %d, want at most %d", q.searched, len(text), limit)
	}
	ru, _ := defaultRedactor.url(u)
	o := &origURL{u: u, red: ru, redact: defaultRedactor}
	if got := redactText(o, nil, text); strings.Contains(got, "pw-secret-789") {
		t.Errorf("a quotation kept its password: %.200q", got)
	}
}

// headerSecrets are the credentials headerRequest sends in its headers,
// and innerBearer the one a base adds itself (as an OAuth2 transport
// does), which only its form gives away.
var (
	headerSecrets = []string{"hdr-bearer-0042abcd", "hdr-cookie-7781xyz", "hdr-apikey-9931qrs", "hdr-custom-5521key"}
	innerBearer   = "ya29.inner-5567"
)

// headerRequest is a GET of u with credentials in its Authorization,
// Cookie, X-Api-Key and X-Custom-Key headers (the last one a credential's
// by redact.CredentialHeader's broader check only, in HTTP's case).
func headerRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+headerSecrets[0])
	req.Header.Set("Cookie", "theme=dark; session="+headerSecrets[1])
	req.Header.Set("X-Api-Key", headerSecrets[2])
	req.Header.Set("X-Custom-Key", headerSecrets[3])
	return req
}

// noHeaderSecrets fails when s's status, attributes or events hold one
// of headerSecrets or innerBearer, or s is not an error.
func noHeaderSecrets(t *testing.T, name string, s sdktrace.ReadOnlySpan) {
	t.Helper()
	noSecretsOf(t, name, s, append([]string{innerBearer}, headerSecrets...))
}

// TestTransportErrorTextHeaderCredentials: an error of the base that
// quotes the credentials the request sends in its headers (a proxy
// library dumping the request, a *url.Error quoting them, a base adding
// its own bearer token) leaves none of them on the client span, for a
// URL with nothing to redact and for one with credentials alike; the
// caller gets the base's error itself. So does a panic quoting them.
func TestTransportErrorTextHeaderCredentials(t *testing.T) {
	e := newTestEnv(t)
	orig := errors.New("base failed")
	// Each error and what its span status shows instead of a credential.
	errorsOf := map[string]struct {
		of   func(*http.Request) error
		want string
	}{
		"request dump": {func(r *http.Request) error {
			dump, err := httputil.DumpRequest(r, false)
			if err != nil {
				return err
			}
			return fmt.Errorf("proxy refused the request:\n%s: %w", dump, orig)
		}, "\r\nX-Api-Key: REDACTED\r\n"},
		"url.Error": {func(r *http.Request) error {
			return &url.Error{Op: "Get", URL: r.URL.String(), Err: fmt.Errorf("upstream rejected key %q, cookie %q, custom key %s, %s: %w",
				r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"), r.Header.Get("X-Custom-Key"), r.Header.Get("Authorization"), orig)}
		}, `key "REDACTED", cookie "REDACTED", custom key REDACTED, REDACTED: base failed`},
		"inner bearer": {func(*http.Request) error {
			return fmt.Errorf("refresh refused for Authorization: Bearer %s: %w", innerBearer, orig)
		}, "Authorization: Bearer REDACTED: base failed"},
	}
	for _, u := range []string{"http://127.0.0.1:1/p?page=2", secretURL} {
		for name, c := range errorsOf {
			t.Run(name+" "+u, func(t *testing.T) {
				e.sr.Reset()
				var baseErr error
				tr := Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
					baseErr = c.of(r)
					return nil, baseErr
				}), e.opts()...)
				resp, err := tr.RoundTrip(headerRequest(t, u))
				if err == nil {
					_ = resp.Body.Close()
					t.Fatal("no error")
				}
				if err != baseErr || !errors.Is(err, orig) {
					t.Errorf("caller's error %T %q is not the base's", err, err)
				}
				s := e.onlySpan(t)
				noHeaderSecrets(t, name, s)
				noSecrets(t, name, s)
				if d := s.Status().Description; !strings.Contains(d, c.want) {
					t.Errorf("status %q, want it to hold %q", d, c.want)
				}
			})
		}
		t.Run("panic "+u, func(t *testing.T) {
			e.sr.Reset()
			tr := Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				panic("cannot send X-Api-Key " + r.Header.Get("X-Api-Key") + " with " + r.Header.Get("Authorization"))
			}), e.opts()...)
			func() {
				defer func() {
					if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), headerSecrets[2]) {
						t.Errorf("caller recovered %v, want the base's panic", v)
					}
				}()
				_, _ = tr.RoundTrip(headerRequest(t, u))
			}()
			noHeaderSecrets(t, "panic", e.onlySpan(t))
		})
	}
}

// TestTransportPanicCutRedacted: a base's panic text longer than the
// span's bound, cut where it quotes a header credential, leaves no part
// of it on the span: the text is redacted before it is cut (cut first,
// the credential's head was no longer the credential, and showed).
func TestTransportPanicCutRedacted(t *testing.T) {
	e := newTestEnv(t)
	key := headerSecrets[2]
	head := key[:len(key)-6] // what a cut inside the key keeps of it
	for _, u := range []string{"http://127.0.0.1:1/p?page=2", secretURL} {
		t.Run(u, func(t *testing.T) {
			e.sr.Reset()
			tr := Transport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				text := strings.Repeat("x", reqscope.MaxText-len(head)-1) + " " + r.Header.Get("X-Api-Key") + " refused"
				panic(errors.New(text))
			}), e.opts()...)
			func() {
				defer func() { _ = recover() }()
				_, _ = tr.RoundTrip(headerRequest(t, u))
			}()
			s := e.onlySpan(t)
			var msg string
			for _, ev := range s.Events() {
				for _, kv := range ev.Attributes {
					if kv.Key == "exception.message" {
						msg = kv.Value.AsString()
					}
				}
			}
			if !strings.Contains(msg, " REDACTED") || len(msg) > reqscope.MaxText {
				t.Errorf("exception.message of %d bytes ends %q, want at most %d with the mark", len(msg), msg[max(0, len(msg)-40):], reqscope.MaxText)
			}
			noSecretsOf(t, "cut panic", s, []string{head})
		})
	}
}

// TestTransportErrorAllocations: a failed request whose error quotes
// nothing allocates no more through Transport than through otelhttp
// around the same base, also when it sends credentials in its headers
// (an Authorization header, a cookie): they are collected into a buffer
// on the stack, and no Scrubber is built (scrub.MayQuote).
func TestTransportErrorAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	tp := sdktrace.NewTracerProvider() // no processor: no recorder's growing slice
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	baseErr := errors.New("dial tcp 10.0.0.7:443: connect: connection refused") // its Error allocates nothing
	base := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, baseErr })
	direct := otelhttp.NewTransport(base, otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(testPropagator),
		otelhttp.WithSpanNameFormatter(clientSpanName))
	tr := Transport(base, WithTracerProvider(tp), WithPropagators(testPropagator))
	authorized := headerRequest(t, "http://svc.local/files/a")
	authorized.Header.Set("Cookie", "theme=dark; session=0123456789abcdef")
	for name, req := range map[string]*http.Request{
		"bare":       httptest.NewRequest(http.MethodGet, "http://svc.local/files/a", nil),
		"authorized": authorized,
	} {
		req.RequestURI = "" // httptest's is a server's request
		get := func(rt http.RoundTripper) func() {
			return func() {
				if _, err := rt.RoundTrip(req); err != baseErr {
					t.Fatalf("error %v, want the base's", err)
				}
			}
		}
		before, ours := testing.AllocsPerRun(200, get(direct)), testing.AllocsPerRun(200, get(tr))
		if ours > before {
			t.Errorf("%s: %v allocations through Transport, %v through otelhttp", name, ours, before)
		}
	}
}
