package httpmw

import (
	"net/http"

	"github.com/otelkit/otelkit/internal/reqscope"
)

// accessLine ends the request's scope with its access line (see
// reqscope.Scope.End), without one when its path is skipped
// (WithSkipPaths): the scope still ends, and with it the request's log
// buffer. The request logger's output profile names the line's fields
// (status, duration_ms, bytes and query by default; httpRequest in the gcp
// profile, ...); "aborted" (abort.go) is written as it is under every
// profile.
func (h *handler) accessLine(st *state) {
	status := st.status()
	o := reqscope.Succeeded
	switch {
	case status >= 500:
		o = reqscope.ServerError
	case st.aborted:
		o = reqscope.Aborted
	case status >= 400:
		o = reqscope.ClientError
	}
	if _, skip := h.cfg.skipPaths[st.path]; skip {
		st.scope.End(&h.access, o, nil)
		return
	}
	a := &st.access
	a.Method, a.Path, a.Status = st.method, st.path, status
	a.Duration = st.scope.Elapsed()
	a.Bytes = st.rw.bytes
	if st.aborted {
		a.More = abortedField{}
	}
	if h.cfg.logQuery && st.req != nil && st.req.URL != nil && st.req.URL.RawQuery != "" {
		a.Query = h.cfg.redact.query(reqscope.Truncate(st.req.URL.RawQuery))
	}
	st.scope.End(&h.access, o, a)
}

// status returns the status the client got; 200 when nothing was written,
// none (0) when the response was aborted before anything was.
func (st *state) status() int {
	if !st.rw.wroteHeader {
		if st.aborted {
			return 0
		}
		return http.StatusOK
	}
	return st.rw.status
}
