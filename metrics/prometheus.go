package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Bounds on the scrape endpoint, which faces the network.
const (
	scrapeTimeout       = 10 * time.Second
	scrapeMaxInFlight   = 4
	promReadHeaderLimit = 5 * time.Second
	promMaxHeaderBytes  = 16 << 10
)

// promServer is the Prometheus pull side: the exporter (a reader) on its own
// registry, the scrape handler and, unless turned off, a listener serving
// that handler at /metrics.
type promServer struct {
	reader  sdkmetric.Reader
	handler http.Handler
	closed  atomic.Bool

	ln   net.Listener // nil without a listener
	srv  *http.Server
	done chan struct{} // closed when Serve returns
}

func newPromServer(addr string, listen bool) (*promServer, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("otelkit: building the Prometheus exporter: %w", err)
	}
	ps := &promServer{reader: exp}
	scrape := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics:   true,
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: scrapeMaxInFlight,
		Timeout:             scrapeTimeout,
	})
	ps.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ps.closed.Load() {
			http.Error(w, "otelkit: the meter provider is shut down", http.StatusServiceUnavailable)
			return
		}
		scrape.ServeHTTP(w, r)
	})
	if !listen {
		return ps, nil
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("otelkit: Prometheus listener on %s (set by WithPrometheusAddr or %s/%s): %w",
			addr, envPromHost, envPromPort, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", ps.handler)
	ps.ln = ln
	ps.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: promReadHeaderLimit,
		ReadTimeout:       promReadHeaderLimit,
		WriteTimeout:      scrapeTimeout + 5*time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    promMaxHeaderBytes,
	}
	ps.done = make(chan struct{})
	go func() {
		defer close(ps.done)
		_ = ps.srv.Serve(ln) // returns http.ErrServerClosed on shutdown
	}()
	return ps, nil
}

// shutdown stops answering scrapes and closes the listener, bounded by ctx.
// The exporter itself is shut down with the meter provider.
func (ps *promServer) shutdown(ctx context.Context) error {
	if !ps.closed.CompareAndSwap(false, true) || ps.srv == nil {
		return nil
	}
	err := ps.srv.Shutdown(ctx)
	if err != nil {
		// The deadline passed with scrapes still running: cut them off.
		err = errors.Join(fmt.Errorf("otelkit: closing the Prometheus listener: %w", err), ps.srv.Close())
	}
	select {
	case <-ps.done:
	case <-ctx.Done():
	}
	return err
}
