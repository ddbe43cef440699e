package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
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
