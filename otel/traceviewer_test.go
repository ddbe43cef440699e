package otel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// viewerInit is Init with every exporter off, JSON lines into out, no
// globals.
func viewerInit(t testing.TB, out zapcore.WriteSyncer, extra ...otel.Option) *otel.Telemetry {
	t.Helper()
	for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTELKIT_LOG_LEVEL", "OTELKIT_LOG_FORMAT"} {
		if e, ok := t.(interface{ Setenv(k, v string) }); ok {
			e.Setenv(k, "")
		}
	}
	opts := append([]otel.Option{otel.WithServiceName("shop"), otel.WithoutGlobals(), otel.WithoutDetectors(),
		otel.WithTracesExporter("none"), otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"),
		otel.WithoutRuntimeMetrics(), otel.WithLogFormat("json"), otel.WithLogOutput(out)}, extra...)
	tel, err := otel.Init(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	return tel
}

// shopHandler is a service instrumented as a user would: a route whose
// handler logs and has a child span.
func shopHandler(tel *otel.Telemetry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tel.TracerProvider().Tracer("shop").Start(r.Context(), "load_order") // no globals here
		logging.FromContext(ctx).Debug("order_query", zap.String("order_id", r.PathValue("id")))
		span.End()
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
	})
	return httpmw.Handler(mux, httpmw.WithTracerProvider(tel.TracerProvider()), httpmw.WithMeterProvider(tel.MeterProvider()),
		httpmw.WithLogger(tel.Logger()))
}

// TestTraceViewerWithExportersOff: with every exporter off, a request's
// trace and its log lines (the handler's and the access line) are in the
// viewer, found by its request ID.
func TestTraceViewerWithExportersOff(t *testing.T) {
	out := &logbuf.Buffer{}
	tel := viewerInit(t, out, otel.WithTraceViewer(), otel.WithLogLevel(zapcore.DebugLevel))
	req := httptest.NewRequest(http.MethodGet, "/orders/42", nil)
	req.Header.Set("X-Request-ID", "req-viewer-1")
	shopHandler(tel).ServeHTTP(httptest.NewRecorder(), req)

	viewer := http.StripPrefix("/debug/otel", tel.TraceViewerHandler())
	body := fetch(t, viewer, "/debug/otel/?q=req-viewer-1")
	m := regexp.MustCompile(`data-trace-id="([0-9a-f]{32})"`).FindAllStringSubmatch(body, -1)
	if len(m) != 1 || !strings.Contains(body, "<td>GET /orders/{id}</td>") || !strings.Contains(body, "<title>traces · shop</title>") {
		t.Fatalf("the list does not show the request's trace:\n%s", body)
	}
	id := m[0][1]
	var access map[string]any
	for _, l := range out.JSONLines(t) {
		if l["msg"] == "http_request" {
			access = l
		}
	}
	if access["trace_id"] != id {
		t.Fatalf("access line's trace %v, the viewer's %s", access["trace_id"], id)
	}
	page := fetch(t, viewer, "/debug/otel/trace/"+id)
	for _, want := range []string{">GET /orders/{id}</span>", ">load_order</span>", "<td>order_query</td>", "<td>order_loaded</td>",
		"<td>http_request</td>", "<i>request_id=</i>req-viewer-1", "<dt>request.id</dt><dd>req-viewer-1</dd>"} {
		if !strings.Contains(page, want) {
			t.Errorf("trace page lacks %q", want)
		}
	}
}

// TestTraceViewerOff: without WithTraceViewer the handler says how to
// turn it on; a nil Telemetry's too.
func TestTraceViewerOff(t *testing.T) {
	tel := viewerInit(t, &logbuf.Buffer{})
	var nilTel *otel.Telemetry
	for _, h := range []http.Handler{tel.TraceViewerHandler(), nilTel.TraceViewerHandler()} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "otel.WithTraceViewer()") {
			t.Errorf("viewer off: %d %q", rec.Code, rec.Body.String())
		}
	}
}

// TestTraceViewerLimits: WithTraceViewerLimits bounds the traces kept.
func TestTraceViewerLimits(t *testing.T) {
	tel := viewerInit(t, &logbuf.Buffer{}, otel.WithTraceViewerLimits(3, 0))
	h := shopHandler(tel)
	for i := 0; i < 5; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/orders/1", nil))
	}
	body := fetch(t, tel.TraceViewerHandler(), "/")
	if n := strings.Count(body, `<tr class="trace"`); n != 3 || !strings.Contains(body, "2 older evicted") {
		t.Errorf("%d traces listed:\n%s", n, body)
	}
}

func fetch(t *testing.T, h http.Handler, target string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost:6060"+target, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

// BenchmarkTraceViewer: a request through httpmw that writes one log line,
// on a Telemetry with every exporter off, without the viewer (nothing of
// it installed) and with it: the difference is the viewer's cost per
// request (three spans' worth: none here but the server span, plus two
// lines through the OTLP bridge, which is on only for the viewer).
func BenchmarkTraceViewer(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []otel.Option
	}{{"viewer_off", nil}, {"viewer_on", []otel.Option{otel.WithTraceViewer()}}} {
		b.Run(bc.name, func(b *testing.B) {
			tel := viewerInit(b, zapcore.AddSync(io.Discard), bc.opts...)
			mux := http.NewServeMux()
			mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
				logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
			})
			h := httpmw.Handler(mux, httpmw.WithTracerProvider(tel.TracerProvider()), httpmw.WithMeterProvider(tel.MeterProvider()),
				httpmw.WithLogger(tel.Logger()))
			req := httptest.NewRequest(http.MethodGet, "/orders/42", nil)
			req.Header.Set("X-Request-ID", "req-0123456789")
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.ServeHTTP(w, req)
			}
		})
	}
}
