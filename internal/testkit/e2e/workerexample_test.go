package e2e

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

// TestWorkerExampleAtTheCollector runs examples/worker, built as users
// build it, against a real OpenTelemetry Collector, and checks what its
// doc promises once it has exited: each message's consumer span is a child
// of its producer span, each message's log records carry the span current
// at the call, and the counts and durations by outcome arrive, all flushed
// by the worker's stop.
func TestWorkerExampleAtTheCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example and a collector")
	}
	const messages = 4 // msg-0003 fails
	col := collector.Start(t)
	pointAt(t, col, "http/protobuf")
	t.Setenv("OTELKIT_LOG_FORMAT", "json")
	bin := goBuild(t, moduleRoot(t), "./examples/worker", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, errOut := &logbuf.Buffer{}, &logbuf.Buffer{}
	cmd := exec.CommandContext(ctx, bin, "-n", "4")
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("examples/worker: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}

	spans := col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool { return len(s) >= 2*messages })
	producers := map[string]collector.Span{} // span ID -> producer span
	for _, s := range spans {
		if s.Kind == "producer" && s.Name == "orders publish" {
			producers[s.SpanID] = s
		}
	}
	consumers := map[string]collector.Span{} // message ID -> consumer span
	for _, s := range spans {
		if s.Kind != "consumer" || s.Name != "orders process" {
			continue
		}
		id, _ := s.Attributes["messaging.message.id"].(string)
		consumers[id] = s
		p, ok := producers[s.ParentSpanID]
		if !ok || p.TraceID != s.TraceID {
			t.Errorf("consumer span of %s (trace %s) is not under a producer span", id, s.TraceID)
		}
		if wantErr := id == "msg-0003"; (s.StatusCode == "error") != wantErr {
			t.Errorf("consumer span of %s: status %s", id, s.StatusCode)
		}
	}
	if len(producers) != messages || len(consumers) != messages {
		t.Fatalf("%d producer and %d consumer spans, want %d each", len(producers), len(consumers), messages)
	}

	logs := col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool { return countMessageRecords(l) >= 2*messages })
	for _, r := range logs {
		id, _ := r.Attributes["message_id"].(string)
		switch r.Body {
		case "message_processed", "message_failed":
			if c := consumers[id]; r.TraceID != c.TraceID || r.SpanID != c.SpanID {
				t.Errorf("%v of %s: trace %s span %s, want the consumer span's %s %s", r.Body, id, r.TraceID, r.SpanID, c.TraceID, c.SpanID)
			}
		case "message_published":
			if c := consumers[id]; r.TraceID != c.TraceID || r.SpanID != c.ParentSpanID {
				t.Errorf("message_published of %s: trace %s span %s, want the producer span %s %s", id, r.TraceID, r.SpanID, c.TraceID, c.ParentSpanID)
			}
		}
	}

	metrics := col.WaitMetrics(t, 20*time.Second, func(m []collector.Metric) bool {
		_, ok := workerCounts(m)["failed"]
		return ok
	})
	if got := workerCounts(metrics); got["ok"] != messages-1 || got["failed"] != 1 {
		t.Errorf("worker.messages.processed by outcome = %v, want ok %d, failed 1", got, messages-1)
	}
}

func countMessageRecords(logs []collector.LogRecord) int {
	n := 0
	for _, r := range logs {
		switch r.Body {
		case "message_published", "message_processed", "message_failed":
			n++
		}
	}
	return n
}

// workerCounts is the latest worker.messages.processed value by outcome.
func workerCounts(metrics []collector.Metric) map[string]float64 {
	out := map[string]float64{}
	for _, m := range metrics {
		if m.Name != "worker.messages.processed" {
			continue
		}
		for _, p := range m.DataPoints {
			if o, ok := p.Attributes["outcome"].(string); ok {
				out[o] = p.Value
			}
		}
	}
	return out
}
