package httpmw

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// bufferMux writes two debug lines in every handler, then answers as its
// path says.
func bufferMux() *http.ServeMux {
	mux := http.NewServeMux()
	detail := func(r *http.Request) {
		log := logging.FromContext(r.Context())
		log.Debug("detail", zap.Int("step", 1))
		log.Debug("detail", zap.Int("step", 2))
	}
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { detail(r) })
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) { detail(r); w.WriteHeader(400) })
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) { detail(r); w.WriteHeader(503) })
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { detail(r); panic("boom") })
	mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) { detail(r); panic(http.ErrAbortHandler) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { detail(r); w.WriteHeader(500) })
	return mux
}

// bufferingLogger sets e's logger: a logger built by New buffering debug
// lines, or a foreign zap logger at info while the global logger (which a
// foreign logger follows) buffers.
func bufferingLogger(t *testing.T, e *testEnv, kind string, slow time.Duration) {
	t.Helper()
	l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(e.out)),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }),
		logging.WithBufferLevel(zapcore.DebugLevel), logging.WithBufferSlow(slow))
	if err != nil {
		t.Fatal(err)
	}
	e.log = l.Zap()
	if kind == "foreign" {
		t.Cleanup(zap.ReplaceGlobals(l.Zap()))
		e.log = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), zapcore.AddSync(e.out), zapcore.InfoLevel), zap.AddCaller())
	}
}

func TestBufferedRequestLines(t *testing.T) {
	cases := []struct {
		path     string
		flushed  bool
		before   string // the line the flushed ones come right before
		accessLv string
	}{
		{"/ok", false, "", "info"},
		{"/bad", false, "", "warn"},
		{"/fail", true, "http_request", "error"},
		{"/panic", true, "panic_recovered", "error"},
		{"/abort", true, "http_request", "warn"},
		{"/healthz", true, "", ""}, // skipped: no access line, but the scope ends: its 500 flushes
	}
	for _, kind := range []string{"otelkit", "foreign"} {
		for _, tc := range cases {
			t.Run(kind+tc.path, func(t *testing.T) {
				e := newTestEnv(t)
				bufferingLogger(t, e, kind, time.Hour)
				before := logging.BufferStatsNow()
				h := Handler(bufferMux(), e.opts(WithSkipPaths("/healthz"))...)
				func() {
					defer func() { _ = recover() }() // the abort's panic
					e.serve(h, httptest.NewRequest("GET", tc.path, nil))
				}()
				checkBufferedRequest(t, e, tc.path, tc.flushed, tc.before, tc.accessLv)
				if held := logging.BufferStatsNow().HeldBytes - before.HeldBytes; held != 0 {
					t.Errorf("%d bytes still held after the request", held)
				}
			})
		}
	}
}

func checkBufferedRequest(t *testing.T, e *testEnv, path string, flushed bool, before, accessLv string) {
	t.Helper()
	var msgs []string
	for _, l := range e.lines(t) {
		msgs = append(msgs, l["msg"].(string))
	}
	details := e.linesWithMsg(t, "detail")
	if !flushed {
		if len(details) != 0 {
			t.Fatalf("debug lines of a request that ended well: %v", msgs)
		}
	} else {
		joined := strings.Join(msgs, ",")
		if len(details) != 2 || !strings.HasPrefix(joined, "detail,detail") || (before != "" && !strings.Contains(joined, "detail,detail,"+before)) {
			t.Fatalf("lines %v: want both detail lines first, right before %q", msgs, before)
		}
		for i, d := range details {
			if d["buffered"] != true || fmt.Sprint(d["step"]) != fmt.Sprint(i+1) || d["route"] != path || d["request_id"] == nil || d["trace_id"] == nil {
				t.Errorf("flushed line %v", d)
			}
		}
	}
	if accessLv == "" {
		if len(e.linesWithMsg(t, "http_request")) != 0 {
			t.Errorf("an access line for %s", path)
		}
		return
	}
	a := e.oneLine(t, "http_request")
	want := map[bool]string{false: "debug_dropped", true: "debug_flushed"}[flushed]
	if a["level"] != accessLv || fmt.Sprint(a[want]) != "2" {
		t.Errorf("access line %v: want level %s and %s 2", a, accessLv, want)
	}
}

// A slow request's lines are written even though it succeeded, and its
// access line is written even when sampling would leave it out.
func TestBufferedSlowRequest(t *testing.T) {
	e := newTestEnv(t)
	bufferingLogger(t, e, "otelkit", time.Nanosecond)
	h := Handler(bufferMux(), e.opts(WithAccessLogSampling(1000))...)
	e.serve(h, httptest.NewRequest("GET", "/ok", nil)) // the first is sampled in
	e.serve(h, httptest.NewRequest("GET", "/ok", nil))
	if n := len(e.linesWithMsg(t, "detail")); n != 4 {
		t.Fatalf("%d detail lines, want 4:\n%s", n, e.out.String())
	}
	access := e.linesWithMsg(t, "http_request")
	if len(access) != 2 || access[1]["level"] != "info" || fmt.Sprint(access[1]["debug_flushed"]) != "2" {
		t.Errorf("access lines %v", access)
	}
}
