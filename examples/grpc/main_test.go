package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const requestID = "demo-grpc-0001"

// hopLines are the lines each hop of the checkout writes, by service.
var hopLines = map[string][]string{
	"frontend":  {"checkout_done", "http_request"},
	"checkout":  {"order_placing", "order_placed", "grpc_request"},
	"inventory": {"items_reserved", "grpc_request"},
}

// checkStdout checks that every line of the three hops is there and
// carries the caller's request ID and one trace, and returns that trace.
func checkStdout(t *testing.T, out *logbuf.Buffer) string {
	t.Helper()
	lines := map[string]map[string]any{}
	for _, l := range out.JSONLines(t) {
		if svc, _ := l["service"].(string); svc != "" {
			lines[svc+" "+l["msg"].(string)] = l
		}
	}
	var trace string
	spans := map[string]string{}
	for svc, msgs := range hopLines {
		for _, msg := range msgs {
			l, ok := lines[svc+" "+msg]
			if !ok {
				t.Fatalf("no %s line from %s; output:\n%s", msg, svc, out)
			}
			if l["request_id"] != requestID {
				t.Errorf("%s %s: request_id = %v, want %s", svc, msg, l["request_id"], requestID)
			}
			tid, _ := l["trace_id"].(string)
			if trace == "" {
				trace = tid
			}
			if len(tid) != 32 || tid != trace {
				t.Errorf("%s %s: trace_id %q, want %q", svc, msg, tid, trace)
			}
			spans[svc], _ = l["span_id"].(string)
		}
	}
	if spans["frontend"] == spans["checkout"] || spans["checkout"] == spans["inventory"] {
		t.Errorf("hops share a span: %v", spans)
	}
	for _, svc := range []string{"checkout", "inventory"} {
		if l := lines[svc+" grpc_request"]; l["code"] != "OK" || l["level"] != "info" {
			t.Errorf("%s access line %v", svc, l)
		}
	}
	return trace
}

// TestOneRequestIDAcrossHTTPAndGRPC: the three hops' handler and access
// lines share one trace_id and the caller's request_id. The same run
// against a real collector is internal/testkit/e2e's
// TestGRPCExampleOneTraceAtTheCollector.
func TestOneRequestIDAcrossHTTPAndGRPC(t *testing.T) {
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "none")
	}
	t.Setenv("OTELKIT_LOG_FORMAT", "json")
	out := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, nil, out); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	checkStdout(t, out)
}

func TestBadRole(t *testing.T) {
	err := run(context.Background(), []string{"-role", "sidecar"}, &logbuf.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "allowed: frontend, checkout, inventory, all") {
		t.Fatalf("err = %v", err)
	}
}

// TestOtherServicesFlushFailureIsReported: with -role all, Checkout's and
// Inventory's Telemetry are flushed after Run; when those flushes fail,
// run's error says so (main exits 1), naming each service.
func TestOtherServicesFlushFailureIsReported(t *testing.T) {
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "refused", http.StatusBadRequest) // not retried by the exporters
	}))
	defer col.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "")
	}
	out := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, nil, out)
	for _, svc := range []string{"checkout", "inventory"} {
		if err == nil || !strings.Contains(err.Error(), svc+" telemetry: ") {
			t.Errorf("run: %v; want %s's failed flush among the errors", err, svc)
		}
	}
}
