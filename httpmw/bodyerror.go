package httpmw

import (
	"io"
	"net/http"
)

// otelhttp wraps the response body to end the client span, and a Read
// error other than io.EOF (or a Write error, on the writable body of a
// 101 Switching Protocols response) becomes the span's status description,
// as a failed RoundTrip's error does (see spanerror.go); the text may quote
// the request's URL just the same (a proxy library's body, a *url.Error).
// So the response body gets the RoundTrip error's treatment: ridTransport
// hands otelhttp the base's body behind an errorBody that turns its errors
// into spanErrorOf's, and redactTransport hands the caller otelhttp's body
// behind one that turns them back into callerError's, the base body's own.
// Only a response to a URL that had something to redact is wrapped; any
// other keeps the body otelhttp returns, at no cost. So a body's error
// quoting a header credential (which spanErrorOf redacts too) is redacted
// only for such a URL: wrapping the body of every request that sends an
// Authorization header or a cookie would cost each of them two
// allocations, and nothing known before the first Read tells which body
// will fail.

// errorBody is a response body whose Read and Write errors are rewritten:
// to spanErrorOf's when o is set (the side otelhttp reads), to
// callerError's when o is nil (the side the caller reads). io.EOF, which
// otelhttp compares with ==, and Close's error pass as they are (otelhttp
// records neither on the span).
type errorBody struct {
	body io.ReadCloser
	o    *origURL
	h    http.Header // the request's, for spanErrorOf
}

// newErrorBody returns body behind an errorBody (see there for o) with
// the same shape: writable (an io.ReadWriteCloser) only when body is, as
// otelhttp keeps a 101 response's body writable only when it is one.
// readOnlyBody, one pointer, costs no allocation of its own.
func newErrorBody(body io.ReadCloser, o *origURL, h http.Header) io.ReadCloser {
	b := &errorBody{body: body, o: o, h: h}
	if _, ok := body.(io.Writer); ok {
		return b
	}
	return readOnlyBody{b}
}

func (b *errorBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	return n, b.rewrite(err)
}

// Write is reached only when body is an io.Writer (newErrorBody).
func (b *errorBody) Write(p []byte) (int, error) {
	n, err := b.body.(io.Writer).Write(p)
	return n, b.rewrite(err)
}

func (b *errorBody) Close() error { return b.body.Close() }

func (b *errorBody) rewrite(err error) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case b.o != nil:
		return spanErrorOf(b.o, b.h, err)
	}
	return callerError(err)
}

// readOnlyBody is an errorBody without Write.
type readOnlyBody struct{ b *errorBody }

func (r readOnlyBody) Read(p []byte) (int, error) { return r.b.Read(p) }
func (r readOnlyBody) Close() error               { return r.b.Close() }

var (
	_ io.ReadWriteCloser = (*errorBody)(nil)
	_ io.ReadCloser      = readOnlyBody{}
)
