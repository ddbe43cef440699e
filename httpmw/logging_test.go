package httpmw

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/logrec"
	"github.com/otelkit/otelkit/logging"
)

func record(t *testing.T, mem *logrec.Processor, msg string) sdklog.Record {
	t.Helper()
	found := mem.WithBody(msg)
	if len(found) != 1 {
		t.Fatalf("want one OTLP record %q, got %d of %d records", msg, len(found), len(mem.Records()))
	}
	return found[0]
}

func recordAttrs(r sdklog.Record) map[string]string {
	m := map[string]string{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = kv.Value.String()
		return true
	})
	return m
}

func newLogProvider(t *testing.T) (*sdklog.LoggerProvider, *logrec.Processor) {
	t.Helper()
	mem := &logrec.Processor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(mem))
	t.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	return lp, mem
}

// childSpanMux serves GET /orders/{id}: one line in the server span, one
// in a child span it starts with tp.
func childSpanMux(tp trace.TracerProvider) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("handler_line")
		ctx, child := tp.Tracer("test").Start(r.Context(), "load_order")
		logging.FromContext(ctx).Info("child_line")
		child.End()
		_, _ = w.Write([]byte("ok"))
	})
	return mux
}

// spansByName returns the server and child span the request produced.
func spansByName(t *testing.T, e *testEnv) (server, child trace.SpanContext) {
	t.Helper()
	for _, s := range e.sr.Ended() {
		switch s.Name() {
		case "GET /orders/{id}":
			server = s.SpanContext()
		case "load_order":
			child = s.SpanContext()
		}
	}
	if !server.IsValid() || !child.IsValid() || server.SpanID() == child.SpanID() {
		t.Fatalf("spans: server %v child %v", server, child)
	}
	return server, child
}

// checkRecords asserts the OTLP records of the handler, child and access
// lines carry the trace context they were written in, and the request's
// fields.
func checkRecords(t *testing.T, mem *logrec.Processor, server, child trace.SpanContext) {
	t.Helper()
	for _, c := range []struct {
		msg  string
		want trace.SpanContext
	}{{"handler_line", server}, {"child_line", child}, {"http_request", server}} {
		r := record(t, mem, c.msg)
		if r.TraceID() != c.want.TraceID() || r.SpanID() != c.want.SpanID() {
			t.Errorf("%s: OTLP record trace/span = %s/%s, want %s/%s", c.msg, r.TraceID(), r.SpanID(), c.want.TraceID(), c.want.SpanID())
		}
		if r.TraceFlags() != c.want.TraceFlags() {
			t.Errorf("%s: OTLP record flags %v, want %v", c.msg, r.TraceFlags(), c.want.TraceFlags())
		}
		a := recordAttrs(r)
		for k, v := range map[string]string{"request_id": "req-otlp", "method": "GET", "path": "/orders/7", "route": "/orders/{id}"} {
			if a[k] != v {
				t.Errorf("%s: OTLP attribute %s = %q, want %q (all: %v)", c.msg, k, a[k], v, a)
			}
		}
		if _, ok := a["context"]; ok {
			t.Errorf("%s: OTLP record has the span context as an attribute: %v", c.msg, a)
		}
	}
}

func otlpRequest() *http.Request {
	r := httptest.NewRequest("GET", "/orders/7", nil)
	r.Header.Set("X-Request-ID", "req-otlp")
	return r
}

func TestOTLPRecordsCarryTraceContextWithOtelkitLogger(t *testing.T) {
	e := newTestEnv(t)
	lp, mem := newLogProvider(t)
	var out syncBuffer
	lg, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(&out)), logging.WithLoggerProvider(lp))
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(childSpanMux(e.tp), e.opts(WithLogger(lg.Zap()))...)
	e.serve(h, otlpRequest())
	server, child := spansByName(t, e)
	checkRecords(t, mem, server, child)

	// The JSON lines agree with the records.
	e.out = &out
	for msg, sc := range map[string]trace.SpanContext{"handler_line": server, "child_line": child, "http_request": server} {
		l := e.oneLine(t, msg)
		if l["trace_id"] != sc.TraceID().String() || l["span_id"] != sc.SpanID().String() || l["request_id"] != "req-otlp" || l["route"] != "/orders/{id}" {
			t.Errorf("%s line %v", msg, l)
		}
	}
}

func TestOTLPRecordsCarryTraceContextWithForeignLoggerAndOtelzap(t *testing.T) {
	e := newTestEnv(t)
	lp, mem := newLogProvider(t)
	// A user's own zap logger with the OpenTelemetry bridge teed in.
	log := zap.New(zapcore.NewTee(e.log.Core(), otelzap.NewCore("test", otelzap.WithLoggerProvider(lp))))
	h := Handler(childSpanMux(e.tp), e.opts(WithLogger(log))...)
	e.serve(h, otlpRequest())
	server, child := spansByName(t, e)
	checkRecords(t, mem, server, child)

	for msg, sc := range map[string]trace.SpanContext{"handler_line": server, "child_line": child, "http_request": server} {
		l := e.oneLine(t, msg)
		if l["trace_id"] != sc.TraceID().String() || l["span_id"] != sc.SpanID().String() || l["trace_flags"] != "01" || l["request_id"] != "req-otlp" || l["route"] != "/orders/{id}" {
			t.Errorf("%s line %v", msg, l)
		}
		if _, ok := l["context"]; ok {
			t.Errorf("%s: the span context field reached the JSON line: %v", msg, l)
		}
	}
	if strings.Contains(e.out.String(), "context.Background") {
		t.Errorf("a context was serialised:\n%s", e.out.String())
	}
}

// A foreign logger whose tee holds cores at different levels: a debug line
// reaches only the debug core, as without the middleware.
func TestForeignTeeLevelsStillApply(t *testing.T) {
	e := newTestEnv(t)
	var info syncBuffer
	infoCore := zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), zapcore.AddSync(&info), zapcore.InfoLevel)
	log := zap.New(zapcore.NewTee(infoCore, e.log.Core()))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Debug("debug_line")
		logging.FromContext(r.Context()).Info("info_line")
	})
	e.serve(Handler(mux, e.opts(WithLogger(log))...), httptest.NewRequest("GET", "/x", nil))
	if strings.Contains(info.String(), "debug_line") || !strings.Contains(info.String(), "info_line") {
		t.Errorf("info core got:\n%s", info.String())
	}
	if d := e.oneLine(t, "debug_line"); d["route"] != "/x" || d["request_id"] == nil {
		t.Errorf("debug line %v", d)
	}
}

// The access line never carries a stack trace (nor a caller): both would
// point into httpmw. The panic line keeps the panic's stack.
func TestAccessLineHasNoStack(t *testing.T) {
	stackKeys := []string{"stacktrace", "error.stack_trace", "error.stack", "caller",
		"logging.googleapis.com/sourceLocation", "log.origin.file.name", "logger.file_name"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bad-gateway", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	})
	mux.HandleFunc("GET /logs-then-fails", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("working")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	for _, profile := range []string{"default", "gcp", "ecs", "datadog"} {
		t.Run(profile, func(t *testing.T) {
			var out syncBuffer
			lg, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(&out)),
				logging.WithProfile(profile), logging.WithGCPProject("shop"),
				logging.WithResource(resource.NewSchemaless(attribute.String("service.name", "shop"))))
			if err != nil {
				t.Fatal(err)
			}
			e := newTestEnv(t)
			h := Handler(mux, e.opts(WithLogger(lg.Zap()))...)
			for _, p := range []string{"/bad-gateway", "/logs-then-fails", "/panic"} {
				e.serve(h, httptest.NewRequest("GET", p, nil))
			}
			var access, working, panics int
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("%v: %s", err, l)
				}
				msg := m["msg"]
				if msg == nil {
					msg = m["message"]
				}
				switch msg {
				case "http_request":
					access++
					for _, k := range stackKeys {
						if _, ok := m[k]; ok {
							t.Errorf("access line carries %s: %s", k, l)
						}
					}
					if strings.Contains(l, "httpmw") {
						t.Errorf("access line mentions httpmw internals: %s", l)
					}
				case "working":
					working++ // the handler's own line keeps its caller
					if !strings.Contains(l, "logging_test.go") {
						t.Errorf("handler line lost its caller: %s", l)
					}
				case "panic_recovered":
					panics++
					if st, _ := m["stack"].(string); !strings.Contains(st, "logging_test.go") {
						t.Errorf("panic line lost the panic's stack: %s", l)
					}
					for _, k := range []string{"stacktrace", "error.stack_trace", "error.stack"} {
						if _, dup := m[k]; dup {
							t.Errorf("panic line repeats the stack as %s: %.300s", k, l)
						}
					}
				}
			}
			if access != 3 || working != 1 || panics != 1 {
				t.Errorf("got %d access, %d handler, %d panic lines:\n%s", access, working, panics, out.String())
			}
		})
	}
	// A plain zap logger with stack traces from error level up, as users
	// build one: the access line has none either.
	e := newTestEnv(t)
	e.log = e.log.WithOptions(zap.AddStacktrace(zapcore.ErrorLevel))
	e.serve(Handler(mux, e.opts()...), httptest.NewRequest("GET", "/bad-gateway", nil))
	a := e.oneLine(t, "http_request")
	if _, ok := a["stacktrace"]; ok || a["level"] != "error" || a["status"] != float64(502) {
		t.Errorf("plain zap access line %v", a)
	}
}
