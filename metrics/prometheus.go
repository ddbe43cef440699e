package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/sanitize"
)

// Bounds on the scrape endpoint, which faces the network.
const (
	scrapeTimeout       = 10 * time.Second
	scrapeMaxInFlight   = 4
	promReadHeaderLimit = 5 * time.Second
	promMaxHeaderBytes  = 16 << 10
)

// promServer is the Prometheus pull side: the reader the meter provider
// collects into, the exporter on a registry of its own, the scrape handler
// and, unless turned off, a listener serving that handler at /metrics.
//
// The exporter does not read the provider directly: client_golang refuses a
// label value with invalid UTF-8, and the exporter would drop each such
// series, and target_info for such a resource, from every scrape. So the
// provider gets a plain manual reader (reader), and the exporter's own
// reader is registered on host, a provider without instruments that
// carries the cleaned resource, and pulls the cleaned metrics from reader
// as a producer (cleanProducer).
type promServer struct {
	reader  sdkmetric.Reader
	host    *sdkmetric.MeterProvider
	handler http.Handler
	closed  atomic.Bool

	ln   net.Listener // nil without a listener
	srv  *http.Server
	done chan struct{} // closed when Serve returns
}

func newPromServer(res *resource.Resource, addr string, listen bool, watch *overflowWatch) (*promServer, error) {
	reader := sdkmetric.NewManualReader()
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithProducer(cleanProducer{reader, watch}))
	if err != nil {
		return nil, fmt.Errorf("otelkit: building the Prometheus exporter: %w", err)
	}
	res, _ = sanitize.Resource(res)
	ps := &promServer{reader: reader, host: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))}
	scrape := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics:   true,
		ErrorHandling:       promhttp.ContinueOnError,
		ErrorLog:            scrapeErrors{},
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
		_ = ps.host.Shutdown(context.Background()) // holds no data: nothing to wait for
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

// shutdown stops answering scrapes, closes the listener, bounded by ctx,
// and shuts the exporter down. reader is shut down with the meter provider.
func (ps *promServer) shutdown(ctx context.Context) error {
	if !ps.closed.CompareAndSwap(false, true) {
		return nil
	}
	if ps.srv == nil {
		return ps.host.Shutdown(ctx)
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
	return errors.Join(err, ps.host.Shutdown(ctx))
}

// cleanProducer hands the Prometheus exporter what reader collects, with
// every text made valid UTF-8 (U+FFFD for each invalid byte, as for OTLP).
// Instruments past their cardinality limit are reported to watch.
type cleanProducer struct {
	reader *sdkmetric.ManualReader
	watch  *overflowWatch
}

func (p cleanProducer) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	var rm metricdata.ResourceMetrics // fresh: the exporter keeps what it gets until it is done
	err := p.reader.Collect(ctx, &rm)
	p.watch.scan(rm.ScopeMetrics)
	return sanitize.ScopeMetrics(rm.ScopeMetrics), err
}

// scrapeErrors hands what a scrape could not serve to otel.Handle (otel.Init
// writes it as an otel_sdk_error line): two instruments whose Prometheus
// names collide ("a.b" and "a_b"), an empty attribute key. The scrape
// serves the rest; without this those series would be missing unseen.
type scrapeErrors struct{}

func (scrapeErrors) Println(v ...any) {
	otel.Handle(fmt.Errorf("otelkit: Prometheus scrape: %s", strings.TrimSuffix(fmt.Sprintln(v...), "\n")))
}
