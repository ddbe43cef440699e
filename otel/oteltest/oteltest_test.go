package oteltest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/otel/oteltest"
	"github.com/otelkit/otelkit/tracing"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCapturesEverySignal: a handler behind httpmw, asserted the way a
// user's test would: spans, JSON lines, OTLP records and metrics, all
// correlated.
func TestCapturesEverySignal(t *testing.T) {
	tel := oteltest.New(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracing.Start(r.Context(), "load_order")
		logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		span.End()
		_, _ = io.WriteString(w, "ok")
	})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/orders/9", nil)
	req.Header.Set("X-Request-ID", "req-oteltest")
	httpmw.Handler(mux).ServeHTTP(rec, req)

	spans := tel.Spans()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	child := spans[0]
	if child.Name() != "load_order" || spans[1].Name() != "GET /orders/{id}" {
		t.Fatalf("span names %q, %q", child.Name(), spans[1].Name())
	}

	var loaded map[string]any
	for _, l := range tel.LogLines(t) {
		if l["msg"] == "order_loaded" {
			loaded = l
		}
	}
	if loaded == nil {
		t.Fatal("no order_loaded line")
	}
	if loaded["span_id"] != child.SpanContext().SpanID().String() || loaded["request_id"] != "req-oteltest" {
		t.Errorf("order_loaded = %v", loaded)
	}

	var found bool
	for _, r := range tel.LogRecords() {
		if r.Body().AsString() == "order_loaded" {
			found = true
			if r.SpanID() != child.SpanContext().SpanID() {
				t.Errorf("OTLP record span %s, want %s", r.SpanID(), child.SpanContext().SpanID())
			}
		}
	}
	if !found {
		t.Error("no order_loaded OTLP record")
	}

	rm, err := tel.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var duration bool
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "http.server.request.duration" {
				for _, p := range h.DataPoints {
					if v, ok := p.Attributes.Value("http.route"); ok && v.AsString() == "/orders/{id}" {
						duration = true
					}
				}
			}
		}
	}
	if !duration {
		t.Error("no http.server.request.duration point with http.route=/orders/{id}")
	}
}

// TestMetricsContext: Metrics takes a nil context as Background (the
// reader dereferenced it) and returns the error of an ended one.
func TestMetricsContext(t *testing.T) {
	tel := oteltest.New(t)
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	if _, err := tel.Metrics(nil); err != nil {
		t.Errorf("Metrics(nil): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tel.Metrics(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Metrics(cancelled) = %v, want context.Canceled", err)
	}
}

// TestLogLinesWithOutputOption: an output given to New gets every line,
// and LogLines still has them; they went to the output alone, so a test
// asserting that no error line was written passed whatever was written.
func TestLogLinesWithOutputOption(t *testing.T) {
	for name, opt := range map[string]func(zapcore.WriteSyncer) otel.Option{
		"otel.WithLogOutput": otel.WithLogOutput,
		"logging.WithOutput": func(w zapcore.WriteSyncer) otel.Option {
			return otel.WithLoggingOptions(logging.WithOutput(w))
		},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			tel := oteltest.New(t, opt(zapcore.AddSync(&out)))
			logging.FromContext(tel.Context()).Error("payment_failed")
			lines := tel.LogLines(t)
			if len(lines) != 1 || lines[0]["msg"] != "payment_failed" {
				t.Errorf("LogLines = %v, want the one payment_failed line", lines)
			}
			if !strings.Contains(out.String(), `"msg":"payment_failed"`) {
				t.Errorf("the output given to New got %q, want the payment_failed line", out.String())
			}
		})
	}
}

// panickingOutput is a log output that panics on every write.
type panickingOutput struct{}

func (panickingOutput) Write([]byte) (int, error) { panic("output gone") }
func (panickingOutput) Sync() error               { return nil }

// TestLogLinesWithFailingOutput: an output given to New that panics
// costs LogLines no line; the copy LogLines reads was written after the
// output, and a panic there skipped it.
func TestLogLinesWithFailingOutput(t *testing.T) {
	tel := oteltest.New(t, otel.WithLogOutput(panickingOutput{}))
	logging.FromContext(tel.Context()).Error("payment_failed")
	if lines := tel.LogLines(t); len(lines) != 1 || lines[0]["msg"] != "payment_failed" {
		t.Errorf("LogLines = %v, want the one payment_failed line", lines)
	}
	if n := tel.Health().LogOutputErrors; n != 1 {
		t.Errorf("LogOutputErrors = %d, want 1", n)
	}
}
