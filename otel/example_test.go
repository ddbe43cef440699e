package otel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// lockedBuffer is where the examples' log lines go.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) Sync() error { return nil }

// print prints msg and the given keys of the lines whose msg is one of
// msgs (time, IDs and durations vary from run to run).
func (l *lockedBuffer) print(keys []string, msgs ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	dec := json.NewDecoder(&l.b)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			fmt.Println(err)
			return
		}
		for _, msg := range msgs {
			if m["msg"] == msg {
				fmt.Print(msg)
				for _, k := range keys {
					fmt.Print(" ", k, "=", m[k])
				}
				fmt.Println()
			}
		}
	}
}

// The program from the design document: one Init, the middleware around a
// mux, handlers that log through the request's context, and Run, which
// drains the requests in flight and flushes the telemetry on SIGTERM
// (here: when ctx is cancelled after one request). There is no collector
// here, so the exporters are off; the log lines go to a buffer to be
// printed.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out := &lockedBuffer{}
	tel, err := otel.Init(ctx, otel.WithServiceName("checkout"), // the rest comes from OTEL_* variables
		otel.WithTracesExporter("none"), otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"),
		otel.WithLogFormat("json"), otel.WithLogOutput(out))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		log := logging.FromContext(r.Context()) // carries trace_id, span_id, request_id
		log.Info("order_loaded", zap.String("order_id", r.PathValue("id")))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{Handler: httpmw.Handler(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer stop() // a SIGTERM would do the same
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		if resp, err := client.Get("http://" + ln.Addr().String() + "/orders/42"); err == nil {
			_ = resp.Body.Close()
		}
	}()
	fmt.Println("Run:", tel.Run(ctx, otel.HTTPServerOn(srv, ln)))
	out.print([]string{"route", "order_id", "status"}, "order_loaded", "http_request")
	// Output:
	// Run: <nil>
	// order_loaded route=/orders/{id} order_id=42 status=<nil>
	// http_request route=/orders/{id} order_id=<nil> status=200
}

// Options win over the environment: here the metrics exporter is chosen in
// code (Prometheus, served on the service's own mux), and the OTLP
// endpoint, protocol and headers of the traces and logs would still come
// from OTEL_*.
func ExampleInit_options() {
	tel, err := otel.Init(context.Background(),
		otel.WithServiceName("billing"),
		otel.WithServiceVersion("2.3.1"),
		otel.WithEnvironment("staging"),
		otel.WithMetricsExporter("prometheus"),
		otel.WithPrometheusAddr("127.0.0.1:0"),
		otel.WithTracesExporter("none"), otel.WithLogsExporter("none"), // no collector in this example
		otel.WithLogOutput(zapcore.AddSync(&bytes.Buffer{})),
		otel.WithoutGlobals(),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", tel.MetricsHandler())

	for _, k := range []string{"service.name", "service.version", "deployment.environment.name"} {
		v, _ := tel.Resource().Set().Value(attribute.Key(k))
		fmt.Println(k, v.AsString())
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	fmt.Println("GET /metrics:", rec.Code, tel.Health().Config["metrics"].Exporters)
	// Output:
	// service.name billing
	// service.version 2.3.1
	// deployment.environment.name staging
	// GET /metrics: 200 [prometheus]
}
