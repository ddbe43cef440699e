package httpmw

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// Each output profile is checked here against its backend's own
// documentation, on the lines of a real request: served by Handler, with
// the logger, tracer provider and resource otel.Init builds with the
// profile set. The documents:
//
// Datadog
//   - log/trace correlation: dd.trace_id and dd.span_id, the low 64 bits of
//     the OpenTelemetry IDs as decimal strings; dd.service, dd.env,
//     dd.version for unified service tagging:
//     https://docs.datadoghq.com/tracing/other_telemetry/connect_logs_and_traces/opentelemetry/
//     https://docs.datadoghq.com/tracing/other_telemetry/connect_logs_and_traces/python/
//     ("Include the dd.env, dd.service, dd.version, dd.trace_id and
//     dd.span_id attributes"),
//     https://docs.datadoghq.com/getting_started/tagging/unified_service_tagging
//   - default standard attributes, HTTP requests: http.method,
//     http.status_code (number), http.url, http.request_id,
//     http.url_details.path; network.bytes_written (number); duration
//     (number, nanoseconds); logger.name; error.message, error.kind,
//     error.stack: https://docs.datadoghq.com/logs/log_configuration/attributes_naming_convention/
//   - reserved attributes (status for the level):
//     https://docs.datadoghq.com/logs/log_configuration/attributes_naming_convention/
//   - log status remapper (the level): logging/profile_vendor_test.go.
//
// Google Cloud Logging
//   - structured logging special fields: severity, message,
//     logging.googleapis.com/trace ("projects/PROJECT_ID/traces/TRACE_ID"),
//     logging.googleapis.com/spanId, logging.googleapis.com/trace_sampled,
//     logging.googleapis.com/sourceLocation, logging.googleapis.com/labels,
//     httpRequest: https://cloud.google.com/logging/docs/structured-logging
//   - LogEntry.httpRequest, type HttpRequest: requestMethod, requestUrl,
//     status (integer), responseSize (int64, a JSON string), latency
//     (Duration: "3.5s"), userAgent, remoteIp:
//     https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#HttpRequest
//
// Elastic Common Schema
//   - field reference: @timestamp, log.level, message, ecs.version,
//     trace.id, span.id, service.name, service.version,
//     service.environment, event.dataset, event.duration (nanoseconds),
//     http.request.id, http.request.method, http.response.status_code,
//     http.response.body.bytes, url.path, url.query:
//     https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html
//   - Elastic APM log correlation: trace.id (and span.id) on every line,
//     service.name, service.version, service.environment "must be
//     provided even if there is no active transaction":
//     https://github.com/elastic/apm/blob/main/specs/agents/log-correlation.md
//   - ecs-logging spec: event.dataset defaults to "${service.name}.log":
//     https://github.com/elastic/ecs-logging/blob/main/spec/spec.json

// profileRun is one request served under a profile through otel.Init.
type profileRun struct {
	span   sdktrace.ReadOnlySpan
	line   map[string]any // the handler's order_loaded line
	access map[string]any // the http_request line
	raw    string         // every line written
}

// serveProfile builds the telemetry with otel.Init (service checkout
// 1.4.2 in prod, the profile set, JSON lines to a buffer) and serves one
// GET /orders/7?token=s3cret&page=2 through Handler.
func serveProfile(t *testing.T, profile string, queryLogging bool, extra ...otel.Option) profileRun {
	t.Helper()
	t.Setenv("OTELKIT_GCP_PROJECT", "")
	t.Setenv("GOOGLE_CLOUD_PROJECT", "")
	rec := tracetest.NewSpanRecorder()
	out := &syncBuffer{}
	opts := append([]otel.Option{
		otel.WithServiceName("checkout"), otel.WithServiceVersion("1.4.2"), otel.WithEnvironment("prod"),
		otel.WithoutGlobals(), otel.WithoutDetectors(), otel.WithoutRuntimeMetrics(),
		otel.WithTracesExporter("none"), otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"),
		otel.WithSpanProcessor(rec),
		otel.WithLogFormat("json"), otel.WithLogOutput(zapcore.AddSync(out)),
		otel.WithLoggingOptions(logging.WithProfile(profile)),
	}, extra...)
	tel, err := otel.Init(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	hopts := []Option{WithTracerProvider(tel.TracerProvider()), WithMeterProvider(tel.MeterProvider()), WithLogger(tel.Logger())}
	if queryLogging {
		hopts = append(hopts, WithQueryLogging())
	}
	r := httptest.NewRequest("GET", "/orders/7?token=s3cret&page=2", nil)
	r.Header.Set("X-Request-ID", "req-prof")
	w := httptest.NewRecorder()
	Handler(ordersMux(), hopts...).ServeHTTP(w, r)
	run := profileRun{raw: out.String()}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	run.span = spans[0]
	for _, l := range strings.Split(strings.TrimSpace(run.raw), "\n") {
		m := decodeUnique(t, l)
		msg := m["message"]
		if msg == nil {
			msg = m["msg"]
		}
		switch msg {
		case "order_loaded":
			run.line = m
		case "http_request":
			run.access = m
		}
	}
	if run.line == nil || run.access == nil {
		t.Fatalf("no handler or access line:\n%s", run.raw)
	}
	if strings.Contains(run.raw, "s3cret") {
		t.Errorf("the query's secret reached the output:\n%s", run.raw)
	}
	return run
}

// decodeUnique decodes one JSON line and fails on a key repeated in any
// object: a last-wins parser would read another value than a first-wins
// one.
func decodeUnique(t *testing.T, line string) map[string]any {
	t.Helper()
	if err := checkUniqueKeys(json.NewDecoder(strings.NewReader(line))); err != nil {
		t.Fatalf("%v in %s", err, line)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	return m
}

// checkUniqueKeys reads one JSON value from dec and reports a key repeated
// within an object.
func checkUniqueKeys(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, _ := dec.Token()
			key := k.(string)
			if seen[key] {
				return fmt.Errorf("duplicate key %q", key)
			}
			seen[key] = true
			if err := checkUniqueKeys(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := checkUniqueKeys(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	return err
}

// want checks m[k] == v for each pair.
func want(t *testing.T, what string, m map[string]any, kv map[string]any) {
	t.Helper()
	for k, v := range kv {
		if m[k] != v {
			t.Errorf("%s: %s = %#v, want %#v", what, k, m[k], v)
		}
	}
}

// absent checks that none of keys is in m.
func absent(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; ok {
			t.Errorf("%s: has %s (%v)", what, k, m[k])
		}
	}
}

// nanos checks that v is a whole number of nanoseconds, at least the
// span's duration (the access line times the whole request, around the
// span) and less than a second more.
func nanos(t *testing.T, what string, v any, span sdktrace.ReadOnlySpan) {
	t.Helper()
	f, ok := v.(float64)
	if !ok || f != float64(int64(f)) {
		t.Fatalf("%s = %#v, want whole nanoseconds", what, v)
	}
	d := time.Duration(f)
	if sd := span.EndTime().Sub(span.StartTime()); d < sd || d > sd+time.Second {
		t.Errorf("%s = %v, the span took %v: not nanoseconds", what, d, sd)
	}
}

func ddID(b []byte) string { return strconv.FormatUint(binary.BigEndian.Uint64(b), 10) }

func TestProfileDatadogLinksLogsToTraceAndService(t *testing.T) {
	run := serveProfile(t, logging.ProfileDatadog, true)
	sc := run.span.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	for what, m := range map[string]map[string]any{"handler line": run.line, "access line": run.access} {
		want(t, what, m, map[string]any{
			// log -> trace
			"dd.trace_id": ddID(tid[8:]), "dd.span_id": ddID(sid[:]),
			// log -> service (unified service tagging)
			"dd.service": "checkout", "dd.env": "prod", "dd.version": "1.4.2",
			"http.request_id": "req-prof",
			// standard attributes of the request, on each of its lines
			"http.method": "GET", "http.url_details.path": "/orders/7", "route": "/orders/{id}",
		})
		absent(t, what, m, "trace_id", "span_id", "request_id", "method", "path", "msg")
	}
	// status is Datadog's reserved attribute for the severity.
	want(t, "handler line", run.line, map[string]any{"status": "info", "message": "order_loaded"})
	want(t, "access line", run.access, map[string]any{
		"status": "info", "message": "http_request",
		"http.status_code": float64(200), "network.bytes_written": float64(7),
		"http.url": "/orders/7?token=REDACTED&page=2",
	})
	nanos(t, "duration", run.access["duration"], run.span)
	absent(t, "access line", run.access, "level", "duration_ms", "bytes", "query")
}

func TestProfileGCPLinksLogsToTraceAndService(t *testing.T) {
	// The project comes from the resource, as the GCP resource detector
	// sets it (cloud.provider gcp, cloud.account.id the project ID).
	run := serveProfile(t, logging.ProfileGCP, true, otel.WithResourceAttributes(
		attribute.String("cloud.provider", "gcp"), attribute.String("cloud.account.id", "shop-prod")))
	sc := run.span.SpanContext()
	for what, m := range map[string]map[string]any{"handler line": run.line, "access line": run.access} {
		want(t, what, m, map[string]any{
			// log -> trace
			"logging.googleapis.com/trace":         "projects/shop-prod/traces/" + sc.TraceID().String(),
			"logging.googleapis.com/spanId":        sc.SpanID().String(),
			"logging.googleapis.com/trace_sampled": true,
			"request_id":                           "req-prof",
		})
		labels, _ := m["logging.googleapis.com/labels"].(map[string]any)
		want(t, what+" labels", labels, map[string]any{
			"service.name": "checkout", "service.version": "1.4.2", "deployment.environment.name": "prod",
		})
		absent(t, what, m, "trace_id", "span_id", "msg", "level")
	}
	want(t, "handler line", run.line, map[string]any{"severity": "INFO", "message": "order_loaded"})
	want(t, "access line", run.access, map[string]any{"severity": "INFO", "message": "http_request"})
	hr, ok := run.access["httpRequest"].(map[string]any)
	if !ok {
		t.Fatalf("access line without httpRequest: %v", run.access)
	}
	want(t, "httpRequest", hr, map[string]any{
		"requestMethod": "GET", "requestUrl": "/orders/7?token=REDACTED&page=2",
		"status": float64(200), "responseSize": "7", // int64: a JSON string
	})
	lat, _ := hr["latency"].(string)
	if !regexp.MustCompile(`^\d+(\.\d{1,9})?s$`).MatchString(lat) {
		t.Fatalf("latency %q is not a protobuf Duration", lat)
	}
	secs, _ := strconv.ParseFloat(strings.TrimSuffix(lat, "s"), 64)
	nanos(t, "latency", float64(int64(secs*1e9+0.5)), run.span)
	// otelkit logs neither the user agent nor the client's address.
	absent(t, "httpRequest", hr, "userAgent", "remoteIp", "referer", "serverIp")
	absent(t, "access line", run.access, "status", "duration_ms", "bytes", "query")
}

func TestProfileGCPRequestURLHasNoQueryUnlessLogged(t *testing.T) {
	run := serveProfile(t, logging.ProfileGCP, false, otel.WithLoggingOptions(logging.WithGCPProject("shop-prod")))
	hr, _ := run.access["httpRequest"].(map[string]any)
	if hr["requestUrl"] != "/orders/7" {
		t.Errorf("requestUrl %v, want the path alone", hr["requestUrl"])
	}
	if strings.Contains(run.raw, "page=2") {
		t.Errorf("the query was logged without WithQueryLogging:\n%s", run.raw)
	}
}

func TestProfileGCPWarnsWithoutProject(t *testing.T) {
	run := serveProfile(t, logging.ProfileGCP, false)
	var warned bool
	for _, l := range strings.Split(strings.TrimSpace(run.raw), "\n") {
		m := decodeUnique(t, l)
		if m["message"] == "otelkit_config_warning" && m["variable"] == "OTELKIT_GCP_PROJECT" {
			warned = strings.Contains(m["detail"].(string), "does not link")
		}
	}
	if !warned {
		t.Errorf("no warning that the trace field cannot link:\n%s", run.raw)
	}
	if got := run.line["logging.googleapis.com/trace"]; got != run.span.SpanContext().TraceID().String() {
		t.Errorf("trace %v", got)
	}
}

func TestProfileECSLinksLogsToTraceAndService(t *testing.T) {
	run := serveProfile(t, logging.ProfileECS, true)
	sc := run.span.SpanContext()
	for what, m := range map[string]map[string]any{"handler line": run.line, "access line": run.access} {
		want(t, what, m, map[string]any{
			// log -> trace
			"trace.id": sc.TraceID().String(), "span.id": sc.SpanID().String(),
			// log -> service
			"service.name": "checkout", "service.version": "1.4.2", "service.environment": "prod",
			"event.dataset": "checkout.log",
			"ecs.version":   "8.11.0", "http.request.id": "req-prof",
			"http.request.method": "GET", "url.path": "/orders/7",
		})
		if _, ok := m["@timestamp"]; !ok {
			t.Errorf("%s without @timestamp", what)
		}
		absent(t, what, m, "trace_id", "span_id", "request_id", "method", "path", "msg", "level")
	}
	want(t, "handler line", run.line, map[string]any{"log.level": "info", "message": "order_loaded"})
	want(t, "access line", run.access, map[string]any{
		"log.level": "info", "message": "http_request",
		"http.response.status_code": float64(200), "http.response.body.bytes": float64(7),
		"url.query": "token=REDACTED&page=2",
	})
	nanos(t, "event.duration", run.access["event.duration"], run.span)
	absent(t, "access line", run.access, "status", "duration_ms", "bytes", "query")
}

// The default profile keeps otelkit's own names, and names no service.
func TestProfileDefaultAccessLine(t *testing.T) {
	run := serveProfile(t, logging.ProfileDefault, true)
	sc := run.span.SpanContext()
	want(t, "access line", run.access, map[string]any{
		"level": "info", "msg": "http_request", "trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String(),
		"trace_flags": "01", "request_id": "req-prof", "method": "GET", "path": "/orders/7", "route": "/orders/{id}",
		"status": float64(200), "bytes": float64(7), "query": "token=REDACTED&page=2",
	})
	if ms, ok := run.access["duration_ms"].(float64); !ok || ms < 0 || ms > 1000 {
		t.Errorf("duration_ms %v", run.access["duration_ms"])
	}
	absent(t, "access line", run.access, "service.name", "dd.service", "logging.googleapis.com/labels", "httpRequest")
}
