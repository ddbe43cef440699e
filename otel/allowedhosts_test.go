package otel_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/otel"
)

// adminServer serves tel's health document and trace viewer on
// 127.0.0.1, as the package documentation mounts them, with one trace in
// the viewer.
func adminServer(t *testing.T, tel *otel.Telemetry) (srv *httptest.Server, port string) {
	t.Helper()
	_, span := tel.TracerProvider().Tracer("shop").Start(context.Background(), "secret_checkout")
	span.End()
	admin := http.NewServeMux()
	admin.Handle("/debug/otel/health", tel.HealthHandler())
	admin.Handle("/debug/otel/", tel.TraceViewerHandler())
	srv = httptest.NewServer(admin)
	t.Cleanup(srv.Close)
	_, port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return srv, port
}

// send makes a request to srv naming host in its Host header, with what a
// browser adds on a page of that same origin (so that
// http.CrossOriginProtection lets a change through), and returns the
// status and body.
func send(t *testing.T, srv *httptest.Server, method, path, host string) (int, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPut {
		body = strings.NewReader(`{"level":"debug"}`)
	}
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Origin", "http://"+host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEndpointsRefuseReboundHost: a page on evil.example whose name was
// rebound to 127.0.0.1 reads neither the health document nor the traces,
// and cannot change the log level (http.CrossOriginProtection takes it for
// the same origin): each answers 403 naming otel.WithAllowedHosts.
func TestEndpointsRefuseReboundHost(t *testing.T) {
	tel := viewerInit(t, &logbuf.Buffer{}, otel.WithTraceViewer())
	srv, port := adminServer(t, tel)
	evil := "evil.example:" + port
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/debug/otel/health"}, {http.MethodHead, "/debug/otel/health"}, {http.MethodPut, "/debug/otel/health"},
		{http.MethodGet, "/debug/otel/"}, {http.MethodGet, "/debug/otel/trace/" + strings.Repeat("ab", 16)},
	} {
		code, body := send(t, srv, tc.method, tc.path, evil)
		if code != http.StatusForbidden || strings.Contains(body, "secret_checkout") || strings.Contains(body, "shop") ||
			tc.method != http.MethodHead && !strings.Contains(body, "otel.WithAllowedHosts(") {
			t.Errorf("%s %s from a rebound page: %d %s", tc.method, tc.path, code, body)
		}
	}
	if lv := tel.Logging().Level(); lv != zapcore.InfoLevel {
		t.Fatalf("a rebound page changed the log level to %v", lv)
	}
}

// TestEndpointsAnswerLocalHosts: IP addresses, localhost, [::1] with a
// port and a name given to WithAllowedHosts are answered, the change of
// level included.
func TestEndpointsAnswerLocalHosts(t *testing.T) {
	tel := viewerInit(t, &logbuf.Buffer{}, otel.WithTraceViewer(), otel.WithAllowedHosts("admin.example", ".dev.example"))
	srv, port := adminServer(t, tel)
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "shop.localhost:" + port,
		"admin.example:" + port, "ADMIN.example", "box.dev.example:" + port} {
		if code, body := send(t, srv, http.MethodGet, "/debug/otel/health", host); code != http.StatusOK || !json.Valid([]byte(body)) {
			t.Errorf("GET health, Host %q: %d %s", host, code, body)
		}
		if code, body := send(t, srv, http.MethodGet, "/debug/otel/", host); code != http.StatusOK || !strings.Contains(body, "secret_checkout") {
			t.Errorf("GET viewer, Host %q: %d %.200s", host, code, body)
		}
		tel.Logging().SetLevel(zapcore.InfoLevel)
		if code, body := send(t, srv, http.MethodPut, "/debug/otel/health", host); code != http.StatusOK || tel.Logging().Level() != zapcore.DebugLevel {
			t.Errorf("PUT level, Host %q: %d %s", host, code, body)
		}
	}
}

// TestHealthByServiceName: a probe reaching a pod by its service's name
// arrives on the pod's address, not loopback: the document is answered;
// a change of level by that name is not.
func TestHealthByServiceName(t *testing.T) {
	tel := viewerInit(t, &logbuf.Buffer{})
	do := func(method string) int {
		req := httptest.NewRequest(method, "http://checkout.default.svc:9091/debug/otel/health", strings.NewReader(`{"level":"debug"}`))
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 9091}))
		rec := httptest.NewRecorder()
		tel.HealthHandler().ServeHTTP(rec, req)
		return rec.Code
	}
	if code := do(http.MethodGet); code != http.StatusOK {
		t.Errorf("GET by service name on 10.0.0.5: %d", code)
	}
	if code := do(http.MethodPut); code != http.StatusForbidden || tel.Logging().Level() != zapcore.InfoLevel {
		t.Errorf("PUT by service name on 10.0.0.5: %d, level %v", code, tel.Logging().Level())
	}
}

// TestEndpointsOddHosts: a request without Host (HTTP/1.0) is answered,
// as no browser sends one; a Host with bytes net/http refuses gets its
// 400 before any handler runs; one that reaches the handler anyway (a
// proxy, a test) and is no host name gets a 400 saying so. No panic.
func TestEndpointsOddHosts(t *testing.T) {
	tel := viewerInit(t, &logbuf.Buffer{}, otel.WithTraceViewer())
	srv, _ := adminServer(t, tel)
	raw := func(request string) string {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, request); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(conn).ReadString('\n')
		return line
	}
	for _, path := range []string{"/debug/otel/health", "/debug/otel/"} {
		if line := raw("GET " + path + " HTTP/1.0\r\n\r\n"); !strings.Contains(line, " 200 ") {
			t.Errorf("HTTP/1.0 GET %s without Host: %q", path, line)
		}
		if line := raw("GET " + path + " HTTP/1.1\r\nHost: evil\x01.example\r\n\r\n"); !strings.Contains(line, " 400 ") {
			t.Errorf("GET %s with a control byte in Host: %q", path, line)
		}
	}
	for _, host := range []string{"evil\x00.example", ":9091", "[::1", "a..b", "évil.example"} {
		for _, h := range []http.Handler{tel.HealthHandler(), tel.TraceViewerHandler()} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Host = host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "malformed Host header") || strings.ContainsRune(rec.Body.String(), 0) {
				t.Errorf("Host %q: %d %q", host, rec.Code, rec.Body)
			}
		}
	}
}

// TestWithAllowedHostsInvalid: names with a port, a scheme or a wildcard
// would never match a Host; Init says so, each one.
func TestWithAllowedHostsInvalid(t *testing.T) {
	_, err := otel.Init(context.Background(), otel.WithoutGlobals(), otel.WithEnvLookup(func(string) (string, bool) { return "", false }),
		otel.WithTracesExporter("none"), otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"), otel.WithoutRuntimeMetrics(),
		otel.WithLogOutput(zapcore.AddSync(io.Discard)), otel.WithAllowedHosts("ok.example", "admin.example:9091", "*"))
	var ce *otel.ConfigError
	if !errors.As(err, &ce) || ce.Option != "WithAllowedHosts" || !strings.Contains(err.Error(), `"admin.example:9091"`) ||
		!strings.Contains(err.Error(), `"*"`) || strings.Contains(err.Error(), `"ok.example"`) {
		t.Fatalf("Init: %v", err)
	}
}
