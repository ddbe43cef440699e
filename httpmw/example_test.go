package httpmw_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
)

// countingIDs makes span IDs deterministic so the example output is stable.
type countingIDs struct{ n uint64 }

func (c *countingIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	c.n++
	var t trace.TraceID
	binary.BigEndian.PutUint64(t[8:], c.n)
	return t, c.NewSpanID(context.Background(), t)
}

func (c *countingIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	c.n++
	var s trace.SpanID
	binary.BigEndian.PutUint64(s[:], c.n)
	return s
}

func ExampleHandler() {
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(&countingIDs{}))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	var out bytes.Buffer
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&out), zap.InfoLevel))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		// Carries trace_id, span_id, request_id, method, path and route.
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		_, _ = io.WriteString(w, "ok")
	})
	h := httpmw.Handler(mux,
		httpmw.WithTracerProvider(tp),
		httpmw.WithPropagators(propagation.TraceContext{}),
		httpmw.WithLogger(logger),
	)

	r := httptest.NewRequest("GET", "/orders/42?token=secret", nil)
	r.Header.Set("X-Request-ID", "req-1")
	r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("X-Request-ID"))

	// Print the fields that matter (time and duration vary).
	dec := json.NewDecoder(&out)
	for dec.More() {
		var l map[string]any
		if err := dec.Decode(&l); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(l["msg"], l["trace_id"], l["span_id"], l["request_id"], l["method"], l["path"], l["route"], l["status"])
	}
	// Output:
	// 200 req-1
	// order_loaded 4bf92f3577b34da6a3ce929d0e0e4736 0000000000000001 req-1 GET /orders/42 /orders/{id} <nil>
	// http_request 4bf92f3577b34da6a3ce929d0e0e4736 0000000000000001 req-1 GET /orders/42 /orders/{id} 200
}

func ExampleMiddleware() {
	// For routers other than http.ServeMux, WithRouteFunc supplies the route
	// (with chi: chi.RouteContext(r.Context()).RoutePattern()).
	route := func(r *http.Request) string { return "/items/{id}" }
	mw := httpmw.Middleware(httpmw.WithRouteFunc(route), httpmw.WithLogger(zap.NewExample()), httpmw.WithoutAccessLog())
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("request ID set:", httpmw.RequestID(r.Context()) != "")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/7", nil))
	// Output:
	// request ID set: true
}

func ExampleTransport() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("X-Request-ID:", r.Header.Get("X-Request-ID"))
	}))
	defer backend.Close()

	client := &http.Client{Transport: httpmw.Transport(nil)}
	defer client.CloseIdleConnections()
	// Inside an httpmw handler, r.Context() already carries the request ID.
	ctx := httpmw.ContextWithRequestID(context.Background(), "job-7")
	req, _ := http.NewRequestWithContext(ctx, "GET", backend.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = resp.Body.Close()
	// Output:
	// X-Request-ID: job-7
}

func ExampleWithQueryLogging() {
	h := httpmw.Handler(http.NotFoundHandler(), httpmw.WithQueryLogging("voucher"), httpmw.WithLogger(zap.NewNop()))
	_ = h // the access line of GET /f?X-Amz-Signature=abc&voucher=v;token=t&page=2 logs
	// query "X-Amz-Signature=REDACTED&voucher=REDACTED;token=REDACTED&page=2"
}
