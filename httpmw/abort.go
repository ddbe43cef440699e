package httpmw

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/zapcore"
)

// A handler cuts its response off on purpose by panicking
// http.ErrAbortHandler (httputil.ReverseProxy does when the backend fails
// mid-copy); net/http then drops the connection and logs nothing. Panicking
// it again at once, inside otelhttp, would skip otelhttp's end of the
// request (span status, name and response attributes, the duration and
// size metrics) and the access line: the request would be a span and
// nothing else. So the middleware holds the panic until both are done:
// abort notes it, the handler returns to otelhttp as if normally, and
// ServeHTTP panics again after the access line (panicIfAborted). It is no
// fault of the program: no panic_recovered line, and the access line is a
// warning.

// errorTypeAborted is the error.type of an aborted request's span and
// duration metric points (semconv: set when a request ends in an error).
var errorTypeAborted = semconv.ErrorTypeKey.String("aborted")

// abort notes that the handler aborted the response, on the span (an
// error, error.type aborted) and for otelhttp's metrics (error.type
// through the request's otelhttp.Labeler). When no status went out, it
// hands otelhttp a zero status, which its metrics and span then leave out
// (semconv: the status code only when one was sent), instead of the 200
// otelhttp assumes for a handler that wrote nothing; st.rw keeps that
// status from the connection. w and r are what inner received, or the
// request's own writer and request before inner ran.
func (h *handler) abort(st *state, span trace.Span, w http.ResponseWriter, r *http.Request) {
	st.aborted = true
	span.SetStatus(codes.Error, "aborted")
	span.SetAttributes(errorTypeAborted)
	if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
		l.Add(errorTypeAborted)
	}
	if !st.rw.wroteHeader {
		st.rw.aborted = true
		w.WriteHeader(0)
	}
}

// panicIfAborted panics http.ErrAbortHandler again once the request's span,
// metrics and access line are done, so that net/http aborts the response.
func (st *state) panicIfAborted() {
	if st.aborted {
		panic(http.ErrAbortHandler)
	}
}

// abortedField marks an aborted request's access line: "aborted": true.
type abortedField struct{}

func (abortedField) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddBool("aborted", true)
	return nil
}
