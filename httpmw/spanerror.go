package httpmw

import (
	"net/http"
	"net/url"
	"strings"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/internal/redact"
	"github.com/otelkit/otelkit/internal/scrub"
)

// otelhttp makes the error of the base RoundTripper the client span's
// status description, and that text may quote the request's credentials:
// its URL (a *url.Error a custom RoundTripper or a proxy or retry library
// returns, or any error that prints the URL) and its headers (a proxy
// library that dumps the request, an OAuth2 transport naming the token it
// sent). Key redaction does not reach a status description, so
// ridTransport hands otelhttp a spanError, whose text shows the URL as
// url.full does and has the header credentials REDACTED, and
// redactTransport hands the caller the original error. Only a failed
// request whose error text quotes a credential pays for the spanError;
// one whose text quotes none costs the error's text and a scan of it.

// spanError is the base RoundTripper's error as the client span records
// it: msg is its text with the request's credentials redacted.
type spanError struct {
	err error
	msg string
}

func (e *spanError) Error() string { return e.msg }

// Unwrap gives otelhttp's checks (errors.Is, errors.As) the original.
func (e *spanError) Unwrap() error { return e.err }

// ErrorType is the span's error.type: the original's, not spanError's.
func (e *spanError) ErrorType() string { return semconv.ErrorType(e.err).Value.AsString() }

// spanErrorOf returns err with the text the client span may show: err
// itself when its text quotes none of the request's credentials (see
// textRedactor; o is the caller's URL, nil when it had nothing to redact,
// and h the request's header). A *url.Error stays one, its URL and cause
// redacted, because otelhttp's duration metric takes error.type from the
// error's concrete type (the span honours spanError's ErrorType), and
// *url.Error is what a failing RoundTripper most often returns. Its Op is
// redacted too: a RoundTripper may put the method and URL there.
func spanErrorOf(o *origURL, h http.Header, err error) error {
	msg := err.Error()
	r := newTextRedactor(o, h, msg)
	clean := r.redact(msg)
	if clean == msg {
		return err
	}
	if ue, ok := err.(*url.Error); ok && ue.Err != nil {
		return &url.Error{Op: r.redact(ue.Op), URL: r.redact(ue.URL),
			Err: &spanError{err: err, msg: r.redact(ue.Err.Error())}}
	}
	return &spanError{err: err, msg: clean}
}

// callerError is what the caller of Transport gets: the base
// RoundTripper's error as it was.
func callerError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		if e, ok := ue.Err.(*spanError); ok {
			return e.err // the original *url.Error, spanErrorOf's rebuilt one around it
		}
	}
	if e, ok := err.(*spanError); ok {
		return e.err
	}
	return err
}

// redactText returns text as the client span may show it (see
// textRedactor): every quotation of the caller's URL o (as url.URL's
// String and Redacted write it, and as http.Client does, with "***" for
// the password) replaced by url.full, and the credentials of the URL (the
// values of the sensitive parameters, the user name and the password) and
// the values of h's credential headers replaced by REDACTED wherever else
// they occur, in any form the scrub package knows (escaped, quoted). o is
// nil when the URL had nothing to redact.
func redactText(o *origURL, h http.Header, text string) string {
	r := newTextRedactor(o, h, text)
	return r.redact(text)
}

// textRedactor redacts the texts of one failure (a *url.Error's three) as
// redactText says: built once, since the scrubber costs more than the
// scan. Besides the URL's and the headers' credentials it replaces what
// looks like an Authorization credential (scrub.AuthCredentials: "Bearer
// <token>", "Basic <user:password>", a JWT), which a base that sets its
// own Authorization header (an OAuth2 transport) may quote: that header
// is not in the request Transport sees. grpcmw's client does the same
// with the status of a failed call.
type textRedactor struct {
	full  string          // url.full, when the URL had something to redact
	forms []string        // the caller's URL as texts quote it; none when full is ""
	sc    *scrub.Scrubber // nil: URL user info only (Scrubber.String)
}

// newTextRedactor returns the textRedactor of o (nil: the URL had nothing
// to redact) and h, the request's header, for text. With no URL to
// redact, the Scrubber, which allocates every form of every secret, is
// built only when text may quote a header credential (scrub.NewFor): a
// failure whose text quotes none costs no allocation here, the header's
// credentials being gathered on the stack.
func newTextRedactor(o *origURL, h http.Header, text string) textRedactor {
	var buf [4]string
	secrets := redact.AppendHeaderCredentials(buf[:0], h)
	if o == nil {
		return textRedactor{sc: scrub.NewFor(secrets, text)}
	}
	forms := []string{o.u.String(), o.u.Redacted()}
	if _, ok := o.u.User.Password(); ok {
		c := *o.u
		c.User = url.UserPassword(o.u.User.Username(), "***")
		forms = append(forms, c.String())
	}
	return textRedactor{full: o.red.String(), forms: forms, sc: scrub.New(append(o.credentials(), secrets...))}
}

// redact is redactText with r's URL forms and scrubber.
func (r *textRedactor) redact(text string) string {
	if len(r.forms) == 0 {
		return scrub.AuthCredentials(r.sc.String(text))
	}
	q := newQuotes(r.forms)
	var b strings.Builder
	for done := 0; ; {
		at, n := q.first(text, done)
		if at < 0 {
			b.WriteString(r.sc.String(text[done:]))
			return scrub.AuthCredentials(b.String())
		}
		b.WriteString(r.sc.String(text[done:at]))
		b.WriteString(r.full)
		done = at + n
	}
}

// quotes finds the forms of a URL in a text from left to right. It keeps
// each form's next occurrence, so that a text quoting the URL many times
// (a retry library's joined errors) is searched once per form, not once
// per form and quotation: the work stays linear in the text's length.
type quotes struct {
	forms []string
	next  []int // index of forms[i] in the text at or after the last start; -1 none
	// searched counts the bytes searched (TestRedactTextLinear).
	searched int
}

func newQuotes(forms []string) *quotes {
	next := make([]int, len(forms))
	for i := range next {
		next[i] = -2 // not searched yet
	}
	return &quotes{forms: forms, next: next}
}

// first returns the index and length of the first and, there, longest of
// the forms in s at or after from; -1 when none occurs.
func (q *quotes) first(s string, from int) (at, n int) {
	at = -1
	for k, f := range q.forms {
		if f == "" {
			continue
		}
		if q.next[k] == -2 || q.next[k] >= 0 && q.next[k] < from {
			q.next[k] = -1
			if i := strings.Index(s[from:], f); i >= 0 {
				q.next[k] = from + i
				q.searched += i + len(f)
			} else {
				q.searched += len(s) - from
			}
		}
		if i := q.next[k]; i >= 0 && (at < 0 || i < at || i == at && len(f) > n) {
			at, n = i, len(f)
		}
	}
	return at, n
}

// credentials returns the user name, password and sensitive parameter
// values of the caller's URL, raw and unescaped.
func (o *origURL) credentials() []string {
	var out []string
	if u := o.u.User; u != nil {
		p, _ := u.Password()
		out = append(out, u.Username(), p)
	}
	for _, raw := range []string{o.u.RawQuery, o.u.EscapedFragment()} {
		for i := 0; i < len(raw); {
			key, hasValue, end := nextParam(raw, i)
			if hasValue && o.redact.sensitive(key) {
				v := raw[i+len(key)+1 : end]
				out = append(out, v)
				if uv, err := url.QueryUnescape(v); err == nil && uv != v {
					out = append(out, uv)
				}
			}
			i = end + 1
		}
	}
	return out
}
