package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/testkit/process"
	"github.com/otelkit/otelkit/internal/testkit/syspkg"
	"github.com/otelkit/otelkit/metrics"
)

// semconvBuckets are the explicit bucket bounds the HTTP semantic
// conventions advise for http.server.request.duration, which metrics
// configures.
var semconvBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

func noEnv(string) (string, bool) { return "", false }

// startPrometheus runs a real Prometheus (Debian package prometheus,
// installed as root when it is absent; package syspkg) on a loopback port,
// scraping target every second with exemplar storage on, and returns the
// base URL of its HTTP API.
func startPrometheus(t *testing.T, target string) (*process.Process, string) {
	t.Helper()
	bin := syspkg.LookPathOrInstall(t, "prometheus", "prometheus")
	p := process.Run(t, process.Spec{
		Name:         "prometheus",
		Ports:        1,
		StartTimeout: 45 * time.Second,
		Command: func(dir string, addrs []string) (*exec.Cmd, error) {
			cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: otelkit
    static_configs:
      - targets: ["%s"]
`, target)
			cfgPath := filepath.Join(dir, "prometheus.yml")
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
				return nil, err
			}
			return exec.Command(bin,
				"--config.file="+cfgPath,
				"--storage.tsdb.path="+filepath.Join(dir, "data"),
				"--web.listen-address="+addrs[0],
				"--enable-feature=exemplar-storage",
				"--log.level=warn",
			), nil
		},
	})
	return p, "http://" + p.Addrs()[0]
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
		return fmt.Errorf("%s: status %d: %s", path, resp.StatusCode, process.Tail(body, 500))
	}
	return json.Unmarshal(body, v)
}

const durationBucket = "http_server_request_duration_seconds_bucket"

func TestRealPrometheusScrapesRouteAndExemplars(t *testing.T) {
	// The service: otelkit's Prometheus exporter, otelhttp around a mux
	// with a route pattern, every request in a sampled span.
	p, err := metrics.NewMeterProvider(context.Background(), metrics.WithEnvLookup(noEnv), metrics.WithExporter("prometheus"),
		metrics.WithPrometheusAddr("127.0.0.1:0"), metrics.WithResource(resource.NewSchemaless(semconv.ServiceName("promtest"))))
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
	prom, base := startPrometheus(t, p.PrometheusAddr())
	api := promAPI{base: base, client: client}
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
		if !prom.Running() {
			t.Fatalf("prometheus exited:\n%s", prom.Output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s series in Prometheus within the deadline (last error: %v)\nprometheus log:\n%s", routeQuery, err, prom.Output())
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
			t.Fatalf("no exemplar with a trace ID the service produced within the deadline (err %v; exemplar trace IDs seen %v)\nprometheus log:\n%s", err, seen, prom.Output())
		}
		drive(1)
		time.Sleep(500 * time.Millisecond)
	}
}
