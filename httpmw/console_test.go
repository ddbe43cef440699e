package httpmw_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
)

// TestConsoleEscapesRemoteBidi (issue 13 item 7): a remote client's path
// holding bidi controls and other invisible formatting characters reaches
// the console log line as escapes, on the handler's line and on the access
// line, never raw.
func TestConsoleEscapesRemoteBidi(t *testing.T) {
	out := &logbuf.Buffer{}
	l, err := logging.New(logging.WithFormat("console"), logging.WithOutput(out),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(t.Context()) }()
	h := httpmw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("file_requested", zap.String("name", r.URL.Path))
	}), httpmw.WithLogger(l.Zap()), httpmw.WithTracerProvider(tp))
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Right-to-left override, isolates, a zero-width joiner and a byte
	// order mark, percent-encoded as a client sends them.
	const path = "/files/%E2%80%AEcod.exe%E2%81%A6x%E2%81%A9%E2%80%8D%EF%BB%BF"
	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	text := waitFor(t, out, "http_request")
	for _, c := range text {
		if (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200d || c == 0xfeff {
			t.Fatalf("raw %U in the console output:\n%s", c, text)
		}
	}
	const want = `/files/\u202ecod.exe\u2066x\u2069\u200d\ufeff`
	for _, event := range []string{"file_requested", "http_request"} {
		var line string
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, "] "+event+" ") {
				line = l
			}
		}
		if !strings.Contains(line, want) {
			t.Errorf("%s line does not show the path escaped (%s):\n%s", event, want, line)
		}
	}
}

// waitFor returns what out holds once it holds event (the access line is
// written after the response).
func waitFor(t *testing.T, out *logbuf.Buffer, event string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := out.String(); strings.Contains(s, "] "+event) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
}
