package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testkit/logbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type syncBuffer = logbuf.Buffer

var spanLine = regexp.MustCompile(`^SPAN "([^"]+)"\s+kind=(\S+)\s+trace_id=([0-9a-f]{32}) span_id=([0-9a-f]{16}) parent=(\S+) status=(\S+)`)

// TestQuickstart runs the example as a user would with no collector: it must
// exit cleanly, print correlated JSON log lines and the spans they belong to,
// and say nothing about an unreachable collector.
func TestQuickstart(t *testing.T) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER", "OTELKIT_LOG_FORMAT", "OTELKIT_LOG_LEVEL", "OTEL_SERVICE_NAME",
		"OTELKIT_LOG_BUFFER_LEVEL", "OTELKIT_LOG_BUFFER_SLOW"} {
		t.Setenv(k, "")
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, nil, out); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	text := out.String()

	type span struct{ name, trace, id, parent, status string }
	var spans []span
	var logs []map[string]any
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "SPAN "):
			m := spanLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("malformed span line %q", line)
			}
			spans = append(spans, span{m[1], m[3], m[4], m[5], m[6]})
		case strings.HasPrefix(line, "{"):
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line is not JSON: %v: %q", err, line)
			}
			logs = append(logs, m)
		case strings.TrimSpace(line) == "":
		default:
			t.Errorf("unexpected output line %q", line)
		}
	}
	if strings.Contains(strings.ToLower(text), "connection refused") || strings.Contains(text, "otel_sdk_error") {
		t.Errorf("output mentions an export failure:\n%s", text)
	}

	find := func(msg string) map[string]any {
		t.Helper()
		for _, l := range logs {
			if l["msg"] == msg {
				return l
			}
		}
		t.Fatalf("no %q line in output:\n%s", msg, text)
		return nil
	}
	loaded := find("order_loaded")
	for _, k := range []string{"trace_id", "span_id", "trace_flags", "request_id", "order_id"} {
		if s, _ := loaded[k].(string); s == "" {
			t.Errorf("order_loaded has no %s: %v", k, loaded)
		}
	}
	// The handler's line belongs to the server span named by route.
	var server *span
	for i := range spans {
		if spans[i].name == "GET /orders/{id}" && spans[i].trace == loaded["trace_id"] {
			server = &spans[i]
		}
	}
	if server == nil {
		t.Fatalf("no server span \"GET /orders/{id}\" with trace %v; spans: %+v", loaded["trace_id"], spans)
	}
	if loaded["span_id"] != server.id {
		t.Errorf("order_loaded span_id = %v, want the server span's %s", loaded["span_id"], server.id)
	}
	// The client span of the same request shares the trace.
	clientInTrace := false
	for _, s := range spans {
		if s.trace == server.trace && s.id == server.parent {
			clientInTrace = true
		}
	}
	if !clientInTrace {
		t.Errorf("server span's parent %s is not a printed client span of trace %s", server.parent, server.trace)
	}

	p := find("panic_recovered")
	if p["level"] != "error" || p["trace_id"] == nil {
		t.Errorf("panic_recovered line = %v", p)
	}
	pf := find("payment_failed")
	if pf["error_type"] != "*main.paymentError" || pf["error"] != "payment declined: card_declined" {
		t.Errorf("payment_failed line = %v", pf)
	}

	access := map[string]map[string]any{}
	for _, l := range logs {
		if l["msg"] == "http_request" {
			access[l["path"].(string)] = l
		}
	}
	want := map[string]float64{"/orders/42": 200, "/slow": 200, "/fail": 502, "/panic": 500, "/orders/0": 404}
	for path, status := range want {
		a, ok := access[path]
		if !ok {
			t.Errorf("no access line for %s", path)
			continue
		}
		if a["status"] != status {
			t.Errorf("access line for %s: status %v, want %v", path, a["status"], status)
		}
	}
	if _, ok := access["/healthz"]; ok {
		t.Errorf("/healthz was logged although it is skipped")
	}
	checkBuffering(t, logs, access)
}

// checkBuffering checks per-request log buffering as the quick start shows
// it: the failing requests print their debug lines, marked, right before
// the line that says they failed; the good request prints none and counts
// them on its access line.
func checkBuffering(t *testing.T, logs []map[string]any, access map[string]map[string]any) {
	t.Helper()
	debug := map[any][]string{} // request_id -> msgs of its debug lines
	for i, l := range logs {
		if l["level"] != "debug" {
			continue
		}
		if l["buffered"] != true {
			t.Errorf("debug line without the marker: %v", l)
		}
		debug[l["request_id"]] = append(debug[l["request_id"]], l["msg"].(string))
		if next := logs[i+1]; next["request_id"] != l["request_id"] || (next["level"] != "debug" && next["level"] != "error") {
			t.Errorf("debug line %v is not followed by its request's next debug line or failure: %v", l["msg"], next)
		}
	}
	id := func(path string) any { return access[path]["request_id"] }
	if got := debug[id("/orders/42")]; len(got) != 0 {
		t.Errorf("the good request printed debug lines %v", got)
	}
	if got := access["/orders/42"]["debug_dropped"]; got != float64(2) {
		t.Errorf("good request's access line: debug_dropped %v, want 2 (cache_lookup, order_query)", got)
	}
	for path, want := range map[string]string{
		"/fail":     "payment_request,payment_response",
		"/panic":    "inventory_lookup",
		"/orders/0": "cache_lookup,order_query",
	} {
		if got := strings.Join(debug[id(path)], ","); got != want {
			t.Errorf("%s printed debug lines %q, want %q", path, got, want)
		}
		if n := float64(strings.Count(want, ",") + 1); access[path]["debug_flushed"] != n {
			t.Errorf("%s access line: debug_flushed %v, want %v", path, access[path]["debug_flushed"], n)
		}
	}
}
