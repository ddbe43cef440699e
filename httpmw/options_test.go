package httpmw

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

func TestInvalidRequestIDHeaderNameWarnsAndFallsBack(t *testing.T) {
	for _, name := range []string{"X-Bad Header", "X-Evil\r\nSet-Cookie: a=b", "Ünicode", "a:b"} {
		e := newTestEnv(t)
		h := Handler(http.NotFoundHandler(), e.opts(WithRequestIDHeader(name))...)
		l := e.oneLine(t, "httpmw_invalid_option")
		if l["level"] != "warn" || l["option"] != "WithRequestIDHeader" || l["value"] != name || l["allowed"] == nil {
			t.Errorf("%q: warning %v", name, l)
		}
		w := e.serve(h, httptest.NewRequest("GET", "/", nil))
		if w.Header().Get("X-Request-ID") == "" {
			t.Errorf("%q: default header not used", name)
		}
	}
	// A token with the rarer token characters is a valid name, used as given.
	e := newTestEnv(t)
	h := Handler(http.NotFoundHandler(), e.opts(WithRequestIDHeader("x_corr.id~1"))...)
	if len(e.lines(t)) != 0 {
		t.Error("valid name x_corr.id~1 warned")
	}
	if e.serve(h, httptest.NewRequest("GET", "/", nil)).Header().Get("x_corr.id~1") == "" {
		t.Error("x_corr.id~1 not used")
	}
}

func TestEmptyRequestIDHeaderKeepsDefault(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.NotFoundHandler(), e.opts(WithRequestIDHeader("  "))...)
	if len(e.lines(t)) != 0 {
		t.Error("empty name warned")
	}
	if e.serve(h, httptest.NewRequest("GET", "/", nil)).Header().Get("X-Request-ID") == "" {
		t.Error("default header not used")
	}
}

func TestSamplingBelowOneLogsEverything(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), e.opts(WithAccessLogSampling(-5))...)
	for i := 0; i < 3; i++ {
		e.serve(h, httptest.NewRequest("GET", "/", nil))
	}
	if n := len(e.linesWithMsg(t, "http_request")); n != 3 {
		t.Errorf("%d lines, want 3", n)
	}
}

type nilHeaderWriter struct{ code int }

func (n *nilHeaderWriter) Header() http.Header         { return nil }
func (n *nilHeaderWriter) Write(b []byte) (int, error) { return len(b), nil }
func (n *nilHeaderWriter) WriteHeader(c int)           { n.code = c }

func TestBrokenWriterWithNilHeaderDoesNotPanic(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x")) }), e.opts(WithTraceResponse())...)
	h.ServeHTTP(&nilHeaderWriter{}, httptest.NewRequest("GET", "/", nil))
	if a := e.oneLine(t, "http_request"); a["bytes"] != float64(1) {
		t.Errorf("access line %v", a)
	}
}

func TestRequestFieldsWithoutSpanAndWithMoreBoundFields(t *testing.T) {
	e := newTestEnv(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /u/{name}", func(w http.ResponseWriter, r *http.Request) {
		ctx := logging.With(r.Context(), zap.String("user", r.PathValue("name")))
		logging.FromContext(ctx).Info("direct")
		logging.FromContext(ctx).Debug("derived")
	})
	// A no-op tracer provider: no valid span, so FromContext returns the
	// request logger itself and its Check path must add the request fields.
	opts := append(e.opts(), WithTracerProvider(noop.NewTracerProvider()))
	e.serve(Handler(mux, opts...), httptest.NewRequest("GET", "/u/ann", nil))
	for _, msg := range []string{"direct", "derived"} {
		l := e.oneLine(t, msg)
		if l["user"] != "ann" || l["route"] != "/u/{name}" || l["request_id"] == nil || l["path"] != "/u/ann" {
			t.Errorf("%s: %v", msg, l)
		}
		if _, ok := l["trace_id"]; ok {
			t.Errorf("%s: trace_id without a span", msg)
		}
	}
	if a := e.oneLine(t, "http_request"); a["trace_id"] != nil || a["route"] != "/u/{name}" {
		t.Errorf("access line %v", a)
	}
}

// A typed nil provider or propagator means the default, the global one, as
// nil does: before, every request panicked inside otelhttp (a 500 and a
// panic_recovered line) and a client call through Transport panicked.
func TestTypedNilProvidersMeanDefault(t *testing.T) {
	e := newTestEnv(t)
	typedNil := []Option{
		WithTracerProvider((*sdktrace.TracerProvider)(nil)), WithMeterProvider((*sdkmetric.MeterProvider)(nil)),
		WithPropagators((*propagation.TraceContext)(nil)),
	}
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }), e.opts(typedNil...)...)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	if w := e.serve(h, r); w.Code != http.StatusOK {
		t.Errorf("status %d, want 200; lines %v", w.Code, e.lines(t))
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: Transport(nil, typedNil...)}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("client: status %d", resp.StatusCode)
	}
}
