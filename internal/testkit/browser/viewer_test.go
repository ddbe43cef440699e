package browser

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/process"
)

// quickstart runs examples/quickstart with -serve on a free loopback port,
// with nothing exported, and returns its address and the trace viewer's
// URL from its server_started line.
func quickstart(t *testing.T) (addr, viewer string) {
	t.Helper()
	bin, err := goBuild(Repo(t), "./examples/quickstart", "quickstart")
	if err != nil {
		t.Fatal(err)
	}
	p := process.Run(t, process.Spec{
		Name:  "quickstart",
		Ports: 1,
		Command: func(_ string, addrs []string) (*exec.Cmd, error) {
			cmd := exec.Command(bin, "-serve", "-addr", addrs[0])
			cmd.Env = append(cleanEnv(), "OTELKIT_LOG_FORMAT=json", "OTELKIT_LOG_LEVEL=debug")
			return cmd, nil
		},
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(p.Output(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "server_started" {
				addr, _ = m["addr"].(string)
				viewer, _ = m["trace_viewer"].(string)
				return addr, viewer
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no server_started line:\n%s", p.Output())
	return "", ""
}

// cleanEnv is the environment without what would point the quick start at
// a collector or change its output.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") && !strings.HasPrefix(kv, "OTELKIT_") {
			env = append(env, kv)
		}
	}
	return env
}

// TestTraceViewerInBrowser: a request to the quick start → the viewer's
// list shows it → a click on it → a waterfall with its two spans (server,
// load_order) → a click on the server span shows its attributes → the log
// lines under it carry the request ID. The filter finds the trace by the
// 8 hex digits the console shows.
func TestTraceViewerInBrowser(t *testing.T) {
	b := Start(t)
	addr, viewer := quickstart(t)
	const reqID = "browser-req-0042"
	for _, path := range []string{"/slow", "/orders/42", "/fail"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		if path == "/orders/42" {
			req.Header.Set("X-Request-ID", reqID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	http.DefaultClient.CloseIdleConnections()

	// The list shows the request, newest first.
	b.Do(Step{Op: "navigate", URL: viewer})
	b.Do(Step{Op: "wait", Sel: "#traces"})
	roots := b.Do(Step{Op: "texts", Sel: "#traces tr.trace td:nth-child(3)"}).Texts
	if strings.Join(roots, ",") != "GET /fail,GET /orders/{id},GET /slow" {
		t.Fatalf("list shows root spans %q, want the three requests newest first", roots)
	}
	reqs := b.Do(Step{Op: "texts", Sel: "#traces tr.trace td.req"}).Texts
	ids := b.Do(Step{Op: "attrs", Sel: "#traces tr.trace", Name: "data-trace-id"}).Texts
	if len(reqs) != 3 || reqs[1] != reqID || len(ids) != 3 {
		t.Fatalf("list rows: request IDs %q, trace IDs %q", reqs, ids)
	}
	traceID := ids[1]

	// The filter, typed as a user would, with the console's 8 hex digits.
	b.Do(Step{Op: "type", Sel: "input[name=q]", Text: traceID[:8]})
	b.Do(Step{Op: "click", Sel: "form button"})
	b.Do(Step{Op: "wait", Sel: "#clear"}) // only the filtered page has it
	if u := b.Do(Step{Op: "location"}).URL; !strings.HasSuffix(u, "/debug/otel/?q="+traceID[:8]) {
		t.Fatalf("the filter led to %s", u)
	}
	if got := b.Do(Step{Op: "attrs", Sel: "#traces tr.trace", Name: "data-trace-id"}).Texts; len(got) != 1 || got[0] != traceID {
		t.Fatalf("filter %s shows %q", traceID[:8], got)
	}

	// A click opens the waterfall.
	b.Do(Step{Op: "click", Sel: `#traces tr.trace[data-trace-id="` + traceID + `"] a`})
	b.Do(Step{Op: "wait", Sel: "#waterfall .span"})
	if u := b.Do(Step{Op: "location"}).URL; !strings.HasSuffix(u, "/debug/otel/trace/"+traceID) {
		t.Fatalf("the click led to %s", u)
	}
	names := b.Do(Step{Op: "texts", Sel: "#waterfall .span .name"}).Texts
	kinds := b.Do(Step{Op: "texts", Sel: "#waterfall .span .kind"}).Texts
	if strings.Join(names, ",") != "GET /orders/{id},load_order" || strings.Join(kinds, ",") != "server,internal" {
		t.Fatalf("waterfall shows spans %q of kinds %q, want the server span and load_order", names, kinds)
	}
	if n := b.Do(Step{Op: "count", Sel: "#waterfall .span .bar"}).Count; n != 2 {
		t.Fatalf("%d duration bars", n)
	}

	// Attributes on click.
	if n := b.Do(Step{Op: "count", Sel: "#waterfall .span details[open]"}).Count; n != 0 {
		t.Fatalf("%d spans open before any click", n)
	}
	b.Do(Step{Op: "click", Sel: "#waterfall .span.k-server summary"})
	b.Do(Step{Op: "wait", Sel: "#waterfall .span.k-server details[open] dl"})
	attrs := b.Do(Step{Op: "texts", Sel: "#waterfall .span.k-server details[open] dl"}).Texts
	if len(attrs) != 1 || !strings.Contains(attrs[0], "request.id\n"+reqID) || !strings.Contains(attrs[0], "http.route\n/orders/{id}") {
		t.Fatalf("server span's attributes: %q", attrs)
	}

	// The log lines under it, in time order, all with the request ID.
	msgs := b.Do(Step{Op: "texts", Sel: "#logs tr.log td:nth-child(4)"}).Texts
	fields := b.Do(Step{Op: "texts", Sel: "#logs tr.log td.attrs"}).Texts
	if strings.Join(msgs, ",") != "cache_lookup,order_query,order_loaded,http_request" {
		t.Fatalf("log lines %q, want the handler's two, the child span's and the access line in time order", msgs)
	}
	for i, f := range fields {
		if !strings.Contains(f, "request_id="+reqID) {
			t.Errorf("log line %s lacks the request ID: %q", msgs[i], f)
		}
	}

	shot := filepath.Join(t.TempDir(), "viewer.png")
	b.Do(Step{Op: "screenshot", Path: shot})
	checkPNG(t, shot)
	if os.Getenv("OTELKIT_UPDATE_SCREENSHOT") == "1" {
		data, _ := os.ReadFile(shot)
		if err := os.WriteFile(filepath.Join(Repo(t), "examples", "quickstart", "viewer.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkPNG checks that path holds a PNG of a page, not an empty image.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() < 1000 || r.Dy() < 400 {
		t.Fatalf("screenshot is %v", r)
	}
	colors := map[uint32]bool{}
	for x := 0; x < img.Bounds().Dx(); x += 7 {
		for y := 0; y < img.Bounds().Dy(); y += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colors[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if len(colors) < 8 {
		t.Fatalf("screenshot has %d colours: a blank page?", len(colors))
	}
}
