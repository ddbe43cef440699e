package httpmw

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/requestid"
	"github.com/otelkit/otelkit/logging"
)

// FuzzRequestHeaders feeds arbitrary X-Request-ID and traceparent values to
// the handler: the response always carries one valid request ID, a valid
// incoming one is kept, and every log line stays one JSON object.
func FuzzRequestHeaders(f *testing.F) {
	f.Add("abc-123", validParent)
	f.Add("a\r\nb", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	f.Add(`{"msg":"x"}`, "00-00000000000000000000000000000000-00f067aa0ba902b7-01")
	f.Add("\x1b[31m", "garbage")
	f.Add(strings.Repeat("a", 129), "")
	f.Fuzz(func(t *testing.T, rid, traceparent string) {
		e := newTestEnv(t)
		h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			logging.FromContext(r.Context()).Info("handled")
		}), e.opts()...)
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["X-Request-Id"] = []string{rid}
		r.Header["Traceparent"] = []string{traceparent}
		w := e.serve(h, r)
		got := w.Header().Values("X-Request-ID")
		if len(got) != 1 || !requestid.Valid(got[0]) {
			t.Fatalf("response request ID %q", got)
		}
		if requestid.Valid(rid) != (got[0] == rid) {
			t.Fatalf("incoming %q (valid=%v) -> %q", rid, requestid.Valid(rid), got[0])
		}
		lines := e.lines(t)
		if len(lines) != 2 {
			t.Fatalf("%d lines", len(lines))
		}
		for _, l := range lines {
			if l["request_id"] != got[0] {
				t.Fatalf("line request_id %v", l["request_id"])
			}
		}
	})
}
