package otel_test

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// The program from the design document: one Init, the middleware around a
// mux, handlers that log through the request's context, and Run, which
// drains the requests in flight and flushes the telemetry on SIGTERM.
// (Compiled, not run: it serves until stopped.)
func Example() {
	run := func(ctx context.Context) error {
		tel, err := otel.Init(ctx, otel.WithServiceName("checkout")) // the rest comes from OTEL_* variables
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
			log := logging.FromContext(r.Context()) // carries trace_id, span_id, request_id
			log.Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		})
		srv := &http.Server{Addr: ":8080", Handler: httpmw.Handler(mux), ReadHeaderTimeout: 5 * time.Second}
		return tel.Run(ctx, otel.HTTPServer(srv))
	}
	_ = run
}

// Options win over the environment: here the exporters are chosen in code
// and the OTLP endpoint, protocol and headers still come from OTEL_*.
func ExampleInit_options() {
	tel, err := otel.Init(context.Background(),
		otel.WithServiceName("billing"),
		otel.WithServiceVersion("2.3.1"),
		otel.WithEnvironment("staging"),
		otel.WithMetricsExporter("prometheus"),
		otel.WithPrometheusAddr("127.0.0.1:0"),
		otel.WithoutGlobals(),
	)
	if err != nil {
		return
	}
	defer tel.Shutdown(context.Background())
	http.Handle("/metrics", tel.MetricsHandler())
}
