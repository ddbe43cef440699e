package otel

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/scrub"
	"github.com/otelkit/otelkit/internal/visible"
)

// maxErrorLen bounds the last error kept for the health handler.
const maxErrorLen = 512

// exportHealth tracks one signal's exports: items exported and failed, the
// last success and the last error (redacted, bounded). Safe for concurrent
// use; the zero value is ready.
type exportHealth struct {
	exported    atomic.Int64
	batches     atomic.Int64
	failures    atomic.Int64
	lastSuccess atomic.Int64 // unix nanoseconds, 0 = never
	lastFailure atomic.Int64
	lastErr     atomic.Pointer[string]
	scrub       *scrub.Scrubber // set before the first export; nil: URL user info only
	dropped     [len(dropReasons)]atomic.Int64
	tracked     atomic.Bool // an exporter is wrapped (track): exports are counted

	sig int      // sigTraces, sigMetrics or sigLogs
	log *dropLog // the telemetry_dropped line; nil: none
}

// drop notes n items lost for reason (one of dropReasons).
func (h *exportHealth) drop(reason string, n int64) {
	i := reasonIndex(reason)
	if n <= 0 || i < 0 {
		return
	}
	h.dropped[i].Add(n)
	h.log.add(h.sig, reason, n)
}

// onDrop is the signal packages' drop handler (WithDropHandler).
func (h *exportHealth) onDrop(reason string, n int) { h.drop(reason, int64(n)) }

// record notes the outcome of exporting n items. An error is a failed
// export (all n items lost) unless it carries an OTLP partial success:
// then the collector took the export and only the rejected items are lost.
//
// What a count stands for is stored before the count, and status loads
// the counts first, so a snapshot taken meanwhile never shows a failed
// batch without its error and time, or an export without its success
// time.
func (h *exportHealth) record(n int, err error, now time.Time) {
	h.batches.Add(1)
	if err == nil {
		h.lastSuccess.Store(now.UnixNano())
		h.exported.Add(int64(n))
		return
	}
	msg := h.scrub.String(err.Error())
	if len(msg) > maxErrorLen {
		// Not a character cut in two (JSON would show it as U+FFFD).
		msg = visible.Cut(msg, maxErrorLen) + "…"
	}
	h.lastErr.Store(&msg)
	lost, reason := int64(n), DropExportFailed
	if rejected, ok := rejectedItems(err); ok {
		lost, reason = min(max(rejected, 0), int64(n)), DropRejected
		h.lastSuccess.Store(now.UnixNano())
		h.exported.Add(int64(n) - lost)
		if lost == 0 {
			return // a message without rejected items is a warning
		}
	}
	h.lastFailure.Store(now.UnixNano())
	h.drop(reason, lost)
	h.failures.Add(1)
}

// ExportStatus is a snapshot of one signal's export health.
type ExportStatus struct {
	// Tracked is false when otelkit cannot see this signal's exports (no
	// exporter, or one it does not wrap); the counts are then zero.
	Tracked bool `json:"tracked"`
	// Exported and Failed count items (spans, data points, log records):
	// Failed is every item lost, whatever the reason (the sum of Dropped).
	Exported int64 `json:"exported"`
	Failed   int64 `json:"failed"`
	// Dropped counts the items lost by reason, reasons with none left out:
	// "queue_full" (the batch queue was full; spans and log records),
	// "export_failed" (the export failed after the exporter's retries, or
	// Shutdown's deadline cut it off), "rejected" (refused by the collector
	// in an OTLP partial success), "shutdown" (still queued when
	// Shutdown's context ended), "after_shutdown" (a sampled span still
	// open at Shutdown, which ends when nothing exports, or begun after
	// it; a log record emitted after Shutdown), "too_large" (a span or log
	// record too large for an OTLP export on its own).
	Dropped map[string]int64 `json:"dropped,omitempty"`
	// Batches and FailedBatches count Export calls; a failed batch lost
	// items (an error, or a partial success with rejected items).
	Batches       int64      `json:"batches"`
	FailedBatches int64      `json:"failed_batches"`
	LastSuccess   *time.Time `json:"last_success,omitempty"`
	LastFailure   *time.Time `json:"last_failure,omitempty"`
	// LastError has URL credentials and the configured OTLP header values
	// removed, and is at most 512 bytes.
	LastError string `json:"last_error,omitempty"`
}

func (h *exportHealth) status() ExportStatus {
	if h == nil || !h.tracked.Load() {
		return ExportStatus{}
	}
	// Counts first, each after the ones record adds later (see record).
	s := ExportStatus{Tracked: true, FailedBatches: h.failures.Load()}
	for i := range h.dropped { // Failed is their sum, in the same snapshot
		if v := h.dropped[i].Load(); v > 0 {
			if s.Dropped == nil {
				s.Dropped = map[string]int64{}
			}
			s.Dropped[dropReasons[i]] = v
			s.Failed += v
		}
	}
	s.Exported = h.exported.Load()
	s.Batches = h.batches.Load()
	if ns := h.lastSuccess.Load(); ns != 0 {
		ts := time.Unix(0, ns).UTC()
		s.LastSuccess = &ts
	}
	if ns := h.lastFailure.Load(); ns != 0 {
		ts := time.Unix(0, ns).UTC()
		s.LastFailure = &ts
	}
	if e := h.lastErr.Load(); e != nil {
		s.LastError = *e
	}
	return s
}

// track returns the WithExporterWrapper function of one signal (wrap is
// exportwrap.Spans, Metrics or Logs) that counts each export into h: size
// items, delivered or lost. The three signals are counted the same way;
// only the unit differs (spans, metric data points, log records).
func track[E, B any](h *exportHealth, wrap func(E, exportwrap.Around[B]) E, size func(B) int) func(E) E {
	return func(exp E) E {
		h.tracked.Store(true)
		return wrap(exp, func(ctx context.Context, batch B, export func(context.Context, B) error) error {
			n := size(batch) // before the export: the metric reader may reuse what it passed
			err := export(ctx, batch)
			h.record(n, err, time.Now())
			// Scrubbed before the SDK reports it: with WithoutGlobals it
			// goes to the program's own error handler, not otelkit's.
			return h.scrub.Error(err)
		})
	}
}

func spanCount(spans []sdktrace.ReadOnlySpan) int { return len(spans) }
func recordCount(records []sdklog.Record) int     { return len(records) }

// dataPoints counts the data points in rm, as the collector counts them.
func dataPoints(rm *metricdata.ResourceMetrics) int {
	if rm == nil {
		return 0
	}
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			n += points[int64](m.Data) + points[float64](m.Data)
			if s, ok := m.Data.(metricdata.Summary); ok {
				n += len(s.DataPoints)
			}
		}
	}
	return n
}

// points counts the data points of a numeric aggregation of N (0 for any
// other).
func points[N int64 | float64](a metricdata.Aggregation) int {
	switch d := a.(type) {
	case metricdata.Sum[N]:
		return len(d.DataPoints)
	case metricdata.Gauge[N]:
		return len(d.DataPoints)
	case metricdata.Histogram[N]:
		return len(d.DataPoints)
	case metricdata.ExponentialHistogram[N]:
		return len(d.DataPoints)
	}
	return 0
}

// selfObservabilityReader returns a manual reader for HealthHandler when
// the SDK's experimental self-observability is on
// (OTEL_GO_X_OBSERVABILITY=true, as the SDK reads it), nil otherwise. The
// SDK then records otel.sdk.* metrics (spans and log records processed,
// exported, failed, dropped on a full queue) through the global
// MeterProvider, which Init's provider becomes.
func selfObservabilityReader(src env.Source) *sdkmetric.ManualReader {
	v, _ := src.String("OTEL_GO_X_OBSERVABILITY")
	if !strings.EqualFold(v, "true") {
		return nil
	}
	return sdkmetric.NewManualReader()
}

// selfObservability sums the SDK's otel.sdk.* counters by name and
// error.type ("otel.sdk.exporter.span.exported{error.type=...}").
func selfObservability(ctx context.Context, r *sdkmetric.ManualReader) map[string]int64 {
	if r == nil {
		return nil
	}
	var rm metricdata.ResourceMetrics
	if err := r.Collect(ctx, &rm); err != nil {
		return nil
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, "otel.sdk.") {
				continue
			}
			add := func(attrs interface {
				Value(k attribute.Key) (attribute.Value, bool)
			}, v int64) {
				key := m.Name
				if et, ok := attrs.Value("error.type"); ok {
					key += "{error.type=" + et.AsString() + "}"
				}
				out[key] += v
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					add(&dp.Attributes, dp.Value)
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					add(&dp.Attributes, dp.Value)
				}
			}
		}
	}
	return out
}
