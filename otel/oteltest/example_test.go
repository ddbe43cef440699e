package oteltest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel/oteltest"
	"github.com/otelkit/otelkit/tracing"
)

// exampleT stands in for the *testing.T of a real test.
type exampleT struct{ cleanups []func() }

func (t *exampleT) Helper()                   {}
func (t *exampleT) Cleanup(f func())          { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(f string, a ...any) { fmt.Printf("error: "+f+"\n", a...) }
func (t *exampleT) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (t *exampleT) Logf(f string, a ...any)   {}

// end runs the cleanups, as the testing package does when a test ends.
func (t *exampleT) end() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// A test of a handler behind httpmw that uses only the globals
// (tracing.Start, logging.FromContext): the request made with
// tel.NewRequest carries the test's context, so its spans, lines and
// metrics reach this test even when others run in parallel.
func Example() {
	t := &exampleT{} // in a test: t *testing.T, and t.Parallel() if you like
	defer t.end()

	tel := oteltest.New(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracing.Start(r.Context(), "load_order")
		defer span.End()
		logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		_, _ = io.WriteString(w, "ok")
	})
	rec := httptest.NewRecorder()
	httpmw.Handler(mux).ServeHTTP(rec, tel.NewRequest(http.MethodGet, "/orders/7", nil))

	for _, s := range tel.Spans() {
		fmt.Println("span:", s.Name())
	}
	for _, l := range tel.LogLines(t) {
		fmt.Println("line:", l["msg"], l["route"], l["order_id"])
	}
	rm, _ := tel.Metrics(context.Background())
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "http.server.request.duration" {
				route, _ := h.DataPoints[0].Attributes.Value("http.route")
				fmt.Println("metric:", m.Name, route.AsString(), h.DataPoints[0].Count)
			}
		}
	}
	// Output:
	// span: load_order
	// span: GET /orders/{id}
	// line: order_loaded /orders/{id} 7
	// line: http_request /orders/{id} <nil>
	// metric: http.server.request.duration /orders/{id} 1
}

// Code given the Telemetry's own providers needs no context to reach it.
func ExampleTelemetry_TracerProvider() {
	t := &exampleT{}
	defer t.end()

	tel := oteltest.New(t)
	_, span := tel.TracerProvider().Tracer("worker").Start(context.Background(), "job")
	span.End()
	fmt.Println(len(tel.Spans()), tel.Spans()[0].Name())
	// Output:
	// 1 job
}
