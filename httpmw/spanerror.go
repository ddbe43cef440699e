package httpmw

import (
	"net/url"
	"strings"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/internal/scrub"
)

// otelhttp makes the error of the base RoundTripper the client span's
// status description, and that text may quote the request's URL: a
// *url.Error a custom RoundTripper (or a proxy or retry library) returns,
// or any error that prints the URL. Key redaction does not reach a status
// description, so ridTransport hands otelhttp a spanError, whose text shows
// the URL as url.full does, and redactTransport hands the caller the
// original error. Only a failed request whose URL had something to redact
// pays for it.

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
// itself when its text quotes none of o's credentials.
func spanErrorOf(o *origURL, err error) error {
	msg := err.Error()
	if clean := o.redactText(msg); clean != msg {
		return &spanError{err: err, msg: clean}
	}
	return err
}

// callerError is what the caller of Transport gets: the base
// RoundTripper's error as it was.
func callerError(err error) error {
	if e, ok := err.(*spanError); ok {
		return e.err
	}
	return err
}

// redactText returns text with every quotation of the caller's URL (as
// url.URL's String and Redacted write it, and as http.Client does, with
// "***" for the password) replaced by url.full, and the credentials of
// the URL (the values of the sensitive parameters, the user name and the
// password) replaced by REDACTED wherever else they occur, in any form
// the scrub package knows (escaped, quoted).
func (o *origURL) redactText(text string) string {
	full := o.red.String()
	forms := []string{o.u.String(), o.u.Redacted()}
	if _, ok := o.u.User.Password(); ok {
		c := *o.u
		c.User = url.UserPassword(o.u.User.Username(), "***")
		forms = append(forms, c.String())
	}
	sc := scrub.New(o.credentials())
	var b strings.Builder
	for {
		at, n := firstOf(text, forms)
		if at < 0 {
			b.WriteString(sc.String(text))
			return b.String()
		}
		b.WriteString(sc.String(text[:at]))
		b.WriteString(full)
		text = text[at+n:]
	}
}

// firstOf returns the index and length of the first and, there, longest
// of forms in s; -1 when none occurs.
func firstOf(s string, forms []string) (at, n int) {
	at = -1
	for _, f := range forms {
		i := -1
		if f != "" {
			i = strings.Index(s, f)
		}
		if i >= 0 && (at < 0 || i < at || i == at && len(f) > n) {
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
