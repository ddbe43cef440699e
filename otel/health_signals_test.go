package otel

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/metrics"
)

// TestHealthMetricsAndLogsExport: metric and log exports are counted like
// spans. Against a fake OTLP/HTTP collector that first answers 503 (no
// Retry-After; short timeouts end the retries) and then
// succeeds, the health document shows the failed records and the unsent
// (cumulative) data points with the error, then the exported ones (as many as the collector
// accepted) with the last success. The header value and the endpoint's
// password never appear in it.
func TestHealthMetricsAndLogsExport(t *testing.T) {
	const (
		apiKey   = "sk-SIGNALSAPIKEY"
		password = "SIGNALSPASSWORD"
	)
	// The metric and log exporters retry a 503 until the reader's or batch
	// processor's export timeout (their own timeout bounds each request,
	// not the retries): keep those short.
	t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", "500")
	t.Setenv("OTEL_BLRP_EXPORT_TIMEOUT", "500")
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Status: http.StatusServiceUnavailable, FailFirst: -1})
	// User info in the endpoint is an error (the exporters would not send
	// it) that does not show the password.
	endpoint := strings.Replace(c.Endpoint, "http://", "http://exporter:"+password+"@", 1)
	if tel, err := Init(context.Background(), WithoutGlobals(), WithOTLPEndpoint(endpoint), WithLogOutput(&lineBuffer{})); err == nil {
		_ = tel.Shutdown(context.Background())
		t.Fatal("Init accepted an endpoint with user info")
	} else if strings.Contains(err.Error(), password) {
		t.Fatalf("Init error shows the password: %v", err)
	}
	endpoint = c.Endpoint
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(endpoint), WithOTLPProtocol("http/protobuf"),
		WithOTLPHeaders(map[string]string{"api-key": apiKey}), WithOTLPTimeout(300*time.Millisecond),
		WithTracesExporter("none"))

	h, _ := getHealth(t, tel)
	for _, sig := range []string{"metrics", "logs"} {
		if ex := h.Export[sig]; !ex.Tracked || ex.Batches != 0 || ex.LastSuccess != nil || ex.LastFailure != nil {
			t.Errorf("%s before any export: %+v, want tracked and empty", sig, ex)
		}
	}
	if ex := h.Export["traces"]; ex.Tracked {
		t.Errorf("traces with the exporter none: %+v, want not tracked", ex)
	}

	counter, err := tel.MeterProvider().Meter("health").Int64Counter("jobs.done")
	if err != nil {
		t.Fatal(err)
	}
	record := func(kinds ...string) {
		for _, k := range kinds {
			counter.Add(context.Background(), 1, metric.WithAttributes(attribute.String("kind", k)))
		}
	}
	logLines := func(n int) {
		for range n {
			tel.Logger().Info("job_done")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Phase 1: the collector fails every export. The SDK's error names the
	// collector's answer, not the status.
	const failMsg = "fake collector: failing on purpose"
	record("a", "b", "c")
	logLines(4)
	start := time.Now()
	if err := tel.ForceFlush(ctx); err == nil {
		t.Error("ForceFlush against 503 returned no error")
	}
	t.Logf("failing ForceFlush took %v", time.Since(start).Round(time.Millisecond))
	h, body := getHealth(t, tel)
	m, l := h.Export["metrics"], h.Export["logs"]
	t.Logf("after 503: metrics %+v; logs %+v", m, l)
	// Cumulative temporality: the next export sends the 3 points again;
	// they are unsent, not lost.
	if m.Failed != 0 || m.Unsent != 3 || m.Exported != 0 || m.FailedBatches != 1 || m.LastFailure == nil || m.LastSuccess != nil ||
		!strings.Contains(m.LastError, failMsg) {
		t.Errorf("metrics after 503: %+v, want 3 unsent data points in 1 failed batch with the collector's error", m)
	}
	if l.Failed != 4 || l.Exported != 0 || l.FailedBatches < 1 || l.LastFailure == nil || l.LastSuccess != nil ||
		!strings.Contains(l.LastError, failMsg) {
		t.Errorf("logs after 503: %+v, want 4 failed records with the collector's error", l)
	}
	texts := []string{body}

	// Phase 2: the collector recovers.
	c.Set(fakeotlp.Behaviour{})
	record("a", "d")
	logLines(5)
	if err := tel.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush against a healthy collector: %v", err)
	}
	h, body = getHealth(t, tel)
	texts = append(texts, body)
	m, l = h.Export["metrics"], h.Export["logs"]
	t.Logf("after recovery: metrics %+v; logs %+v", m, l)
	_, points := c.Count(fakeotlp.Metrics)
	_, records := c.Count(fakeotlp.Logs)
	// Cumulative temporality: the second export carries all four series,
	// the three unsent ones included: nothing was lost.
	if m.Exported != 4 || int(m.Exported) != points || m.Failed != 0 || m.Unsent != 0 || m.LastSuccess == nil || m.LastSuccess.Before(*m.LastFailure) {
		t.Errorf("metrics after recovery: %+v; collector accepted %d data points; want 4 exported, none failed or unsent", m, points)
	}
	// The telemetry_dropped warning about the 4 failed records is a log
	// record too; it may have been flushed with the 5 lines.
	if l.Exported < 5 || l.Exported > 6 || int(l.Exported) != records || l.Failed != 4 || l.Dropped[DropExportFailed] != 4 ||
		l.LastSuccess == nil || l.LastSuccess.Before(*l.LastFailure) {
		t.Errorf("logs after recovery: %+v; collector accepted %d records; want 5 exported (6 with the telemetry_dropped line), 4 failed", l, records)
	}
	if !strings.Contains(m.LastError, failMsg) {
		t.Errorf("metrics last error %q: a success must not erase the last error", m.LastError)
	}

	for _, text := range texts {
		for _, secret := range []string{apiKey, password} {
			if strings.Contains(text, secret) {
				t.Errorf("health document contains the secret %q:\n%s", secret, text)
			}
		}
	}
	if !strings.Contains(h.Config["metrics"].Endpoint, "127.0.0.1") || strings.Join(h.Config["logs"].HeaderNames, ",") != "api-key" {
		t.Errorf("config metrics %+v logs %+v", h.Config["metrics"], h.Config["logs"])
	}
}

// TestHealthNotTrackedWithoutExporter: with the exporters none, metrics and
// logs say tracked:false rather than showing zero counts as if tracked.
func TestHealthNotTrackedWithoutExporter(t *testing.T) {
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithTracesExporter("none"),
		WithMetricsExporter("none"), WithLogsExporter("none"))
	h, _ := getHealth(t, tel)
	for _, sig := range []string{"traces", "metrics", "logs"} {
		if h.Export[sig].Tracked {
			t.Errorf("%s: %+v, want not tracked", sig, h.Export[sig])
		}
	}
}

// TestHealthConcurrentGets: GETs of the handler from several goroutines
// while all three signals export are race-free (run with -race), every
// answer is a valid document, and the counts never go down.
func TestHealthConcurrentGets(t *testing.T) {
	// 400 is not retried: the first two exports of each signal fail.
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: 2})
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint), WithOTLPProtocol("http/protobuf"),
		WithOTLPTimeout(300*time.Millisecond))
	handler := tel.HealthHandler()
	tracer := tel.TracerProvider().Tracer("health")
	counter, _ := tel.MeterProvider().Meter("health").Int64Counter("jobs.done")

	const (
		readers = 4
		gets    = 40
		rounds  = 8
	)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := range rounds {
			for range 5 {
				_, span := tracer.Start(ctx, "work")
				counter.Add(ctx, 1, metric.WithAttributes(attribute.Int("round", i)))
				tel.Logger().Info("job_done")
				span.End()
			}
			_ = tel.ForceFlush(ctx)
		}
	}()
	errs := make(chan string, readers*gets)
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := map[string]int64{}
			for range gets {
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9091/debug/otel", nil))
				var h Health
				if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &h) != nil {
					errs <- "bad answer: " + rec.Body.String()
					return
				}
				for _, sig := range []string{"traces", "metrics", "logs"} {
					ex := h.Export[sig]
					if n := ex.Exported + ex.Failed; n < last[sig] {
						errs <- sig + " count went down"
					} else {
						last[sig] = n
					}
				}
				select {
				case <-done:
				default:
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	h, _ := getHealth(t, tel)
	for sig, want := range map[string]string{"traces": fakeotlp.Traces, "metrics": fakeotlp.Metrics, "logs": fakeotlp.Logs} {
		ex := h.Export[sig]
		_, items := c.Count(want)
		t.Logf("%s: exported %d failed %d in %d batches (%d failed); collector accepted %d", sig, ex.Exported, ex.Failed, ex.Batches, ex.FailedBatches, items)
		if !ex.Tracked || int(ex.Exported) != items || ex.Exported == 0 || ex.FailedBatches == 0 {
			t.Errorf("%s: %+v; collector accepted %d; want equal, non-zero, with failures", sig, ex, items)
		}
	}
}

// TestCardinalityOverflowShown: an instrument whose data reaches the
// cardinality limit is listed in the health document and gets one
// metric_cardinality_limit_reached line; the SDK says nothing of it.
func TestCardinalityOverflowShown(t *testing.T) {
	clearEnv(t)
	out := &lineBuffer{}
	var own ownOverflowHandler
	tel := initHealth(t, out, WithTracesExporter("none"), WithLogsExporter("none"), WithMetricsExporter("console"),
		WithConsoleWriter(io.Discard), WithMetricsOptions(metrics.WithCardinalityLimit(3), metrics.WithOverflowHandler(own.handle)))
	counter, _ := tel.MeterProvider().Meter("test").Int64Counter("orders")
	for i := range 10 {
		counter.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("customer", i)))
	}
	for range 2 {
		if err := tel.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	want := []OverflowedInstrument{{Scope: "test", Instrument: "orders"}}
	if h, _ := getHealth(t, tel); !slices.Equal(h.MetricOverflow, want) {
		t.Errorf("metric_cardinality_overflow %v, want %v", h.MetricOverflow, want)
	}
	if own.n.Load() != 1 {
		t.Errorf("the program's own handler (WithMetricsOptions) was called %d times, want 1", own.n.Load())
	}
	var lines []map[string]any
	for _, l := range out.lines(t) {
		if l["msg"] == "metric_cardinality_limit_reached" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || lines[0]["instrument"] != "orders" || lines[0]["scope"] != "test" || lines[0]["limit"] != float64(3) || lines[0]["level"] != "warn" {
		t.Errorf("lines %v, want one for orders at limit 3", lines)
	}
}

type ownOverflowHandler struct{ n atomic.Int64 }

func (o *ownOverflowHandler) handle(string, string, int) { o.n.Add(1) }
