package httpmw

import (
	"net/http"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
)

var _ zapcore.ObjectMarshaler = (*accessFields)(nil)

// accessLine ends the request's scope with its access line (see
// reqscope.Scope.End), without one when its path is skipped
// (WithSkipPaths): the scope still ends, and with it the request's log
// buffer.
func (h *handler) accessLine(st *state) {
	var line zapcore.ObjectMarshaler = (*accessFields)(st)
	if _, skip := h.cfg.skipPaths[st.path]; skip {
		line = nil
	}
	status := st.status()
	o := reqscope.Succeeded
	switch {
	case status >= 500:
		o = reqscope.ServerError
	case status >= 400:
		o = reqscope.ClientError
	}
	st.scope.End(&h.access, o, line)
}

// status returns the status the client got; 200 when nothing was written.
func (st *state) status() int {
	if !st.rw.wroteHeader {
		return http.StatusOK
	}
	return st.rw.status
}

// accessFields encodes the access line's own fields (the request's logger
// adds the trace fields, request_id, method, path and route).
type accessFields state

func (a *accessFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	st := (*state)(a)
	enc.AddInt("status", st.status())
	enc.AddFloat64("duration_ms", float64(st.scope.Elapsed().Microseconds())/1000)
	enc.AddInt64("bytes", st.rw.bytes)
	if st.h.cfg.logQuery && st.req != nil && st.req.URL != nil && st.req.URL.RawQuery != "" {
		enc.AddString("query", st.h.cfg.redact.query(reqscope.Truncate(st.req.URL.RawQuery)))
	}
	return nil
}
