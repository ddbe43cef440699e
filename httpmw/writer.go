package httpmw

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/otelkit/otelkit/internal/reqscope"
)

// responseWriter records the status and body size of a response. It keeps
// the optional interfaces of the writer it wraps: http.Flusher, http.Hijacker and io.ReaderFrom are always present and fall
// back sensibly (http.ErrNotSupported, io.Copy) when the wrapped writer lacks
// them; Unwrap lets http.ResponseController reach the rest.
type responseWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	hijacked    bool
	aborted     bool         // the handler aborted the response: WriteHeader is not passed on (abort.go)
	server      *http.Server // the hijacked request's server, whose count it is in
	st          *state
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

func (w *responseWriter) WriteHeader(code int) {
	if w.aborted {
		return
	}
	if !w.wroteHeader {
		// 1xx informational responses (103 Early Hints) may precede the
		// final status; 101 Switching Protocols is final.
		if code < 100 || code > 199 || code == http.StatusSwitchingProtocols {
			w.status = code
			w.wroteHeader = true
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) markWritten() {
	if !w.wroteHeader {
		w.status = http.StatusOK
		w.wroteHeader = true
	}
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.markWritten()
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom lets io.Copy hand the copy (sendfile) to the wrapped writer.
// Only a copy that moved bytes counts as written: net/http (and io.Copy)
// send no header for an empty or failing source, so the handler may still
// set the status (io.Copy of an empty file, then WriteHeader(404)).
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, src)
	}
	if n > 0 {
		w.markWritten()
	}
	w.bytes += n
	return n, err
}

// writerOnly hides every method but Write, so io.Copy does not loop back
// into ReadFrom.
type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client. (There is deliberately no
// FlushError: otelhttp's httpsnoop wrapper would allocate an extra closure per
// request for it, and http.ResponseController falls back to Flush.)
func (w *responseWriter) Flush() { _ = w.flush() }

func (w *responseWriter) flush() error {
	w.markWritten()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack takes the connection over (websockets); http.ErrNotSupported when
// the wrapped writer cannot.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		if !w.hijacked {
			w.server = w.st.server()
			reqscope.Hijack(w.server) // ServeHTTP calls LeaveHijacked
		}
		w.hijacked = true
		if !w.wroteHeader {
			w.status = http.StatusSwitchingProtocols
			w.wroteHeader = true
		}
	}
	return c, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
