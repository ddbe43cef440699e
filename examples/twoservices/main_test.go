package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type syncBuffer = logbuf.Buffer

// TestOneTraceAcrossServices: the frontend's and the backend's handler and
// access lines share one trace_id and the caller's request_id.
func TestOneTraceAcrossServices(t *testing.T) {
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "none")
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, nil, out); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	lines := map[string]map[string]any{}
	for _, raw := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(raw, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("not JSON: %q", raw)
		}
		if svc, _ := m["service"].(string); svc != "" {
			lines[svc+" "+m["msg"].(string)] = m
		}
	}
	keys := []string{"frontend checkout_priced", "backend price_computed", "frontend http_request", "backend http_request"}
	var trace string
	for _, k := range keys {
		l, ok := lines[k]
		if !ok {
			t.Fatalf("no %q line; output:\n%s", k, out)
		}
		if l["request_id"] != "demo-checkout-0001" {
			t.Errorf("%s: request_id = %v, want demo-checkout-0001", k, l["request_id"])
		}
		tid, _ := l["trace_id"].(string)
		if len(tid) != 32 {
			t.Errorf("%s: trace_id = %q", k, tid)
		}
		if trace == "" {
			trace = tid
		} else if tid != trace {
			t.Errorf("%s: trace_id %s differs from %s", k, tid, trace)
		}
	}
	if lines["frontend checkout_priced"]["span_id"] == lines["backend price_computed"]["span_id"] {
		t.Errorf("frontend and backend lines share a span_id; the backend should have its own server span")
	}
}

func TestBadRole(t *testing.T) {
	err := run(context.Background(), []string{"-role", "sidecar"}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "allowed: frontend, backend, both") {
		t.Fatalf("err = %v", err)
	}
}

// TestFrontendReportsBackendFailure: a backend that answers with an error
// status fails the checkout (502, price_lookup_failed); its error body is
// not passed off as a price.
func TestFrontendReportsBackendFailure(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "database down", http.StatusInternalServerError)
	}))
	defer backend.Close()
	rec := httptest.NewRecorder()
	frontendMux(backend.Client(), backend.URL).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/checkout/cart-7", nil))
	if rec.Code != http.StatusBadGateway || strings.Contains(rec.Body.String(), "database down") {
		t.Errorf("frontend answered %d %q, want 502 without the backend's body", rec.Code, rec.Body.String())
	}
}

// TestBackendFlushFailureIsReported: with -role both, the backend's
// Telemetry is flushed after Run; when that flush fails, run's error says
// so (main exits 1), naming the service, rather than only the frontend's.
func TestBackendFlushFailureIsReported(t *testing.T) {
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "refused", http.StatusBadRequest) // not retried by the exporters
	}))
	defer col.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "")
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, nil, out)
	if err == nil || !strings.Contains(err.Error(), "backend telemetry: ") {
		t.Fatalf("run: %v; want the backend's failed flush among the errors\n%s", err, out)
	}
}
