package httpmw

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync/atomic"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/panictext"
	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/requestid"
	"github.com/otelkit/otelkit/internal/visible"
)

// Transport wraps base (http.DefaultTransport when nil or a nil pointer,
// such as a nil *http.Transport) for outgoing
// requests: a client span from otelhttp, the trace context and baggage
// injected by the propagators (see WithPropagators), and the request ID of the
// request's context (RequestID) forwarded in the request-ID header (see
// WithRequestIDHeader) unless the request already sets that header to one
// request ID the servers accept (see "Client" in the package
// documentation): an invalid or repeated one is replaced by the context's,
// and left as it is when the context has none.
//
// The span's url.full is redacted as the HTTP semantic conventions ask: user
// info becomes REDACTED:REDACTED, and the values of DefaultRedactedParams
// (pre-signed URL signatures, tokens, keys, passwords, …) and of the names
// given with WithRedactedParams become REDACTED. The request sent is the
// caller's, unchanged. When base fails, otelhttp makes its error's text
// the span's status description, and so it does with the error of a
// Read of the response body (other than io.EOF) and of a Write of a 101
// Switching Protocols response's body; there, and in the exception event
// of a panic of base, the URL is written as url.full shows it, and the
// URL's credentials (user name, password, redacted values) are REDACTED
// wherever else the text holds them (a value shorter than 8 bytes only
// where it stands alone). So are the values of the request's credential
// headers (Authorization, Proxy-Authorization, Cookie, X-Api-Key, the keys
// of logging.DefaultRedactedKeys, and any *Key, *Token*, *Secret*,
// *Password*, in any case; not keys added with otel.WithRedactedKeys) and
// what looks like an Authorization credential ("Bearer <token>", "Basic
// <user:password>", a JWT: the header a base adds itself, as an OAuth2
// transport does, is not in the request Transport sees): in a failed
// request's error and a panic's text always, in a response body's error
// only when the URL had something to redact, as only then is the body
// wrapped (wrapping the body of every request with such a header would
// cost each of them allocations). The caller gets base's error, and the
// body's, as it was. A failure whose text quotes no credential costs its
// text and scans of it, no allocation.
//
// The span is named "HTTP GET" (the standard methods), or "HTTP" for any
// other method. It ends when the response body is read to its end or
// closed: close every body, or the span is never exported. http.Client
// calls the transport once per redirect hop, so each hop has its own span,
// and the trace context and request ID go to every host the request is
// sent to, the redirect targets included. traceparent is always the client
// span's, written over one the request carries, and tracestate the
// context's: a tracestate the request carries is removed when the context
// has none, as it belongs to the traceparent replaced. baggage the request
// carries is kept unless the context has baggage, which replaces it.
//
// A request without Header gets one (on a copy); a nil request is an
// error. A panic of base ends the span as an error, with an exception
// event, and goes on to the caller.
//
// Server-side options are ignored.
func Transport(base http.RoundTripper, opts ...Option) http.RoundTripper {
	cfg := newConfig(opts)
	if base = option.Value(base); base == nil {
		base = http.DefaultTransport
	}
	oo := []otelhttp.Option{otelhttp.WithPropagators(propagatorOf(cfg)), otelhttp.WithSpanNameFormatter(clientSpanName)}
	if cfg.TracerProvider != nil {
		oo = append(oo, otelhttp.WithTracerProvider(cfg.TracerProvider))
	}
	if cfg.MeterProvider != nil {
		oo = append(oo, otelhttp.WithMeterProvider(cfg.MeterProvider))
	}
	return &redactTransport{
		next:   otelhttp.NewTransport(&ridTransport{base: base, header: cfg.requestIDHeader}, oo...),
		redact: cfg.redact,
	}
}

// clientSpanName is otelhttp's "HTTP GET", with a method outside the HTTP
// standard named "HTTP" (as the semantic conventions name _OTHER) instead
// of itself: a proxy forwards whatever method its clients send, and span
// names must stay bounded. The names are constants: no allocation.
func clientSpanName(_ string, r *http.Request) string {
	switch standardMethod(r.Method) {
	case http.MethodGet:
		return "HTTP GET"
	case http.MethodHead:
		return "HTTP HEAD"
	case http.MethodPost:
		return "HTTP POST"
	case http.MethodPut:
		return "HTTP PUT"
	case http.MethodPatch:
		return "HTTP PATCH"
	case http.MethodDelete:
		return "HTTP DELETE"
	case http.MethodConnect:
		return "HTTP CONNECT"
	case http.MethodOptions:
		return "HTTP OPTIONS"
	case http.MethodTrace:
		return "HTTP TRACE"
	}
	return "HTTP"
}

var (
	_ http.RoundTripper = (*redactTransport)(nil)
	_ http.RoundTripper = (*ridTransport)(nil)
)

// redactTransport hands otelhttp, which takes url.full from the request, a
// copy of the request whose URL is redacted; ridTransport, which otelhttp
// calls, puts the caller's URL back before the request is sent. So the raw
// URL is never on the span, not even for a moment. A URL with nothing to
// redact goes through as it is, at the cost of a scan of its query.
type redactTransport struct {
	next   http.RoundTripper
	redact *redactor
}

// origURLKey is the context key of the caller's URL, set by redactTransport
// for ridTransport.
type origURLKey struct{}

// origURL is the context redactTransport passes down: the caller's context,
// its URL, the redacted URL and its rule (for an error's text, see
// spanError) and, when the URL had user info, the redacted url.full
// (otelhttp leaves user info out instead of replacing it). Being the
// context itself saves an allocation.
type origURL struct {
	context.Context
	u      *url.URL
	red    *url.URL
	redact *redactor
	full   string
	// used makes it serve one request only: a later request made with a
	// context derived from this one (resp.Request.Context()) must not get
	// this URL.
	used atomic.Bool
}

func (o *origURL) Value(key any) any {
	if _, ok := key.(origURLKey); ok {
		return o
	}
	return o.Context.Value(key)
}

// errNilRequest is RoundTrip's error for a nil *http.Request.
var errNilRequest = errors.New("httpmw: Transport: nil *http.Request")

func (t *redactTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r == nil {
		return nil, errNilRequest
	}
	if r.Header == nil {
		// http.Client gives a request a Header, a direct caller of
		// RoundTrip may not; the propagators write into it. The copy
		// leaves the caller's request as it was.
		r = r.WithContext(r.Context())
		r.Header = make(http.Header)
	}
	var o *origURL
	if ru, changed := t.redact.url(r.URL); changed {
		o = &origURL{Context: r.Context(), u: r.URL, red: ru, redact: t.redact}
		if r.URL.User != nil {
			o.full = ru.String()
		}
		r = r.WithContext(o)
		r.URL = ru
	}
	resp, err := t.next.RoundTrip(r)
	err = callerError(err)
	if p, ok := err.(*basePanic); ok {
		panic(p.value) // the span has ended and the metric is recorded
	}
	if o != nil && err == nil {
		resp.Body = newErrorBody(resp.Body, nil, nil) // the base body's errors, see bodyerror.go
	}
	return resp, err
}

// CloseIdleConnections closes the idle connections of the base transport,
// when it can.
func (t *redactTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// restoreURL puts the caller's URL back into r (otelhttp's own clone, see
// ridTransport) when redactTransport replaced it, sets the semantic
// conventions' REDACTED:REDACTED user info on the span, and returns what
// redactTransport passed down (nil when it replaced nothing).
func restoreURL(r *http.Request) *origURL {
	o, ok := r.Context().Value(origURLKey{}).(*origURL)
	if !ok || !o.used.CompareAndSwap(false, true) {
		return nil
	}
	if o.full != "" {
		trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("url.full", o.full))
	}
	r.URL = o.u
	return o
}

// ridTransport runs inside otelhttp.Transport, which hands it a clone of the
// caller's request, with a Header (redactTransport sees to that); setting a
// header or the URL on that clone leaves the caller's request untouched.
type ridTransport struct {
	base   http.RoundTripper
	header string
}

func (t *ridTransport) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	o := restoreURL(r)
	if s := reqscope.FromContext(r.Context()); s != nil && requestid.ReplaceOutgoing(r.Header[t.header], s.ID()) {
		// The scope's one-element array holds the ID; its capacity of one
		// makes an append copy instead of writing into it.
		r.Header[t.header] = s.IDValues()
	}
	defer func() {
		if v := recover(); v != nil {
			if r.Body != nil {
				_ = r.Body.Close() // as base should have; otelhttp records the metric on it
			}
			resp, err = nil, newBasePanic(r.Context(), v, debug.Stack(), o, r.Header)
		}
	}()
	resp, err = t.base.RoundTrip(r)
	if err != nil {
		return resp, spanErrorOf(o, r.Header, err) // what the span shows; the caller gets err
	}
	resp, err = checkResponse(t.base, r, resp, err)
	if o != nil && err == nil && resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = newErrorBody(resp.Body, o, r.Header) // its errors as the span shows them, see bodyerror.go
	}
	return resp, err
}

// checkResponse turns a response that breaks the RoundTripper contract
// into an error naming base, the program's RoundTripper (otelhttp's own
// check would name ridTransport).
func checkResponse(base http.RoundTripper, r *http.Request, resp *http.Response, err error) (*http.Response, error) {
	switch {
	case err != nil:
		return resp, err
	case resp == nil:
		return nil, fmt.Errorf("httpmw: RoundTripper %T returned a nil *http.Response with a nil error", base)
	case resp.Body == nil && resp.ContentLength > 0 && r.Method != http.MethodHead:
		return nil, fmt.Errorf("httpmw: RoundTripper %T returned a *http.Response with content length %d but a nil Body", base, resp.ContentLength)
	}
	return resp, nil
}

// basePanic carries a panic of the base RoundTripper past otelhttp as an
// error, so that otelhttp ends the client span and records the duration
// (error.type names this type); redactTransport then panics again with
// value, so the caller sees the panic it would see without Transport.
type basePanic struct {
	value any
	text  string
}

func (p *basePanic) Error() string { return "httpmw: RoundTripper panicked: " + p.text }

// newBasePanic records the panic v on the client span of ctx as an
// exception event with stack, the stack where it happened, as the server
// side does for a handler's panic. Its text is redacted as a failed
// request's error is (redactText; o is the caller's URL, nil when it had
// nothing to redact, and h the request's header), and only then cut to
// reqscope.MaxText: a cut inside a credential leaves a head of it that is
// no longer the credential, and would show.
func newBasePanic(ctx context.Context, v any, stack []byte, o *origURL, h http.Header) *basePanic {
	text := redactText(o, h, panictext.Of(v, math.MaxInt)) // Of formats all of v in any case
	p := &basePanic{value: v, text: visible.Cut(text, reqscope.MaxText)}
	trace.SpanFromContext(ctx).AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.type", fmt.Sprintf("%T", v)),
		attribute.String("exception.message", p.text),
		attribute.String("exception.stacktrace", string(stack)),
	))
	return p
}

// CloseIdleConnections closes the idle connections of base, when it can.
func (t *ridTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
