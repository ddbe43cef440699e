package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/tracing"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type lineBuffer struct{ logbuf.Buffer }

func (l *lineBuffer) lines(t *testing.T) []map[string]any { return l.JSONLines(t) }

// pointAt sets the OTLP environment to the collector for protocol, and
// blanks what the machine's environment might add.
func pointAt(t *testing.T, col *collector.Collector, protocol string) {
	t.Helper()
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER", "OTEL_TRACES_SAMPLER",
		"OTEL_TRACES_SAMPLER_ARG", "OTEL_PROPAGATORS", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_BSP_SCHEDULE_DELAY",
		"OTELKIT_LOG_FORMAT", "OTELKIT_LOG_LEVEL", "OTELKIT_LOG_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
	if protocol == "grpc" {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+col.GRPCEndpoint())
	} else {
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.HTTPEndpoint())
	}
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "60000") // metrics leave on Shutdown
}

func serviceApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracing.Start(r.Context(), "load_order")
		logging.FromContext(ctx).Info("order_query", zap.String("order_id", r.PathValue("id")))
		span.End()
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		_, _ = io.WriteString(w, "ok")
	})
	return httpmw.Handler(mux)
}

func get(t *testing.T, url, requestID string) {
	t.Helper()
	getWith(t, url, map[string]string{"X-Request-ID": requestID})
}

func findLine(lines []map[string]any, msg string) map[string]any { return logbuf.Find(lines, msg) }

// TestRequestReachesCollector is the product's promise end to end: one
// request's server span (named by route), its handler and access log lines
// on stdout and as OTLP log records, and its request-duration metric, all
// arrive at a real collector with the same trace, span and request IDs.
func TestRequestReachesCollector(t *testing.T) {
	for _, protocol := range []string{"grpc", "http/protobuf"} {
		t.Run(strings.ReplaceAll(protocol, "/", "_"), func(t *testing.T) {
			col := collector.Start(t)
			pointAt(t, col, protocol)
			out := &lineBuffer{}
			service := "e2e-" + strings.ReplaceAll(protocol, "/", "-")
			tel, err := otel.Init(context.Background(), otel.WithServiceName(service),
				otel.WithLogFormat("json"), otel.WithLogOutput(out))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(serviceApp())
			get(t, srv.URL+"/orders/42", "req-e2e-"+service)
			srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tel.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}

			spans := col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool { return len(s) >= 2 })
			var server, child *collector.Span
			for i := range spans {
				switch spans[i].Name {
				case "GET /orders/{id}":
					server = &spans[i]
				case "load_order":
					child = &spans[i]
				}
			}
			if server == nil || child == nil {
				t.Fatalf("server or child span missing: %+v", spans)
			}
			if server.Resource["service.name"] != service {
				t.Errorf("span resource service.name = %v", server.Resource["service.name"])
			}
			if server.Attributes["http.route"] != "/orders/{id}" {
				t.Errorf("server span http.route = %v", server.Attributes["http.route"])
			}
			if child.ParentSpanID != server.SpanID {
				t.Errorf("load_order's parent = %s, want server span %s", child.ParentSpanID, server.SpanID)
			}

			stdout := out.lines(t)
			loaded, query, access := findLine(stdout, "order_loaded"), findLine(stdout, "order_query"), findLine(stdout, "http_request")
			if loaded == nil || query == nil || access == nil {
				t.Fatalf("stdout lacks order_loaded, order_query or http_request:\n%v", stdout)
			}
			for name, l := range map[string]map[string]any{"order_loaded": loaded, "http_request": access, "order_query": query} {
				if l["trace_id"] != server.TraceID {
					t.Errorf("stdout %s trace_id = %v, want %s", name, l["trace_id"], server.TraceID)
				}
				if l["request_id"] != "req-e2e-"+service {
					t.Errorf("stdout %s request_id = %v", name, l["request_id"])
				}
			}
			if loaded["span_id"] != server.SpanID {
				t.Errorf("order_loaded span_id = %v, want server span %s", loaded["span_id"], server.SpanID)
			}
			if query["span_id"] != child.SpanID {
				t.Errorf("order_query span_id = %v, want child span %s", query["span_id"], child.SpanID)
			}

			logs := col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool {
				for _, r := range l {
					if r.Body == "order_loaded" {
						return true
					}
				}
				return false
			})
			for _, r := range logs {
				if r.Body != "order_loaded" {
					continue
				}
				if r.TraceID != server.TraceID || r.SpanID != server.SpanID {
					t.Errorf("OTLP record trace/span = %s/%s, want %s/%s", r.TraceID, r.SpanID, server.TraceID, server.SpanID)
				}
				if r.Resource["service.name"] != service {
					t.Errorf("log resource service.name = %v", r.Resource["service.name"])
				}
				if r.Attributes["order_id"] != "42" || r.Attributes["request_id"] != "req-e2e-"+service {
					t.Errorf("OTLP record attributes = %v", r.Attributes)
				}
				if r.SeverityText == "" || r.SeverityNumber != 9 {
					t.Errorf("OTLP record severity = %q/%d, want INFO/9", r.SeverityText, r.SeverityNumber)
				}
			}

			col.WaitMetrics(t, 20*time.Second, func(ms []collector.Metric) bool {
				var route, runtime bool
				for _, m := range ms {
					if m.Name == "http.server.request.duration" {
						for _, p := range m.DataPoints {
							if p.Attributes["http.route"] == "/orders/{id}" && p.Count >= 1 {
								route = true
							}
						}
					}
					if strings.HasPrefix(m.Name, "go.") {
						runtime = true
					}
				}
				return route && runtime
			})
		})
	}
}

// TestSDKDisabledExportsNothing: with OTEL_SDK_DISABLED=true no signal
// reaches the collector, and the service still logs to stdout.
func TestSDKDisabledExportsNothing(t *testing.T) {
	col := collector.Start(t)
	pointAt(t, col, "http/protobuf")
	t.Setenv("OTEL_SDK_DISABLED", "true")
	out := &lineBuffer{}
	tel, err := otel.Init(context.Background(), otel.WithServiceName("e2e-disabled"), otel.WithLogFormat("json"), otel.WithLogOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(serviceApp())
	get(t, srv.URL+"/orders/1", "req-disabled")
	srv.Close()
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A control that is exported proves the collector is listening: without
	// it, "nothing arrived" could mean a broken collector.
	t.Setenv("OTEL_SDK_DISABLED", "")
	ctl, err := otel.Init(context.Background(), otel.WithServiceName("e2e-control"), otel.WithLogOutput(&lineBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	_, span := tracing.Start(context.Background(), "control")
	span.End()
	if err := ctl.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool { return len(s) >= 1 })
	for _, s := range spans {
		if s.Resource["service.name"] == "e2e-disabled" {
			t.Errorf("span exported with the SDK disabled: %+v", s)
		}
	}
	logs, _ := col.Logs()
	for _, l := range logs {
		if l.Resource["service.name"] == "e2e-disabled" {
			t.Errorf("log record exported with the SDK disabled: %+v", l)
		}
	}
	if findLine(out.lines(t), "order_loaded") == nil {
		t.Error("no stdout line with the SDK disabled")
	}
}

// TestAlwaysOffSamplerExportsNoSpans: with OTEL_TRACES_SAMPLER=always_off
// no span is exported, yet log lines still carry the (unsampled) trace.
func TestAlwaysOffSamplerExportsNoSpans(t *testing.T) {
	col := collector.Start(t)
	pointAt(t, col, "grpc")
	t.Setenv("OTEL_TRACES_SAMPLER", "always_off")
	out := &lineBuffer{}
	tel, err := otel.Init(context.Background(), otel.WithServiceName("e2e-always-off"), otel.WithLogFormat("json"), otel.WithLogOutput(out))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(serviceApp())
	get(t, srv.URL+"/orders/7", "req-off")
	srv.Close()
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The log record proves the export path works; spans must be absent.
	col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool { return len(l) > 0 })
	if spans, _ := col.Spans(); len(spans) != 0 {
		t.Errorf("%d spans exported with always_off", len(spans))
	}
	loaded := findLine(out.lines(t), "order_loaded")
	if loaded == nil || loaded["trace_flags"] != "00" || len(loaded["trace_id"].(string)) != 32 {
		t.Errorf("order_loaded under always_off = %v, want an unsampled trace_id", loaded)
	}
}

// TestShutdownDeliversQueued: with a schedule delay far longer than the
// test, spans leave only because Shutdown flushes them.
func TestShutdownDeliversQueued(t *testing.T) {
	col := collector.Start(t)
	pointAt(t, col, "http/protobuf")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
	t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "600000")
	tel, err := otel.Init(context.Background(), otel.WithServiceName("e2e-queued"), otel.WithLogOutput(&lineBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		_, span := tracing.Start(context.Background(), "queued")
		span.End()
	}
	time.Sleep(300 * time.Millisecond)
	if spans, _ := col.Spans(); len(spans) != 0 {
		t.Fatalf("%d spans arrived before Shutdown; the delay did not hold", len(spans))
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool { return len(s) == 50 })
}
