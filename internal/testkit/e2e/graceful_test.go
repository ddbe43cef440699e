package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/internal/testkit/process"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

const gracefulRequests = 300

// TestGracefulStopDeliversEverything runs a service as its own process, the
// way it runs in production, exporting to a real collector: 300 requests,
// then SIGTERM. Every server span and every log line the process wrote (but
// the last, written after the telemetry was shut down) must reach the
// collector. The programs are the README's first example, built from the
// README itself, and the quick start with -serve.
func TestGracefulStopDeliversEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs and a collector")
	}
	root := moduleRoot(t)
	cases := []struct {
		name, protocol, service string
		build                   func(t *testing.T, addr string) (bin string, args []string)
	}{
		{"readme_main", "http/protobuf", "checkout", func(t *testing.T, addr string) (string, []string) {
			return buildREADMEMain(t, root, addr), nil
		}},
		{"quickstart_serve", "grpc", "quickstart-graceful", func(t *testing.T, addr string) (string, []string) {
			return goBuild(t, root, "./examples/quickstart", nil), []string{"-serve", "-addr", addr}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			col := collector.Start(t)
			pointAt(t, col, tc.protocol)
			t.Setenv("OTEL_SERVICE_NAME", tc.service)
			t.Setenv("OTELKIT_LOG_FORMAT", "json")
			addr := process.FreeAddr(t)
			bin, args := tc.build(t, addr)

			out := runAndTerminate(t, bin, args, addr)
			checkDelivered(t, col, tc.service, out)
		})
	}
}

// runAndTerminate starts bin, sends it gracefulRequests requests, then
// SIGTERM, and returns what it wrote on stdout once it has exited 0.
func runAndTerminate(t *testing.T, bin string, args []string, addr string) *lineBuffer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, errOut := &lineBuffer{}, &logbuf.Buffer{}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := waitListening(addr, exited); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", bin, err, out.String(), errOut.String())
	}
	sendRequests(t, "http://"+addr)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		// Go on: what arrived still tells how much was lost.
		t.Errorf("after SIGTERM the process ended with %v, want exit 0\nstderr:\n%s", err, errOut.String())
	}
	return out
}

func sendRequests(t *testing.T, base string) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, gracefulRequests)
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/orders/%d", base, i), nil)
				req.Header.Set("X-Request-ID", fmt.Sprintf("graceful-%03d", i))
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("GET /orders/%d: %s", i, resp.Status)
				}
			}
		}()
	}
	for i := 1; i <= gracefulRequests; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// checkDelivered compares what the process wrote with what the collector
// received: one server span per request, and an OTLP record for every log
// line but shutdown_finished.
func checkDelivered(t *testing.T, col *collector.Collector, service string, out *lineBuffer) {
	t.Helper()
	lines := out.lines(t)
	want := map[string]int{} // msg + " " + request_id -> count
	stopped := false
	for _, l := range lines {
		msg, _ := l["msg"].(string)
		if msg == "shutdown_started" && l["reason"] == "signal" {
			stopped = true
		}
		if msg == "shutdown_finished" {
			continue // written after the telemetry was shut down: stdout only
		}
		rid, _ := l["request_id"].(string)
		want[msg+" "+rid]++
	}
	if !stopped {
		s := out.String()
		t.Errorf("no shutdown_started line with reason signal; stdout ends:\n%s", s[max(0, len(s)-2000):])
	}
	if n := countPrefix(want, "order_loaded graceful-"); n != gracefulRequests {
		t.Fatalf("stdout has %d order_loaded lines, want %d", n, gracefulRequests)
	}

	ours := func(res map[string]any) bool { return res["service.name"] == service }
	serverSpans := func(spans []collector.Span) int {
		n := 0
		for _, s := range spans {
			if ours(s.Resource) && s.Name == "GET /orders/{id}" && s.Kind == "server" {
				n++
			}
		}
		return n
	}
	spans := settle(t, col.Spans, func(s []collector.Span) bool { return serverSpans(s) >= gracefulRequests })
	if n := serverSpans(spans); n != gracefulRequests {
		t.Errorf("server spans delivered: %d/%d", n, gracefulRequests)
	} else {
		t.Logf("server spans delivered: %d/%d", n, gracefulRequests)
	}

	total := 0
	for _, n := range want {
		total += n
	}
	got := map[string]int{}
	records := settle(t, col.Logs, func(recs []collector.LogRecord) bool {
		n := 0
		for _, r := range recs {
			if ours(r.Resource) {
				n++
			}
		}
		return n >= total
	})
	for _, r := range records {
		if ours(r.Resource) {
			rid, _ := r.Attributes["request_id"].(string)
			body, _ := r.Body.(string)
			got[body+" "+rid]++
		}
	}
	delivered, shown := 0, 0
	for k, n := range want {
		delivered += min(n, got[k])
		if got[k] != n && shown < 10 {
			shown++
			t.Errorf("log line %q: %d on stdout, %d at the collector", k, n, got[k])
		}
	}
	if delivered != total {
		t.Errorf("log lines delivered: %d/%d", delivered, total)
	} else {
		t.Logf("log lines delivered: %d/%d", delivered, total)
	}
}

// settle reads the collector's output until done holds or 20 s pass, and
// returns the last read; the caller judges it.
func settle[T any](t *testing.T, read func() ([]T, error), done func([]T) bool) []T {
	t.Helper()
	var got []T
	deadline := time.Now().Add(20 * time.Second)
	for {
		items, err := read()
		if err == nil {
			got = items
		}
		if (err == nil && done(got)) || time.Now().After(deadline) {
			if err != nil {
				t.Errorf("reading the collector's output: %v", err)
			}
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countPrefix(m map[string]int, prefix string) int {
	n := 0
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

var readmeMain = regexp.MustCompile("(?s)```go\n(package main\n.*?)```")

// buildREADMEMain builds the README's first Go block, a complete program,
// with its ":8080" replaced by addr. The block is compiled through an
// overlay as if it lived inside the module, so the README cannot drift from
// what this test proves.
func buildREADMEMain(t *testing.T, root, addr string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := readmeMain.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```go block starting with package main")
	}
	src := string(m[1])
	if strings.Count(src, `":8080"`) != 1 {
		t.Fatalf("the README's program must listen on \":8080\" exactly once:\n%s", src)
	}
	src = strings.Replace(src, `":8080"`, fmt.Sprintf("%q", addr), 1)
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	overlay, err := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(root, "internal", "testkit", "e2e", "readmemain", "main.go"): file},
	})
	if err != nil {
		t.Fatal(err)
	}
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	return goBuild(t, root, "./internal/testkit/e2e/readmemain", []string{"-overlay", ov})
}

// goBuild builds pkg (relative to the module root) into the test's temp dir.
func goBuild(t *testing.T, root, pkg string, flags []string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append(append([]string{"build"}, flags...), "-o", bin, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

// waitListening waits until addr accepts connections, or the process
// exits, or 30 s pass.
func waitListening(addr string, exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited before listening: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("not listening on " + addr + " after 30s")
}
