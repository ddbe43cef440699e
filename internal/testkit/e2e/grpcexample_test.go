package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

// grpcExampleRequestID is the X-Request-ID examples/grpc sends with its
// one checkout.
const grpcExampleRequestID = "demo-grpc-0001"

// grpcExampleHops are the lines each hop of that checkout writes, by
// service (the example's own test checks them on stdout; here they are
// looked for at the collector).
var grpcExampleHops = map[string][]string{
	"frontend":  {"checkout_done", "http_request"},
	"checkout":  {"order_placing", "order_placed", "grpc_request"},
	"inventory": {"items_reserved", "grpc_request"},
}

// TestGRPCExampleOneTraceAtTheCollector runs examples/grpc, built as users
// build it, against a real OpenTelemetry Collector over OTLP/gRPC: the
// five spans of the checkout (HTTP server, and client and server of both
// gRPC calls) form one trace, each under its service, and every log record
// of the three hops carries that trace and the caller's request ID.
func TestGRPCExampleOneTraceAtTheCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example and a collector")
	}
	col := collector.Start(t)
	pointAt(t, col, "grpc")
	t.Setenv("OTELKIT_LOG_FORMAT", "json")
	bin := goBuild(t, moduleRoot(t), "./examples/grpc", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, errOut := &logbuf.Buffer{}, &logbuf.Buffer{}
	cmd := exec.CommandContext(ctx, bin)
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("examples/grpc: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	trace := stdoutTrace(t, out)

	spans := col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool { return len(s) >= 5 })
	checkSpanChain(t, spans, trace)

	want := 0
	for _, msgs := range grpcExampleHops {
		want += len(msgs)
	}
	logs := col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool { return len(hopRecords(l)) >= want })
	recs := hopRecords(logs)
	for _, r := range recs {
		if r.TraceID != trace || r.Attributes["request_id"] != grpcExampleRequestID {
			t.Errorf("%v from %v: trace %s request_id %v, want %s and %s", r.Body, r.Resource["service.name"],
				r.TraceID, r.Attributes["request_id"], trace, grpcExampleRequestID)
		}
	}
	for svc, msgs := range grpcExampleHops {
		for _, msg := range msgs {
			if !hasRecord(recs, svc, msg) {
				t.Errorf("no OTLP record %s from %s", msg, svc)
			}
		}
	}
}

// stdoutTrace returns the trace ID of the frontend's checkout_done line.
func stdoutTrace(t *testing.T, out *logbuf.Buffer) string {
	t.Helper()
	for _, line := range strings.Split(out.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil {
			continue
		}
		if l["service"] == "frontend" && l["msg"] == "checkout_done" {
			if tid, _ := l["trace_id"].(string); len(tid) == 32 {
				return tid
			}
		}
	}
	t.Fatalf("no frontend checkout_done line with a trace_id on stdout:\n%s", out)
	return ""
}

// checkSpanChain checks that the checkout's five spans form one chain of
// parents in trace, and that the gRPC servers set the request ID.
func checkSpanChain(t *testing.T, spans []collector.Span, trace string) {
	t.Helper()
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
			t.Errorf("hop %d (%s %s): trace %s parent %q, want trace %s under %q", i, want.service, want.name,
				found.TraceID, found.ParentSpanID, trace, parent)
		}
		if want.kind == "server" && want.service != "frontend" && found.Attributes["request.id"] != grpcExampleRequestID {
			t.Errorf("%s span request.id = %v", want.service, found.Attributes["request.id"])
		}
		parent = found.SpanID
	}
}

// hopRecords are the log records of the checkout's hops (not the shutdown
// lines).
func hopRecords(logs []collector.LogRecord) []collector.LogRecord {
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
