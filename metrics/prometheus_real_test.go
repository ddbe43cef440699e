package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// The Debian package the real-Prometheus test needs.
const prometheusPackage = "prometheus"

// prometheusBinary finds the prometheus binary. When it is absent and the
// test runs as root with apt-get, it installs the Debian package (under a
// file lock, so parallel test binaries do not race, and bounded in time);
// when that is impossible the test is skipped with a message that names the
// package.
func prometheusBinary(t *testing.T) string {
	t.Helper()
	find := func() string {
		if p, err := exec.LookPath("prometheus"); err == nil {
			return p
		}
		if _, err := os.Stat("/usr/bin/prometheus"); err == nil {
			return "/usr/bin/prometheus"
		}
		return ""
	}
	if p := find(); p != "" {
		return p
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil || os.Geteuid() != 0 {
		t.Skipf("real-Prometheus test skipped: the prometheus binary is absent and the Debian package %q cannot be installed here (apt-get found: %v, root: %v); install it with: apt-get install -y --no-install-recommends %s",
			prometheusPackage, err == nil, os.Geteuid() == 0, prometheusPackage)
	}
	unlock, err := lockFile(filepath.Join(os.TempDir(), "otelkit-apt.lock"), 6*time.Minute)
	if err != nil {
		t.Skipf("real-Prometheus test skipped: could not take the apt lock to install the Debian package %q: %v", prometheusPackage, err)
	}
	defer unlock()
	if p := find(); p != "" { // another test binary installed it meanwhile
		return p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	for _, args := range [][]string{
		{"update", "-qq"},
		{"install", "-y", "-qq", "--no-install-recommends", prometheusPackage},
	} {
		cmd := exec.CommandContext(ctx, apt, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = &out, &out
		t.Logf("installing the Debian package %q: apt-get %s", prometheusPackage, strings.Join(args, " "))
		if err := cmd.Run(); err != nil {
			t.Skipf("real-Prometheus test skipped: installing the Debian package %q failed: %v\n%s", prometheusPackage, err, tail(out.String(), 2000))
		}
	}
	if p := find(); p != "" {
		return p
	}
	t.Skipf("real-Prometheus test skipped: the Debian package %q installed but no prometheus binary was found", prometheusPackage)
	return ""
}

// lockFile takes an exclusive flock on path, waiting at most wait.
func lockFile(path string, wait time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// boundedBuffer keeps the first bytes a process writes (for diagnostics).
type boundedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *boundedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := 64<<10 - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *boundedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// promAPI answers GET requests against a Prometheus HTTP API.
type promAPI struct {
	base   string
	client *http.Client
}

func (a promAPI) get(path string, q url.Values, v any) error {
	resp, err := a.client.Get(a.base + path + "?" + q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d: %s", path, resp.StatusCode, tail(string(body), 500))
	}
	return json.Unmarshal(body, v)
}

const durationBucket = "http_server_request_duration_seconds_bucket"

func TestRealPrometheusScrapesRouteAndExemplars(t *testing.T) {
	bin := prometheusBinary(t)

	// The service: otelkit's Prometheus exporter, otelhttp around a mux
	// with a route pattern, every request in a sampled span.
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("prometheus"),
		WithPrometheusAddr("127.0.0.1:0"), WithResource(resource.NewSchemaless(semconv.ServiceName("promtest"))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Trace-Id", trace.SpanContextFromContext(r.Context()).TraceID().String())
		time.Sleep(2 * time.Millisecond)
		_, _ = w.Write([]byte("order " + r.PathValue("id")))
	})
	svc := httptest.NewServer(otelhttp.NewHandler(mux, "server",
		otelhttp.WithMeterProvider(p.MeterProvider()), otelhttp.WithTracerProvider(tp)))
	t.Cleanup(svc.Close)

	client := &http.Client{Timeout: 5 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	var mu sync.Mutex
	traceIDs := map[string]bool{}
	drive := func(n int) {
		for i := range n {
			resp, err := client.Get(svc.URL + "/orders/" + strconv.Itoa(i))
			if err != nil {
				t.Errorf("request: %v", err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			traceIDs[resp.Header.Get("X-Trace-Id")] = true
			mu.Unlock()
		}
	}
	drive(5)

	// Prometheus, on loopback, scraping the service every second, with
	// exemplar storage on.
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: otelkit
    static_configs:
      - targets: ["%s"]
`, p.PrometheusAddr())
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	webAddr := "127.0.0.1:" + strconv.Itoa(freeLoopbackPort(t))
	var logs boundedBuffer
	cmd := exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+webAddr,
		"--enable-feature=exemplar-storage",
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	api := promAPI{base: "http://" + webAddr, client: client}
	deadline := time.Now().Add(45 * time.Second)
	routeQuery := durationBucket + `{http_route="/orders/{id}"}`

	// 1. The request-duration histogram, by route.
	var series []map[string]string
	for {
		var qr struct {
			Status string
			Data   struct {
				Result []struct {
					Metric map[string]string
				}
			}
		}
		err := api.get("/api/v1/query", url.Values{"query": {routeQuery}}, &qr)
		if err == nil && len(qr.Data.Result) > 0 {
			for _, r := range qr.Data.Result {
				series = append(series, r.Metric)
			}
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s series in Prometheus within the deadline (last error: %v)\nprometheus log:\n%s", routeQuery, err, logs.String())
		}
		drive(1)
		time.Sleep(500 * time.Millisecond)
	}
	les := map[float64]bool{}
	for _, s := range series {
		le, err := strconv.ParseFloat(s["le"], 64)
		if err != nil {
			t.Errorf("le %q: %v", s["le"], err)
		}
		les[le] = true
		if s["http_route"] != "/orders/{id}" || s["http_request_method"] != "GET" {
			t.Errorf("series labels %v", s)
		}
		for _, bad := range []string{"url_path", "server_address", "url_full"} {
			if _, ok := s[bad]; ok {
				t.Errorf("series carries %s: %v", bad, s)
			}
		}
	}
	// The semantic-convention buckets, and nothing else.
	for _, le := range append(semconvBuckets, math.Inf(1)) {
		if !les[le] {
			t.Errorf("bucket le=%v missing; have %v", le, les)
		}
	}
	if len(les) != len(semconvBuckets)+1 {
		t.Errorf("buckets %v, want the %d semantic-convention bounds and +Inf", les, len(semconvBuckets))
	}

	// 2. An exemplar whose trace ID is one the service produced.
	for {
		var er struct {
			Status string
			Data   []struct {
				SeriesLabels map[string]string
				Exemplars    []struct {
					Labels map[string]string
					Value  string
				}
			}
		}
		now := time.Now()
		err := api.get("/api/v1/query_exemplars", url.Values{
			"query": {routeQuery},
			"start": {strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)},
			"end":   {strconv.FormatInt(now.Add(time.Minute).Unix(), 10)},
		}, &er)
		var seen []string
		if err == nil {
			mu.Lock()
			for _, d := range er.Data {
				for _, e := range d.Exemplars {
					id := e.Labels["trace_id"]
					seen = append(seen, id)
					if traceIDs[id] && len(e.Labels["span_id"]) == 16 {
						mu.Unlock()
						t.Logf("exemplar on %v: trace_id=%s span_id=%s value=%s", d.SeriesLabels["le"], id, e.Labels["span_id"], e.Value)
						return
					}
				}
			}
			mu.Unlock()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no exemplar with a trace ID the service produced within the deadline (err %v; exemplar trace IDs seen %v)\nprometheus log:\n%s", err, seen, logs.String())
		}
		drive(1)
		time.Sleep(500 * time.Millisecond)
	}
}
