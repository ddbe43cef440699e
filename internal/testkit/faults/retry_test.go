package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/otel"
)

// emit writes one span, one log record and one metric point.
func emit(tel *otel.Telemetry, n int) {
	ctx := context.Background()
	tracer := tel.TracerProvider().Tracer("faults")
	counter, _ := tel.MeterProvider().Meter("faults").Int64Counter("items")
	for range n {
		sctx, span := tracer.Start(ctx, "work")
		tel.Logger().Info("item_done")
		counter.Add(sctx, 1)
		span.End()
	}
}

// fakeFor starts a fake collector of protocol's kind.
func fakeFor(t *testing.T, protocol string, b fakeotlp.Behaviour) (*fakeotlp.Collector, string) {
	if protocol == protoGRPC {
		g := fakeotlp.NewGRPC(t, b)
		return g.Collector, g.Endpoint
	}
	h := fakeotlp.NewHTTP(t, b)
	return h.Collector, h.Endpoint
}

// TestRetryHonoursThrottle: a batch answered with 503/429 (HTTP,
// Retry-After in seconds and as an HTTP date) or Unavailable /
// ResourceExhausted with RetryInfo (gRPC) is retried once the collector's
// delay has passed, and delivered. The SDK's own backoff is at most 7.5 s
// for the first retry, so a gap of at least 9 s shows the delay was
// honoured. Subtests run in parallel to keep the wall time near 10 s.
func TestRetryHonoursThrottle(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const throttle = 9 * time.Second
	cases := []struct {
		name, protocol string
		b              fakeotlp.Behaviour
		minGap         time.Duration
	}{
		{"http_503_retry_after_seconds", protoHTTP, fakeotlp.Behaviour{Status: http.StatusServiceUnavailable, RetryAfter: "9", FailFirst: 1}, throttle},
		// An HTTP date has one-second resolution: now+10s is 9 to 10 s away.
		{"http_429_retry_after_date", protoHTTP, fakeotlp.Behaviour{Status: http.StatusTooManyRequests, FailFirst: 1}, throttle - 500*time.Millisecond},
		{"grpc_unavailable_retry_info", protoGRPC, fakeotlp.Behaviour{Status: http.StatusServiceUnavailable, RetryDelay: throttle, FailFirst: 1}, throttle},
		{"grpc_resource_exhausted_retry_info", protoGRPC, fakeotlp.Behaviour{Status: http.StatusTooManyRequests, RetryDelay: throttle, FailFirst: 1}, throttle},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.b
			if tc.name == "http_429_retry_after_date" {
				b.RetryAfter = time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
			}
			c, ep := fakeFor(t, tc.protocol, b)
			tel := initWith(t, ep, tc.protocol, 20*time.Second,
				otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"))
			emit(tel, 10)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := tel.ForceFlush(ctx)
			took := time.Since(start)
			reqs := c.Requests()
			if err != nil {
				t.Errorf("ForceFlush: %v", err)
			}
			if len(reqs) != 2 {
				t.Fatalf("collector received %d requests, want 2 (one refused, one retry)", len(reqs))
			}
			gap := reqs[1].At.Sub(reqs[0].At)
			_, items := c.Count(fakeotlp.Traces)
			record(t, "Retries", "%s: %d requests, retry after %v (asked %v), %d/10 spans delivered, ForceFlush took %v",
				tc.name, len(reqs), gap.Round(10*time.Millisecond), throttle, items, took.Round(10*time.Millisecond))
			if gap < tc.minGap {
				t.Errorf("retried after %v, before the %v the collector asked for", gap, tc.minGap)
			}
			if items != 10 {
				t.Errorf("%d spans delivered after the retry, want 10", items)
			}
		})
	}
}

// TestBadRequestNotRetried: 400 (HTTP) and InvalidArgument (gRPC) are
// permanent: one request per signal, an error from ForceFlush, no retry.
func TestBadRequestNotRetried(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			c, ep := fakeFor(t, protocol, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})
			tel := initWith(t, ep, protocol, 10*time.Second)
			emit(tel, 10)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			err := tel.ForceFlush(ctx)
			took := time.Since(start)
			if err == nil {
				t.Error("ForceFlush against a collector answering 400 returned no error")
			}
			// Give a wrongful retry time to show up: the SDK's first backoff
			// is at least 2.5 s.
			time.Sleep(3 * time.Second)
			// A retry would send the batch again. (The telemetry_dropped and
			// otel_sdk_error lines about the rejection are log records of
			// their own: sent on their own, or batched with the 10 when they
			// come early enough, hence at least 10.)
			for _, sig := range []string{fakeotlp.Traces, fakeotlp.Metrics, fakeotlp.Logs} {
				n := 0
				for _, r := range c.Requests() {
					if r.Signal == sig && (sig == fakeotlp.Metrics || r.Items >= 10) {
						n++
					}
				}
				record(t, "Retries", "%s 400 %s: %d request(s) with the batch in 3 s after the rejection, ForceFlush took %v", protocol, sig, n, took.Round(time.Millisecond))
				if n != 1 {
					t.Errorf("%s: %d requests with the batch, want exactly 1 (400 must not be retried)", sig, n)
				}
			}
		})
	}
}
