package httpmw

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/codes"
)

// A handler that panics http.ErrAbortHandler, after writing a header and
// part of the body or before writing anything, still leaves what every
// request leaves: one access line (warn, "aborted": true, the status sent
// so far or none, the bytes sent), a duration metric point with
// error.type=aborted (and the status only when one was sent), and an
// ended span that is an error, named with its route. It logs no
// panic_recovered, and the client sees the connection aborted.
func TestAbortHandlerIsRecorded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		path   string
		status int // the status sent before the abort; 0: none
		bytes  int
	}{
		{"after header and body", "/proxy/late", http.StatusOK, len("partial")},
		{"before writing", "/proxy/early", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /proxy/late", func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, "partial")
				http.NewResponseController(w).Flush() // the client gets the header
				panic(http.ErrAbortHandler)
			})
			mux.HandleFunc("GET /proxy/early", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
			srv := httptest.NewServer(Handler(mux, e.opts()...))
			defer srv.Close()

			checkClientAborted(t, srv, tc.path, tc.status)
			srv.Close() // waits for the handler to return

			if n := len(e.linesWithMsg(t, "panic_recovered")); n != 0 {
				t.Errorf("%d panic_recovered lines, want none: an abort is no fault", n)
			}
			a := e.oneLine(t, "http_request")
			if a["level"] != "warn" || a["aborted"] != true || a["route"] != tc.path ||
				a["bytes"] != float64(tc.bytes) || a["request_id"] == nil || a["trace_id"] == nil {
				t.Errorf("access line %v", a)
			}
			if st, ok := a["status"]; tc.status == 0 && ok || tc.status != 0 && st != float64(tc.status) {
				t.Errorf("access line status %v, want %d (0: none)", st, tc.status)
			}

			series := e.durationSeries(t)
			if len(series) != 1 {
				t.Fatalf("%d duration series, want 1", len(series))
			}
			if v, _ := series[0].Value("error.type"); v.AsString() != "aborted" {
				t.Errorf("metric error.type %q, want aborted: %v", v.AsString(), series[0].ToSlice())
			}
			if v, _ := series[0].Value("http.route"); v.AsString() != tc.path {
				t.Errorf("metric http.route %q", v.AsString())
			}
			if v, ok := series[0].Value("http.response.status_code"); tc.status == 0 && ok || tc.status != 0 && v.AsInt64() != int64(tc.status) {
				t.Errorf("metric status %v (set %v), want %d (0: none)", v.AsInt64(), ok, tc.status)
			}

			s := e.onlySpan(t)
			if s.Name() != "GET "+tc.path || s.Status().Code != codes.Error {
				t.Errorf("span %q status %v", s.Name(), s.Status())
			}
			if v, _ := spanAttr(s, "error.type"); v.AsString() != "aborted" {
				t.Errorf("span error.type %q", v.AsString())
			}
			if v, ok := spanAttr(s, "http.response.status_code"); tc.status == 0 && ok || tc.status != 0 && v.AsInt64() != int64(tc.status) {
				t.Errorf("span status code %v (set %v), want %d (0: none)", v.AsInt64(), ok, tc.status)
			}
		})
	}
}

// checkClientAborted gets path from srv and checks that the connection was
// cut: before a response (status 0) or in the middle of the body.
func checkClientAborted(t *testing.T, srv *httptest.Server, path string, status int) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if status == 0 {
		if err == nil {
			_ = resp.Body.Close()
			t.Fatalf("client got %d, want the connection aborted", resp.StatusCode)
		}
		return
	}
	if err != nil {
		t.Fatalf("client got %v, want status %d, then the body cut off", err, status)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != status || err == nil || string(body) != "partial" {
		t.Errorf("client got %d %q, %v; want %d \"partial\", then the body cut off", resp.StatusCode, body, err, status)
	}
}
