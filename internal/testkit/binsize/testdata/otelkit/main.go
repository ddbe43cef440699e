// Command otelkit is the minimal user program that package binsize
// measures: otel.Init, httpmw.Handler and one log line. It serves one
// request to itself on loopback, then shuts down.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "otelkit:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	tel, err := otel.Init(ctx, otel.WithServiceName("minimal"))
	if err != nil {
		return err
	}
	defer tel.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
	})
	return serveOnce(httpmw.Handler(mux))
}

// serveOnce serves h on a loopback port for one GET.
func serveOnce(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/orders/42")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
