package loadbench

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Collector is a fake OTLP/HTTP receiver on 127.0.0.1: it reads every
// export request, discards it and answers 200 with an empty protobuf
// response, counting the requests per signal.
type Collector struct {
	srv                   *http.Server
	ln                    net.Listener
	done                  chan struct{}
	traces, metrics, logs atomic.Int64
	bytes                 atomic.Int64
}

// StartCollector starts a Collector. Close stops it.
func StartCollector() (*Collector, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &Collector{ln: ln, done: make(chan struct{})}
	mux := http.NewServeMux()
	count := func(n *atomic.Int64) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.Copy(io.Discard, r.Body)
			c.bytes.Add(b)
			n.Add(1)
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.WriteHeader(http.StatusOK)
		}
	}
	mux.Handle("POST /v1/traces", count(&c.traces))
	mux.Handle("POST /v1/metrics", count(&c.metrics))
	mux.Handle("POST /v1/logs", count(&c.logs))
	c.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(c.done)
		_ = c.srv.Serve(ln)
	}()
	return c, nil
}

// Endpoint is the base URL to put in OTEL_EXPORTER_OTLP_ENDPOINT.
func (c *Collector) Endpoint() string { return "http://" + c.ln.Addr().String() }

// Counts returns how many trace, metric and log export requests arrived.
func (c *Collector) Counts() (traces, metrics, logs int64) {
	return c.traces.Load(), c.metrics.Load(), c.logs.Load()
}

// Close stops the receiver.
func (c *Collector) Close() error {
	err := c.srv.Close()
	<-c.done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// DownEndpoint returns the URL of a loopback port that was just closed:
// exporters pointed there get "connection refused", the collector-down case.
func DownEndpoint() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("loadbench: closing the down port: %w", err)
	}
	return "http://" + addr, nil
}
