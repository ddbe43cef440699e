package faults

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/otel"
)

// signalsOf maps HealthHandler's signal names to the fake's.
var signalsOf = map[string]string{"traces": fakeotlp.Traces, "metrics": fakeotlp.Metrics, "logs": fakeotlp.Logs}

// shutdownWithin shuts tel down, bounded by d.
func shutdownWithin(t *testing.T, tel *otel.Telemetry, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		t.Logf("Shutdown: %v", err)
	}
}

func sum(m map[string]int64) int64 {
	n := int64(0)
	for _, v := range m {
		n += v
	}
	return n
}

// TestQueueFullDropsCounted: small batch queues (20) and a collector that
// holds every export for a second: most of 200 spans and 200 log records
// are dropped on the full queues. HealthHandler counts them (queue_full,
// and failed is never 0), a telemetry_dropped line names the reason, and
// after Shutdown every item is either accepted by the collector or counted.
func TestQueueFullDropsCounted(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	for _, k := range []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BLRP_MAX_QUEUE_SIZE"} {
		t.Setenv(k, "20")
	}
	for _, k := range []string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"} {
		t.Setenv(k, "10")
	}
	const n = 200
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			c, ep := fakeFor(t, protocol, fakeotlp.Behaviour{Delay: time.Second})
			out := &lineBuffer{}
			tel := initWith(t, ep, protocol, 5*time.Second, otel.WithMetricsExporter("none"), otel.WithLogOutput(out))
			emit(tel, n)
			during := tel.Health().Export
			shutdownWithin(t, tel, 15*time.Second)
			after := tel.Health().Export
			lines := out.lines(`"telemetry_dropped"`)
			for _, sig := range []string{"traces", "logs"} {
				ex := after[sig]
				got := c.Accepted(signalsOf[sig])
				record(t, "Drops", "%s %s, queue 20, collector holding each export 1 s: %d/%d accepted, dropped %v, health failed=%d (failed=%d while it happened)",
					protocol, sig, got, n, ex.Dropped, ex.Failed, during[sig].Failed)
				if during[sig].Dropped[otel.DropQueueFull] == 0 || during[sig].Failed == 0 {
					t.Errorf("%s while the queue overflowed: %+v, want queue_full drops and failed > 0", sig, during[sig])
				}
				// Log records: the telemetry_dropped lines are records too.
				extra := 0
				if sig == "logs" {
					extra = len(lines)
				}
				if total := int64(got) + sum(ex.Dropped); total < n || total > int64(n+extra) || ex.Failed != sum(ex.Dropped) {
					t.Errorf("%s: %d accepted + %v dropped != %d sent (health %+v)", sig, got, ex.Dropped, n, ex)
				}
			}
			if len(lines) == 0 || !strings.Contains(lines[0], `"queue_full":`) {
				t.Errorf("telemetry_dropped lines %q, want one naming queue_full", lines)
			}
		})
	}
}

// TestExportFailuresCounted: a batch whose export fails for good is
// counted as export_failed, per signal: rejected with 400 (never retried),
// and refused until the export timeout ran out (retries exhausted). The
// metric data points (cumulative) are unsent until Shutdown's final export
// fails too.
func TestExportFailuresCounted(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const n = 50
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		for _, fault := range []string{"400", "down"} {
			t.Run(protocol+"/"+fault, func(t *testing.T) {
				t.Parallel()
				var ep string
				if fault == "down" {
					ep, _ = fakeotlp.DownEndpoint(t)
				} else {
					_, ep = fakeFor(t, protocol, fakeotlp.Behaviour{Status: http.StatusBadRequest, FailFirst: -1})
				}
				tel := initWith(t, ep, protocol, 300*time.Millisecond)
				emit(tel, n)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = tel.ForceFlush(ctx)
				// An export may end just after ForceFlush's deadline.
				waitFor(5*time.Second, func() bool {
					h := tel.Health().Export
					return h["traces"].Dropped[otel.DropExportFailed] >= n && h["logs"].Dropped[otel.DropExportFailed] >= n &&
						h["metrics"].Unsent > 0
				})
				h := tel.Health().Export
				unsent := h["metrics"]
				// Cumulative data points are only lost when no export
				// sends them again: Shutdown's final export fails too.
				shutdownWithin(t, tel, 5*time.Second)
				h = tel.Health().Export
				record(t, "Drops", "%s %s: dropped traces %v, metrics %v (%d unsent before Shutdown), logs %v (of %d spans, %d log records)",
					protocol, fault, h["traces"].Dropped, h["metrics"].Dropped, unsent.Unsent, h["logs"].Dropped, n, n)
				if d := h["traces"].Dropped; d[otel.DropExportFailed] != n || h["traces"].Failed != n {
					t.Errorf("traces: %+v, want %d export_failed", h["traces"], n)
				}
				if d := h["logs"].Dropped; d[otel.DropExportFailed] < n {
					t.Errorf("logs: %+v, want at least %d export_failed", h["logs"], n)
				}
				if unsent.Unsent == 0 || unsent.Failed != 0 {
					t.Errorf("metrics before Shutdown: %+v, want the data points of the failed exports unsent, none lost", unsent)
				}
				if d := h["metrics"].Dropped; d[otel.DropExportFailed] < unsent.Unsent || h["metrics"].Unsent != 0 {
					t.Errorf("metrics after Shutdown: %+v, want the unsent data points counted as export_failed", h["metrics"])
				}
			})
		}
	}
}

// TestPartialSuccessCounted: a collector that accepts each export but
// rejects 3 of its items (an OTLP partial success) for every signal: the
// rejected items are counted as rejected, the rest as exported, as the
// collector counted them.
func TestPartialSuccessCounted(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			c, ep := fakeFor(t, protocol, fakeotlp.Behaviour{Rejected: 3})
			tel := initWith(t, ep, protocol, 5*time.Second)
			emit(tel, 20)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tel.ForceFlush(ctx); err == nil {
				t.Error("ForceFlush hid the partial success")
			}
			h := tel.Health().Export
			for sig, fake := range signalsOf {
				rejected := 0
				for _, r := range c.Requests() {
					if r.Signal == fake {
						rejected += r.Rejected
					}
				}
				ex := h[sig]
				record(t, "Drops", "%s %s, collector rejecting 3 items per export: exported %d, dropped %v (collector: %d accepted, %d rejected)",
					protocol, sig, ex.Exported, ex.Dropped, c.Accepted(fake), rejected)
				if rejected == 0 || ex.Dropped[otel.DropRejected] != int64(rejected) || ex.Exported != int64(c.Accepted(fake)) {
					t.Errorf("%s: %+v; the collector accepted %d and rejected %d", sig, ex, c.Accepted(fake), rejected)
				}
			}
		})
	}
}

// TestShutdownDeadlineCountsEverything: a collector holds every export,
// and Shutdown's deadline passes with an export in flight and spans
// queued. When Shutdown returns, with nothing waited for after it, every
// span is already counted (export_failed for the cancelled export,
// shutdown for the queued ones) and the last telemetry_dropped line says
// so: a process that exits right after Shutdown loses no count.
func TestShutdownDeadlineCountsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	const n = 1500
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			c, ep := fakeFor(t, protocol, fakeotlp.Behaviour{Delay: time.Minute})
			out := &lineBuffer{}
			tel := initWith(t, ep, protocol, 30*time.Second, otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"), otel.WithLogOutput(out))
			tracer := tel.TracerProvider().Tracer("faults")
			for range n {
				_, span := tracer.Start(context.Background(), "work")
				span.End()
			}
			waitFor(5*time.Second, func() bool { n, _ := c.Count(fakeotlp.Traces); return n > 0 }) // an export in flight
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_ = tel.Shutdown(ctx)
			ex := tel.Health().Export["traces"]
			lines := out.lines(`"telemetry_dropped"`)
			record(t, "Drops", "%s, Shutdown's deadline (200 ms) with an export held and spans queued: dropped %v at its return, %d telemetry_dropped line(s)",
				protocol, ex.Dropped, len(lines))
			if sum(ex.Dropped) != n || ex.Dropped[otel.DropShutdown] == 0 || ex.Dropped[otel.DropExportFailed] == 0 {
				t.Errorf("at Shutdown's return: %+v, want all %d spans counted, as shutdown and export_failed", ex, n)
			}
			if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], `"dropped_total":`+strconv.Itoa(n)) {
				t.Errorf("telemetry_dropped lines %q, want the last with dropped_total %d", lines, n)
			}
		})
	}
}
