package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/internal/testkit/logbuf"
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
// lines share one trace_id and the caller's request_id.
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

// TestOneTraceAtTheCollector runs the example against a real OpenTelemetry
// Collector: the five spans of the checkout (HTTP server, and client and
// server of both gRPC calls) form one trace, each under its service, and
// every log record of the three hops carries the trace and the caller's
// request ID.
func TestOneTraceAtTheCollector(t *testing.T) {
	col := collector.Start(t)
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER", "OTEL_TRACES_SAMPLER",
		"OTEL_PROPAGATORS", "OTEL_EXPORTER_OTLP_HEADERS", "OTELKIT_LOG_LEVEL", "OTELKIT_LOG_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("OTELKIT_LOG_FORMAT", "json")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+col.GRPCEndpoint())
	out := &logbuf.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, nil, out); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	trace := checkStdout(t, out)

	spans := col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool { return len(s) >= 5 })
	chain := []struct{ service, kind, name string }{
		{"frontend", "server", "GET /checkout/{cart}"},
		{"frontend", "client", "otelkit.example.shop.Checkout/PlaceOrder"},
		{"checkout", "server", "otelkit.example.shop.Checkout/PlaceOrder"},
		{"checkout", "client", "otelkit.example.shop.Inventory/Reserve"},
		{"inventory", "server", "otelkit.example.shop.Inventory/Reserve"},
	}
	parent := ""
	for i, want := range chain {
		var found *collector.Span
		for j := range spans {
			s := &spans[j]
			if s.Resource["service.name"] == want.service && s.Kind == want.kind && s.Name == want.name {
				found = s
			}
		}
		if found == nil {
			t.Fatalf("no %s span %q from %s among %d spans", want.kind, want.name, want.service, len(spans))
		}
		if found.TraceID != trace || found.ParentSpanID != parent {
			t.Errorf("hop %d (%s %s): trace %s parent %q, want trace %s under %q", i, want.service, want.name, found.TraceID, found.ParentSpanID, trace, parent)
		}
		if want.kind == "server" && want.service != "frontend" && found.Attributes["request.id"] != requestID {
			t.Errorf("%s span request.id = %v", want.service, found.Attributes["request.id"])
		}
		parent = found.SpanID
	}

	want := 0
	for _, msgs := range hopLines {
		want += len(msgs)
	}
	logs := col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool { return len(requestRecords(l)) >= want })
	recs := requestRecords(logs)
	for _, r := range recs {
		if r.TraceID != trace || r.Attributes["request_id"] != requestID {
			t.Errorf("%s record %v from %v: trace %s request_id %v", r.Resource["service.name"], r.Body, r.Resource["service.name"], r.TraceID, r.Attributes["request_id"])
		}
	}
	for svc, msgs := range hopLines {
		for _, msg := range msgs {
			if !hasRecord(recs, svc, msg) {
				t.Errorf("no OTLP record %s from %s", msg, svc)
			}
		}
	}
}

// requestRecords are the log records of the request's hops (not the
// shutdown lines).
func requestRecords(logs []collector.LogRecord) []collector.LogRecord {
	var out []collector.LogRecord
	for _, r := range logs {
		if body, _ := r.Body.(string); !strings.HasPrefix(body, "shutdown_") {
			out = append(out, r)
		}
	}
	return out
}

func hasRecord(recs []collector.LogRecord, service, body string) bool {
	for _, r := range recs {
		if r.Resource["service.name"] == service && r.Body == body {
			return true
		}
	}
	return false
}

func TestBadRole(t *testing.T) {
	err := run(context.Background(), []string{"-role", "sidecar"}, &logbuf.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "allowed: frontend, checkout, inventory, all") {
		t.Fatalf("err = %v", err)
	}
}
