package faults

import (
	"context"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"testing"
	"time"
)

// collectorOn brings a fake collector of protocol's kind up on addr.
func collectorOn(t *testing.T, protocol, addr string) *fakeotlp.Collector {
	l := fakeotlp.Listen(t, addr)
	if protocol == protoGRPC {
		return fakeotlp.NewGRPCOn(t, l, fakeotlp.Behaviour{}).Collector
	}
	return fakeotlp.NewHTTPOn(t, l, fakeotlp.Behaviour{}).Collector
}

// TestQueuedWhileDownDeliveredWhenBack: spans and log records emitted while
// the collector is down (fewer than the queues hold, before the first
// scheduled export) all reach it once it is back.
func TestQueuedWhileDownDeliveredWhenBack(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const n = 500 // < 2048, the default queue sizes
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			// No scheduled export while down, however slow the machine:
			// this test is about what the queues hold.
			t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "60000")
			t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "60000")
			ep, addr := fakeotlp.DownEndpoint(t)
			tel := initWith(t, ep, protocol, 5*time.Second)
			emit(tel, n)
			c := collectorOn(t, protocol, addr)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tel.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			_, spans := c.Count(fakeotlp.Traces)
			_, logs := c.Count(fakeotlp.Logs)
			_, points := c.Count(fakeotlp.Metrics)
			record(t, "Recovery", "%s, queued while down: %d/%d spans, %d/%d log records, %d metric point(s) delivered after the collector came back", protocol, spans, n, logs, n, points)
			if spans != n || logs != n {
				t.Errorf("delivered %d spans and %d log records, want %d each", spans, logs, n)
			}
			if points == 0 {
				t.Error("no metric point delivered")
			}
		})
	}
}

// TestFailedWhileDownRetried: a batch whose export is attempted while the
// collector refuses connections arrives once it is back, within the export
// timeout, on both protocols: gRPC waits for the connection, and otelkit
// makes the OTLP/HTTP exporters retry a refused connection (the SDK v1.47
// exporters alone drop the batch at once).
func TestFailedWhileDownRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const n = 100
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			ep, addr := fakeotlp.DownEndpoint(t)
			tel := initWith(t, ep, protocol, 25*time.Second)
			emit(tel, n)
			ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
			defer cancel()
			flushed := make(chan error, 1)
			start := time.Now()
			go func() { flushed <- tel.ForceFlush(ctx) }()
			time.Sleep(500 * time.Millisecond) // the first attempts are refused
			c := collectorOn(t, protocol, addr)
			err := <-flushed
			took := time.Since(start)
			_, spans := c.Count(fakeotlp.Traces)
			_, logs := c.Count(fakeotlp.Logs)
			record(t, "Recovery", "%s, export attempted while down: %d/%d spans, %d/%d log records delivered; ForceFlush took %v, error: %v",
				protocol, spans, n, logs, n, took.Round(10*time.Millisecond), err != nil)
			if err != nil {
				t.Errorf("ForceFlush: %v", err)
			}
			if spans != n || logs != n {
				t.Errorf("delivered %d spans and %d log records, want %d each", spans, logs, n)
			}
		})
	}
}
