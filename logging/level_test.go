package logging_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

func TestSetLevelAffectsDerivedAndCachedLoggers(t *testing.T) {
	l, buf := newJSON(t)
	ctx, _ := staticSpan(true)
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "r"))
	logging.FromContext(ctx).Debug("dropped") // also primes the per-span cache
	l.SetLevel(zapcore.DebugLevel)
	if l.Level() != zapcore.DebugLevel {
		t.Fatalf("Level() = %v", l.Level())
	}
	logging.FromContext(ctx).Debug("kept")
	l.SetLevel(zapcore.ErrorLevel)
	logging.FromContext(ctx).Warn("dropped_again")
	lines := buf.Lines()
	if len(lines) != 1 || decode(t, lines[0])["msg"] != "kept" {
		t.Fatalf("lines %q", lines)
	}
}

func doLevel(t *testing.T, h http.Handler, method, target, ctype, body string) (int, map[string]string) {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), method, "http://127.0.0.1:9091"+target, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var m map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	return rec.Code, m
}

func TestLevelHandler(t *testing.T) {
	l, _ := newJSON(t)
	h := l.LevelHandler()

	if code, m := doLevel(t, h, http.MethodGet, "/level", "", ""); code != 200 || m["level"] != "info" {
		t.Fatalf("GET: %d %v", code, m)
	}
	if code, m := doLevel(t, h, http.MethodPut, "/level", "application/json", `{"level":"debug"}`); code != 200 || m["level"] != "debug" || l.Level() != zapcore.DebugLevel {
		t.Fatalf("PUT json: %d %v", code, m)
	}
	if code, m := doLevel(t, h, http.MethodPost, "/level", "application/x-www-form-urlencoded", "level=WARN"); code != 200 || m["level"] != "warn" {
		t.Fatalf("POST form: %d %v", code, m)
	}
	if code, m := doLevel(t, h, http.MethodPost, "/level?level=error", "", ""); code != 200 || m["level"] != "error" {
		t.Fatalf("POST query: %d %v", code, m)
	}
	if l.Level() != zapcore.ErrorLevel {
		t.Fatalf("level %v", l.Level())
	}
}

func TestLevelHandlerRejectsBadInput(t *testing.T) {
	l, _ := newJSON(t)
	h := l.LevelHandler()
	cases := []struct{ method, target, ctype, body string }{
		{http.MethodPut, "/", "application/json", `{"level":"verbose"}`},
		{http.MethodPut, "/", "application/json", `{"level":"panic"}`},
		{http.MethodPut, "/", "application/json", `{"lvl":"debug"}`},
		{http.MethodPut, "/", "application/json", `not json`},
		{http.MethodPut, "/", "application/json", `{"level":"` + strings.Repeat("d", 4096) + `"}`},
		{http.MethodPost, "/", "application/x-www-form-urlencoded", "level=%zz"},
		{http.MethodPost, "/?level=%1b%5B31m", "", ""},
		{http.MethodPut, "/", "", ""},
	}
	for _, tc := range cases {
		code, m := doLevel(t, h, tc.method, tc.target, tc.ctype, tc.body)
		if code != http.StatusBadRequest || m["error"] == "" {
			t.Errorf("%s %q %q: %d %v", tc.method, tc.target, tc.body, code, m)
		}
		if strings.Contains(m["error"], "\x1b") || len(m["error"]) > 200 {
			t.Errorf("error echoes raw input: %q", m["error"])
		}
	}
	if l.Level() != zapcore.InfoLevel {
		t.Fatalf("bad input changed the level to %v", l.Level())
	}
	req := httptest.NewRequestWithContext(context.Background(), http.MethodDelete, "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Header().Get("Allow"), "PUT") {
		t.Fatalf("DELETE: %d %v", rec.Code, rec.Header())
	}
}

// TestLevelHandlerRejectsCrossOrigin: a page of another site cannot change
// the level through the browser of someone who can reach the admin port
// (a form, a text/plain fetch or a query parameter need no CORS
// preflight); the same origin and clients that are no browser (curl, no
// Origin or Sec-Fetch-Site) still can.
func TestLevelHandlerRejectsCrossOrigin(t *testing.T) {
	l, _ := newJSON(t)
	h := l.LevelHandler()
	for _, tc := range []struct{ method, target, ctype, body string }{
		{http.MethodPost, "/level", "text/plain", `{"level":"debug"}`},
		{http.MethodPost, "/level", "application/x-www-form-urlencoded", "level=debug"},
		{http.MethodPost, "/level?level=debug", "", ""},
		{http.MethodPut, "/level", "application/json", `{"level":"debug"}`},
	} {
		for _, hdr := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
			{"Origin": "https://evil.example"}, // a browser without Fetch metadata
		} {
			req := httptest.NewRequestWithContext(context.Background(), tc.method, "http://127.0.0.1:9091"+tc.target, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var m map[string]string
			_ = json.Unmarshal(rec.Body.Bytes(), &m)
			if rec.Code != http.StatusForbidden || m["error"] == "" || l.Level() != zapcore.InfoLevel {
				t.Errorf("%s %s %v: %d %q, level %v", tc.method, tc.target, hdr, rec.Code, rec.Body, l.Level())
			}
		}
	}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:9091"},
		{"Origin": "http://127.0.0.1:9091"},
		{}, // curl
	} {
		l.SetLevel(zapcore.InfoLevel)
		req := httptest.NewRequestWithContext(context.Background(), http.MethodPut, "http://127.0.0.1:9091/level", strings.NewReader(`{"level":"debug"}`))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || l.Level() != zapcore.DebugLevel {
			t.Errorf("PUT %v: %d %q, level %v", hdr, rec.Code, rec.Body, l.Level())
		}
	}
}

// TestLevelHandlerRefusesReboundHost: a page on evil.example whose name
// was rebound to the admin port's address is of the same origin to the
// browser, so http.CrossOriginProtection lets its change through; the Host
// it names gives it away, and the change is refused, as the read on a
// loopback address is. IP addresses, localhost and the names
// WithAllowedHosts gives are answered.
func TestLevelHandlerRefusesReboundHost(t *testing.T) {
	l, _ := newJSON(t, logging.WithAllowedHosts("admin.example", ".svc.cluster.local"))
	h := l.LevelHandler()
	do := func(method, host string) (int, string) {
		req := httptest.NewRequestWithContext(context.Background(), method, "/level", strings.NewReader(`{"level":"debug"}`))
		req.Host = host
		// What a browser sends from a page of that same origin.
		req.Header.Set("Origin", "http://"+host)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var m map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &m)
		return rec.Code, m["error"]
	}
	for _, method := range []string{http.MethodPut, http.MethodPost, http.MethodGet} {
		code, msg := do(method, "evil.example:9091")
		if code != http.StatusForbidden || !strings.Contains(msg, `logging.WithAllowedHosts("evil.example")`) {
			t.Errorf("%s from a rebound evil.example: %d %q", method, code, msg)
		}
	}
	if l.Level() != zapcore.InfoLevel {
		t.Fatalf("a rebound page changed the level to %v", l.Level())
	}
	for _, host := range []string{"127.0.0.1:9091", "[::1]:9091", "localhost:9091", "admin.example:9091", "checkout.default.svc.cluster.local:9091"} {
		l.SetLevel(zapcore.InfoLevel)
		if code, msg := do(http.MethodPut, host); code != http.StatusOK || l.Level() != zapcore.DebugLevel {
			t.Errorf("PUT to %s: %d %q, level %v", host, code, msg, l.Level())
		}
	}
	if code, msg := do(http.MethodPut, "evil\\x.example"); code != http.StatusBadRequest || !strings.Contains(msg, "malformed Host") {
		t.Errorf("PUT with a malformed Host: %d %q", code, msg)
	}
}

// TestWithAllowedHostsRefusesNonNames: a name with a port, a scheme or a
// wildcard would never match a Host: New says so instead.
func TestWithAllowedHostsRefusesNonNames(t *testing.T) {
	for _, name := range []string{"admin.example:9091", "http://admin.example", "*", ""} {
		_, err := logging.New(logging.WithOutput(zapcore.AddSync(io.Discard)), logging.WithEnvLookup(noEnv), logging.WithAllowedHosts("ok.example", name))
		var ce *logging.ConfigError
		if !errors.As(err, &ce) || ce.Option != "WithAllowedHosts" || ce.Value != name {
			t.Errorf("WithAllowedHosts(%q): %v", name, err)
		}
	}
}

// TestWithAllowedHostsReportsEveryBadName: each name that is no host name
// is its own ConfigError, as otel.WithAllowedHosts reports them, not only
// the first.
func TestWithAllowedHostsReportsEveryBadName(t *testing.T) {
	_, err := logging.New(logging.WithOutput(zapcore.AddSync(io.Discard)), logging.WithEnvLookup(noEnv),
		logging.WithAllowedHosts("a.example:1", "ok.example", "http://b.example"))
	for _, name := range []string{"a.example:1", "http://b.example"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %q", err, name)
		}
	}
	if err != nil && strings.Contains(err.Error(), "ok.example") {
		t.Errorf("error %v names the good name", err)
	}
}

// fatalSeen is a fatal hook that notes the line and ends its goroutine,
// as a hook that ends the process would.
type fatalSeen struct{ seen chan string }

func (f fatalSeen) OnWrite(ce *zapcore.CheckedEntry, _ []zapcore.Field) {
	f.seen <- ce.Message
	runtime.Goexit()
}

// TestFatalHookRunsAfterTheLine: WithFatalHook runs in place of zap's
// exit, after the fatal line is written.
func TestFatalHookRunsAfterTheLine(t *testing.T) {
	hook := fatalSeen{seen: make(chan string, 1)}
	l, buf := newJSON(t, logging.WithFatalHook(hook))
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Zap().Fatal("dependency_lost")
	}()
	<-done
	select {
	case msg := <-hook.seen:
		if msg != "dependency_lost" || !strings.Contains(buf.String(), `"msg":"dependency_lost"`) {
			t.Errorf("hook saw %q; output %s", msg, buf)
		}
	default:
		t.Error("the fatal hook did not run")
	}
}
