package handwritten

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestHandler(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	core, logs := observer.New(zapcore.InfoLevel)
	prop := propagation.TraceContext{}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		Logger(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		if r.PathValue("id") == "missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	h := Handler(mux, zap.New(core), tp, mp, prop)

	for _, tc := range []struct {
		path, requestID string
		status          int
		level           zapcore.Level
		keepID          bool
	}{
		{"/orders/42", "req-0123456789", 200, zapcore.InfoLevel, true},
		{"/orders/missing", "bad\r\nid", 404, zapcore.WarnLevel, false},
	} {
		logs.TakeAll()
		r := httptest.NewRequest("GET", tc.path, nil)
		r.Header.Set("X-Request-ID", tc.requestID)
		r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Fatalf("%s: status %d", tc.path, w.Code)
		}
		id := w.Header().Get("X-Request-ID")
		if (id == tc.requestID) != tc.keepID || id == "" {
			t.Errorf("%s: answered X-Request-ID %q for %q", tc.path, id, tc.requestID)
		}
		entries := logs.All()
		if len(entries) != 2 || entries[0].Message != "order_loaded" || entries[1].Message != "http_request" {
			t.Fatalf("%s: lines %v, want order_loaded then http_request", tc.path, entries)
		}
		for _, e := range entries {
			f := e.ContextMap()
			if f["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || f["request_id"] != id || f["trace_flags"] != "01" ||
				f["method"] != "GET" || f["path"] != tc.path {
				t.Errorf("%s: %s carries %v", tc.path, e.Message, f)
			}
		}
		access := entries[1]
		if access.Level != tc.level || access.ContextMap()["status"] != int64(tc.status) {
			t.Errorf("%s: access line at %s with %v, want %s and status %d", tc.path, access.Level, access.ContextMap(), tc.level, tc.status)
		}
	}
	ended := spans.Ended()
	if len(ended) != 2 || ended[0].Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("spans %v: want two server spans under the caller's", ended)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil || len(rm.ScopeMetrics) == 0 {
		t.Errorf("no metrics recorded (%v)", err)
	}
}

func TestLoggerOutsideHandlerIsNop(t *testing.T) {
	if l := Logger(context.Background()); l == nil || l.Core().Enabled(zapcore.ErrorLevel) {
		t.Errorf("Logger outside Handler = %v, want a no-op logger", l)
	}
}

func TestZapLogger(t *testing.T) {
	var buf bytes.Buffer
	ZapLogger(&buf).Debug("hidden")
	ZapLogger(&buf).Info("shown", zap.String("k", "v"))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %q", err, buf.String())
	}
	if line["msg"] != "shown" || line["k"] != "v" || line["level"] != "info" || line["time"] == nil || line["caller"] == nil {
		t.Errorf("line %v", line)
	}
}
