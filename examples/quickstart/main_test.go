package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type syncBuffer = logbuf.Buffer

// The trees printed after the exercise: a trace line, then one line per
// span, indented two spaces per level below the root.
var (
	traceLine = regexp.MustCompile(`^  trace=([0-9a-f]{8})$`)
	spanLine  = regexp.MustCompile(`^    ((?:  )*)(\S.*?)\s+(client|server|internal|producer|consumer)\s+\S+\s+(unset|ok|error)\s+span=([0-9a-f]{16})$`)
)

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

	type span struct{ name, kind, trace, id, parent, status string }
	var spans []span
	var logs []map[string]any
	var trace string
	var stack []string // span IDs by depth in the current tree
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "{"):
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line is not JSON: %v: %q", err, line)
			}
			logs = append(logs, m)
		case strings.HasPrefix(line, "Traces (run with -serve"), strings.TrimSpace(line) == "":
		case traceLine.MatchString(line):
			trace, stack = traceLine.FindStringSubmatch(line)[1], nil
		case spanLine.MatchString(line):
			m := spanLine.FindStringSubmatch(line)
			depth := len(m[1]) / 2
			if trace == "" || depth > len(stack) {
				t.Fatalf("span line out of its tree: %q", line)
			}
			parent := "-"
			if depth > 0 {
				parent = stack[depth-1]
			}
			stack = append(stack[:depth], m[5])
			spans = append(spans, span{m[2], m[3], trace, m[5], parent, m[4]})
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
	// Every line of a request (handler, buffered debug, panic, access)
	// carries its trace, span and request ID; only the process's own lines
	// have none.
	for _, l := range logs {
		switch l["msg"] {
		case "server_started", "shutdown_started", "shutdown_finished":
			continue
		}
		for _, k := range []string{"trace_id", "span_id", "request_id"} {
			if s, _ := l[k].(string); s == "" {
				t.Errorf("%v line has no %s: %v", l["msg"], k, l)
			}
		}
	}
	loaded := find("order_loaded")
	for _, k := range []string{"trace_id", "span_id", "trace_flags", "request_id", "order_id"} {
		if s, _ := loaded[k].(string); s == "" {
			t.Errorf("order_loaded has no %s: %v", k, loaded)
		}
	}
	// The handler's line belongs to the server span named by route, in the
	// tree of its trace (the console's 8 hex digits).
	var server *span
	for i := range spans {
		if spans[i].name == "GET /orders/{id}" && spans[i].trace == loaded["trace_id"].(string)[:8] && spans[i].id == loaded["span_id"] {
			server = &spans[i]
		}
	}
	if server == nil {
		t.Fatalf("no server span \"GET /orders/{id}\" with span_id %v in trace %v; spans: %+v", loaded["span_id"], loaded["trace_id"], spans)
	}
	// The client span of the same request is its parent; load_order its child.
	clientParent, child := false, false
	for _, s := range spans {
		clientParent = clientParent || (s.id == server.parent && s.kind == "client" && s.trace == server.trace)
		child = child || (s.parent == server.id && s.name == "load_order")
	}
	if !clientParent || !child {
		t.Errorf("server span %+v: client parent %v, load_order child %v", server, clientParent, child)
	}
	if n := strings.Count(text, "  trace="); n != 6 {
		t.Errorf("%d trees printed, want one per request (6)", n)
	}
	if i, j := strings.Index(text, "Traces (run with -serve"), strings.LastIndex(text, `"msg":"shutdown_finished"`); i < j {
		t.Errorf("the traces are not printed after the log lines")
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

// TestServeMountsTraceViewer: with -serve the quick start prints the trace
// viewer's URL, and the viewer lists a request made to the API, with its
// log lines, and no trace for the viewer's own pages.
func TestServeMountsTraceViewer(t *testing.T) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER", "OTELKIT_LOG_FORMAT", "OTELKIT_LOG_LEVEL", "OTEL_SERVICE_NAME"} {
		t.Setenv(k, "")
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-serve", "-addr", "127.0.0.1:0"}, out) }()
	var started map[string]any
	for started == nil && ctx.Err() == nil {
		for _, l := range out.JSONLines(t) {
			if l["msg"] == "server_started" {
				started = l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	viewer, _ := started["trace_viewer"].(string)
	addr, _ := started["addr"].(string)
	if viewer != "http://"+addr+"/debug/otel/" {
		t.Fatalf("server_started names the viewer %q (addr %q)", viewer, addr)
	}
	get := func(url string, header ...string) string {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if len(header) == 2 {
			req.Header.Set(header[0], header[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get("http://"+addr+"/orders/42", "X-Request-ID", "quickstart-serve-1")
	get(viewer) // a page view makes no trace
	list := get(viewer)
	if n := strings.Count(list, `<tr class="trace"`); n != 1 || !strings.Contains(list, "quickstart-serve-1") || !strings.Contains(list, "<td>GET /orders/{id}</td>") {
		t.Fatalf("the viewer lists %d traces:\n%s", n, list)
	}
	id := regexp.MustCompile(`data-trace-id="([0-9a-f]{32})"`).FindStringSubmatch(list)[1]
	if page := get(viewer + "trace/" + id); !strings.Contains(page, "<td>order_loaded</td>") || !strings.Contains(page, ">load_order</span>") {
		t.Errorf("trace page lacks the handler's line or the child span:\n%s", page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}
