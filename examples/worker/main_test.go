package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/otel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestWorker: each consumed message's line carries the trace of the
// producer's line for the same message, its own span, and the message ID.
func TestWorker(t *testing.T) {
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "none")
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, []string{"-n", "4"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	published := map[string]map[string]any{}
	consumed := map[string]map[string]any{}
	for _, raw := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(raw, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("not JSON: %q", raw)
		}
		id, _ := m["message_id"].(string)
		switch m["msg"] {
		case "message_published":
			published[id] = m
		case "message_processed", "message_failed":
			consumed[id] = m
		}
	}
	if len(published) != 4 || len(consumed) != 4 {
		t.Fatalf("published %d, consumed %d, want 4 each:\n%s", len(published), len(consumed), out.String())
	}
	for id, c := range consumed {
		p := published[id]
		if c["trace_id"] == nil || c["trace_id"] != p["trace_id"] {
			t.Errorf("%s: consumer trace %v, producer trace %v", id, c["trace_id"], p["trace_id"])
		}
		if c["span_id"] == p["span_id"] {
			t.Errorf("%s: consumer line has the producer's span_id", id)
		}
	}
	if f := consumed["msg-0003"]; f["msg"] != "message_failed" || f["error_type"] != "*fmt.wrapError" {
		t.Errorf("msg-0003 line = %v", f)
	}
}

func TestBadCount(t *testing.T) {
	for _, arg := range []string{"0", "-1", "1000001", "x"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"-n", arg}, &out); err == nil {
			t.Errorf("-n %s: no error", arg)
		}
	}
}

// TestWorkerStopsBetweenMessages: a stop (here ctx; SIGTERM the same way,
// through tel.Run) lets the message in hand finish and takes no other:
// the queue stays open, and the worker reports how many it handled.
func TestWorkerStopsBetweenMessages(t *testing.T) {
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "none")
	}
	t.Setenv("OTELKIT_LOG_FORMAT", "json")
	out := &logbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tel, err := otel.Init(ctx, otel.WithServiceName("worker"), otel.WithLogOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	queue := make(chan Message) // unbuffered: a send returns once the worker took the message
	done := make(chan error, 1)
	go func() { done <- consumeQueue(ctx, tel, queue) }()
	queue <- produce(ctx, "msg-0001", "order 1")
	queue <- produce(ctx, "msg-0002", "order 2") // taken: msg-0001 is handled
	cancel()                                     // msg-0002 is in hand

	timer := time.NewTimer(20 * time.Second)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("consumeQueue: %v\n%s", err, out)
		}
	case <-timer.C:
		close(queue) // lets a worker that ignores the stop end
		<-done
		t.Fatalf("the worker kept waiting for messages after the stop:\n%s", out)
	}
	lines := out.JSONLines(t)
	var handled []string
	for _, l := range lines {
		if l["msg"] == "message_processed" {
			handled = append(handled, l["message_id"].(string))
		}
	}
	if strings.Join(handled, ",") != "msg-0001,msg-0002" {
		t.Errorf("handled %v, want msg-0001 and msg-0002 (the one in hand when the stop came)", handled)
	}
	stopped := logbuf.Find(lines, "worker_stopped")
	if stopped == nil || stopped["messages"] != float64(2) {
		t.Errorf("worker_stopped line = %v, want messages 2\n%s", stopped, out)
	}
}

// TestWorkerReportsLostTelemetry: when the final flush fails, the worker
// says so in its error (main exits 1) instead of ending as if all went out.
func TestWorkerReportsLostTelemetry(t *testing.T) {
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "refused", http.StatusBadRequest) // not retried by the exporters
	}))
	defer col.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "")
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, []string{"-n", "1"}, &out); err == nil {
		t.Fatalf("run returned nil although the collector refused every export:\n%s", out.String())
	}
}
