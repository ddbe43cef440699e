package metrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// newProm builds a provider with the Prometheus exporter on a free loopback
// port (or without listener).
func newProm(t *testing.T, opts ...Option) *Provider {
	t.Helper()
	all := append([]Option{WithEnvLookup(noEnv), WithExporter("prometheus"), WithPrometheusAddr("127.0.0.1:0"), WithoutRuntimeMetrics()}, opts...)
	p, err := NewMeterProvider(context.Background(), all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func scrape(t *testing.T, url, accept string) (string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape status %d: %s", resp.StatusCode, body)
	}
	return string(body), resp.Header.Get("Content-Type")
}

const openMetricsAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

func TestPrometheusListenerServesOpenMetricsExemplars(t *testing.T) {
	p := newProm(t)
	addr := p.PrometheusAddr()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("PrometheusAddr = %q", addr)
	}
	h, _ := p.Meter("test").Float64Histogram("work.duration", metric.WithUnit("s"))
	ctx, span := tracer(t, true).Start(context.Background(), "work")
	h.Record(ctx, 0.2)
	span.End()
	traceID := span.SpanContext().TraceID().String()

	body, ctype := scrape(t, "http://"+addr+"/metrics", openMetricsAccept)
	if !strings.HasPrefix(ctype, "application/openmetrics-text") {
		t.Errorf("content type %q, want OpenMetrics", ctype)
	}
	if !strings.Contains(body, "work_duration_seconds_bucket") {
		t.Fatalf("histogram missing:\n%s", body)
	}
	if !strings.Contains(body, `trace_id="`+traceID+`"`) {
		t.Errorf("no exemplar with trace_id %s:\n%s", traceID, body)
	}

	classic, ctype := scrape(t, "http://"+addr+"/metrics", "")
	if !strings.HasPrefix(ctype, "text/plain") {
		t.Errorf("content type %q, want the classic text format", ctype)
	}
	if !strings.Contains(classic, "work_duration_seconds_bucket") || strings.Contains(classic, "trace_id") {
		t.Errorf("classic format: want the histogram without exemplars:\n%s", classic)
	}
	if body, _ := scrape(t, "http://"+addr+"/metrics", ""); strings.Contains(body, "go_gc_duration_seconds") {
		t.Error("scrape shows client_golang's default collectors: the exporter is on the global registry")
	}
}

func TestPrometheusHandlerWithoutServer(t *testing.T) {
	p := newProm(t, WithoutPrometheusServer())
	if p.PrometheusAddr() != "" {
		t.Errorf("listener at %s with WithoutPrometheusServer", p.PrometheusAddr())
	}
	c, _ := p.Meter("test").Int64Counter("jobs")
	c.Add(context.Background(), 3)
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "jobs_total") {
		t.Fatalf("status %d body:\n%s", rec.Code, rec.Body)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after Shutdown: status %d, want 503", rec.Code)
	}
}

func TestHandlerWhenPrometheusIsOff(t *testing.T) {
	p, _ := newTest(t)
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "OTEL_METRICS_EXPORTER=prometheus") {
		t.Errorf("status %d body %q", rec.Code, rec.Body)
	}
}

func TestPrometheusPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(envMap(map[string]string{
		envExporter: "prometheus", envPromHost: "127.0.0.1", envPromPort: port,
	})))
	if err == nil {
		_ = p.Shutdown(context.Background())
		t.Fatal("New succeeded on a taken port")
	}
	for _, w := range []string{"127.0.0.1:" + port, envPromPort, "address already in use"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestPrometheusShutdownClosesListener(t *testing.T) {
	p := newProm(t)
	addr := p.PrometheusAddr()
	scrape(t, "http://"+addr+"/metrics", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("listener still accepts after Shutdown")
	}
	// The port is free again: a new provider can bind it.
	p2, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("prometheus"), WithPrometheusAddr(addr), WithoutRuntimeMetrics())
	if err != nil {
		t.Fatalf("rebinding %s: %v", addr, err)
	}
	_ = p2.Shutdown(context.Background())
}

func TestPrometheusDefaultAddrFromEnv(t *testing.T) {
	// Port 0 from the environment binds a free port on the named host.
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(envMap(map[string]string{
		envExporter: "prometheus", envPromHost: "127.0.0.1", envPromPort: "0",
	})), WithoutRuntimeMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	if !strings.HasPrefix(p.PrometheusAddr(), "127.0.0.1:") {
		t.Errorf("addr %q", p.PrometheusAddr())
	}
}

func TestPrometheusServerOnlyServesMetricsPath(t *testing.T) {
	p := newProm(t)
	resp, err := http.Get("http://" + p.PrometheusAddr() + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d on another path, want 404", resp.StatusCode)
	}
}

func TestPrometheusEmptyHostMeansLocalhost(t *testing.T) {
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("prometheus"), WithPrometheusAddr(":0"), WithoutRuntimeMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	host, _, _ := net.SplitHostPort(p.PrometheusAddr())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("bound %q, want a loopback address", p.PrometheusAddr())
	}
}

// TestPrometheusScrapeErrorsReported: a series a scrape cannot serve (two
// instruments whose Prometheus names collide) goes to otel.Handle, which
// otel.Init writes as an otel_sdk_error line; the rest is still served.
// It used to be left out of the scrape without a word.
func TestPrometheusScrapeErrorsReported(t *testing.T) {
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { handled = append(handled, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	p := newProm(t, WithoutPrometheusServer())
	for _, name := range []string{"a.b", "a_b"} {
		c, _ := p.Meter("test").Int64Counter(name)
		c.Add(context.Background(), 1)
	}
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "a_b_total") {
		t.Fatalf("status %d, body:\n%s", rec.Code, rec.Body)
	}
	if len(handled) != 1 || !strings.Contains(handled[0].Error(), "a_b_total") || !strings.Contains(handled[0].Error(), "Prometheus") {
		t.Errorf("handled %v, want one error about a_b_total", handled)
	}
}
