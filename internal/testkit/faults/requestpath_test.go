package faults

import (
	"context"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fault is one way a collector can fail.
type fault struct {
	name string
	// start returns the endpoint to point the exporters at and a function
	// that reports whether the fault was exercised.
	start func(t *testing.T, protocol string) (endpoint string, hit func() bool)
}

// collectorFault is a fake collector (of the protocol's kind) with b.
func collectorFault(b fakeotlp.Behaviour) func(t *testing.T, protocol string) (string, func() bool) {
	return func(t *testing.T, protocol string) (string, func() bool) {
		var c *fakeotlp.Collector
		var ep string
		if protocol == protoGRPC {
			g := fakeotlp.NewGRPC(t, b)
			c, ep = g.Collector, g.Endpoint
		} else {
			h := fakeotlp.NewHTTP(t, b)
			c, ep = h.Collector, h.Endpoint
		}
		return ep, func() bool { n, _ := c.Count(""); return n > 0 }
	}
}

const exportTimeout = 200 * time.Millisecond

// healthyExportTimeout is the export timeout against the healthy
// collector. The baseline measures the request path, which no export
// timeout touches; its exports get room because a healthy fake on a loaded
// two-core machine under -race can take longer than the 200 ms the faults
// get, and an export that times out there would fail the baseline for
// the machine's sake.
const healthyExportTimeout = 5 * time.Second

func faultsList() []fault {
	return []fault{
		{"down", func(t *testing.T, _ string) (string, func() bool) {
			ep, _ := fakeotlp.DownEndpoint(t)
			return ep, func() bool { return true }
		}},
		{"blackhole", func(t *testing.T, _ string) (string, func() bool) {
			bh := fakeotlp.NewBlackHole(t)
			return bh.Endpoint, func() bool { return bh.Accepted() > 0 }
		}},
		{"slow", collectorFault(fakeotlp.Behaviour{Delay: 5 * exportTimeout})},
		{"503_retry_after_seconds", collectorFault(fakeotlp.Behaviour{Status: http.StatusServiceUnavailable, RetryAfter: "1", RetryDelay: time.Second, FailFirst: -1})},
		{"429_retry_after_date", collectorFault(fakeotlp.Behaviour{Status: http.StatusTooManyRequests, RetryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), RetryDelay: time.Hour, FailFirst: -1})},
		{"400", collectorFault(fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})},
		{"oversized_response", collectorFault(fakeotlp.Behaviour{Oversize: 4<<20 + 64<<10})},
	}
}

// TestRequestPathNotSlowed runs the same request loop against a healthy
// fake collector and against each fault, over OTLP/HTTP and gRPC, with all
// three signals exported: the request path's latencies are recorded
// against the healthy ones, the fault must be reported in the health
// document and a rate-limited warning line, and Shutdown must keep to its
// context's deadline.
func TestRequestPathNotSlowed(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const (
		minN, maxN      = 300, 20000
		minDur          = 400 * time.Millisecond
		shutdownTimeout = 300 * time.Millisecond
		// A Shutdown that ignored its deadline would wait out retries
		// and export timeouts (seconds); the margin absorbs scheduling
		// delays on a loaded machine.
		shutdownMargin = time.Second
	)
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			// Baseline: a healthy collector.
			var base []time.Duration
			t.Run("healthy", func(t *testing.T) {
				ep, hit := collectorFault(fakeotlp.Behaviour{})(t, protocol)
				faultEnv(t, ep, protocol, healthyExportTimeout)
				room := strconv.FormatInt(healthyExportTimeout.Milliseconds(), 10)
				t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", room) // faultEnv's 500 ms would cut it short
				t.Setenv("OTEL_BLRP_EXPORT_TIMEOUT", room)
				buf := &lineBuffer{}
				tel := initTel(t, buf)
				base = latencies(t, app(tel), minN, maxN, minDur)
				if !waitFor(2*time.Second, hit) {
					t.Error("the healthy collector received nothing")
				}
				// Errors before Shutdown that name this collector are
				// failures; others come from an earlier subtest's exporter
				// still finishing (logged as a finding).
				port := ep[strings.LastIndex(ep, ":"):]
				for _, l := range buf.lines("otel_sdk_error") {
					if strings.Contains(l, port+"/") || strings.Contains(l, "rpc error") {
						t.Errorf("healthy collector produced an error: %s", l)
					} else {
						t.Logf("FINDING: error from an earlier exporter after its Shutdown: %s", l)
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				if err := tel.Shutdown(ctx); err != nil {
					t.Errorf("Shutdown against a healthy collector: %v", err)
				}
				t.Logf("endpoint %s", ep)
				record(t, "Request path", "%s healthy: n=%d median=%v p99=%v", protocol, len(base), quantile(base, .5), quantile(base, .99))
			})
			if len(base) == 0 {
				t.Fatal("no baseline")
			}
			for _, f := range faultsList() {
				t.Run(f.name, func(t *testing.T) {
					ep, hit := f.start(t, protocol)
					t.Logf("endpoint %s", ep)
					faultEnv(t, ep, protocol, exportTimeout)
					buf := &lineBuffer{}
					tel := initTel(t, buf)
					start := time.Now()
					ds := latencies(t, app(tel), minN, maxN, minDur)
					// Make sure the fault was met before measuring Shutdown.
					if !waitFor(2*time.Second, hit) {
						t.Errorf("fault %s never exercised", f.name)
					}
					waitFor(2*time.Second, func() bool { return len(buf.lines("otel_sdk_error")) > 0 })
					// Drops are visible in the health document too.
					waitFor(2*time.Second, func() bool { return tel.Health().Export["traces"].FailedBatches > 0 })
					health := tel.Health().Export["traces"]

					ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
					defer cancel()
					t0 := time.Now()
					serr := tel.Shutdown(ctx)
					took := time.Since(t0)
					elapsed := time.Since(start)

					med, p99 := quantile(ds, .5), quantile(ds, .99)
					bmed, bp99 := quantile(base, .5), quantile(base, .99)
					ratio := float64(p99) / float64(bp99)
					warnings := len(buf.lines("otel_sdk_error"))
					record(t, "Request path", "%s %s: n=%d median=%v (healthy %v, x%.2f) p99=%v (healthy %v, x%.2f); Shutdown(%v) took %v (err: %v); otel_sdk_error lines: %d in %v",
						protocol, f.name, len(ds), med, bmed, float64(med)/float64(bmed), p99, bp99, ratio,
						shutdownTimeout, took.Round(time.Millisecond), serr != nil, warnings, elapsed.Round(time.Millisecond))

					// The request path is not slowed by design, and that is
					// tested without a clock: the batch processors' Enqueue
					// returns while an export is stuck (internal/batch
					// TestQueueFullIsCounted). The latencies are figures, for
					// RESULTS.md: on this shared 2-core machine a p99 moves
					// by hundreds of milliseconds with the load of other
					// builds, so no ratio of them is asserted.
					if ratio > 3 {
						t.Logf("FINDING: p99 %v against %v healthy (x%.1f); compare with the machine's load", p99, bp99, ratio)
					}
					margin := shutdownMargin
					if raceEnabled {
						margin *= 2
					}
					if took > shutdownTimeout+margin {
						t.Errorf("Shutdown took %v, deadline %v (+%v margin)", took, shutdownTimeout, margin)
					}
					record(t, "Request path", "%s %s: HealthHandler traces: exported %d, failed %d spans in %d failed batches, last error %.80q",
						protocol, f.name, health.Exported, health.Failed, health.FailedBatches, health.LastError)
					if health.FailedBatches == 0 || health.LastError == "" {
						t.Errorf("HealthHandler shows no failed trace export: %+v", health)
					}
					if warnings == 0 {
						t.Errorf("fault %s produced no otel_sdk_error warning; log:\n%s", f.name, buf.String())
					}
					// Rate limit: one line per 10 s at most (plus the first).
					if maxLines := 1 + int(elapsed/(10*time.Second)); warnings > maxLines {
						t.Errorf("%d otel_sdk_error lines in %v: not rate-limited", warnings, elapsed)
					}
				})
			}
		})
	}
}
