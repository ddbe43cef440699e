package otel

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/exportsize"
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
	// Unsent items are what the failed exports of an exporter's newest
	// batch (its parts, when cut for size) would have delivered and that
	// exporter's next export sends again (cumulative metric data points):
	// not lost until Shutdown comes first (settle). Each exporter keeps
	// its own count (newUnsent; unsentTotal sums them), because metrics
	// may have several exporters (otlp,console): one's success does not
	// deliver what another's collector refused.
	unsentMu  sync.Mutex
	exporters []*unsentCount // their counts under unsentMu
	settled   bool           // under unsentMu: Shutdown counted unsent; a failure now loses all

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

// record notes the outcome of one exporter's (u, newUnsent) exporting n
// items, of which resent are sent again by its next export (cumulative
// metric data points: their totals go on). An error is a failed export:
// the other items are lost, the resent ones unsent until that exporter's
// export succeeds (or lost if Shutdown comes first, settle). An error that
// carries an OTLP partial success means the collector took the export and
// only the rejected items are lost. at is the export's place: in its
// batch (exportsize.Bound cuts a batch too large for one export), what is
// unsent is the sum over the parts of the last batch (carry); among the
// collections of a metric exporter, only the newest's is (note).
//
// What a count stands for is stored before the count, and status loads
// the counts first, so a snapshot taken meanwhile never shows a failed
// batch without its error and time, or an export without its success
// time.
func (h *exportHealth) record(u *unsentCount, n, resent int, at place, err error, now time.Time) {
	h.batches.Add(1)
	if err == nil {
		h.lastSuccess.Store(now.UnixNano())
		h.drop(DropExportFailed, h.carry(u, 0, at))
		h.exported.Add(int64(n))
		return
	}
	msg := h.scrub.String(err.Error())
	if len(msg) > maxErrorLen {
		// Not a character cut in two (JSON would show it as U+FFFD).
		msg = visible.Cut(msg, maxErrorLen) + "…"
	}
	h.lastErr.Store(&msg)
	lost, reason := int64(n-resent), DropExportFailed
	if rejected, ok := rejectedItems(err); ok {
		lost, reason = min(max(rejected, 0), int64(n)), DropRejected
		h.lastSuccess.Store(now.UnixNano())
		h.drop(DropExportFailed, h.carry(u, 0, at))
		h.exported.Add(int64(n) - lost)
		if lost == 0 {
			return // a message without rejected items is a warning
		}
	} else {
		lost += h.carry(u, int64(resent), at)
	}
	h.lastFailure.Store(now.UnixNano())
	h.drop(reason, lost)
	h.failures.Add(1)
}

// place is where one export stands among its exporter's: its part of a
// batch cut for size (exportsize.PartOf) and the number of the metric
// collection it carries (exportwrap.CollectionOf; 0 for spans and log
// records, which leave nothing unsent).
type place struct {
	exportsize.Part
	collection uint64
}

// placeOf returns the place of the export ctx was given to.
func placeOf(ctx context.Context) place {
	return place{exportsize.PartOf(ctx), exportwrap.CollectionOf(ctx)}
}

// unsentCount is one exporter's part of what is unsent (the health
// document's sum, unsentTotal), and its export in progress (flight).
type unsentCount struct {
	// pending is what the parts so far of a batch in parts leave unsent.
	// Only the exporter's exports use it, one at a time as the SDK calls
	// them; a collection abandoned beside one comes whole (sizeBounded).
	pending atomic.Int64

	// Under exportHealth.unsentMu:
	v      int64  // unsent of the newest collection noted
	newest uint64 // its number: an older one ending later changes nothing
	// settled is what settle counted lost of v: an export still in
	// progress then (Shutdown's deadline passed first) sends the same
	// series again, and its failure must not count them twice.
	settled int64
	flight  inFlight
}

// carry notes unsent, the items of one export of the exporter u that its
// next export sends again, and returns how many of those are lost
// instead. The parts of a batch add up (pending); its last part, or a
// whole batch, makes the sum what is unsent (note).
func (h *exportHealth) carry(u *unsentCount, unsent int64, at place) int64 {
	if !at.First {
		unsent += u.pending.Swap(0)
	}
	if !at.Last {
		u.pending.Store(unsent)
		return 0
	}
	return h.note(u, unsent, at.collection)
}

// note makes unsent what the exporter u leaves unsent, in place of what
// the collection before left (this one sent it again), and returns how
// many of those are lost instead: after Shutdown (settle) no export sends
// them again, but those settle counted (the same cumulative series, sent
// again by an export that was in progress) are not lost a second time.
//
// Collections are noted newest last whatever order their exports end in:
// when Shutdown's deadline passes while a ForceFlush's export is in
// progress, Shutdown abandons its own, newer collection
// (exportwrap.Abandon), and the older export may end after it, before or
// after settle. Its end changes no unsent count: the newer collection
// holds the same series, and what it left unsent (all its cumulative
// points) is what no export delivered. Its delta points are counted by
// record as any export's.
func (h *exportHealth) note(u *unsentCount, unsent int64, collection uint64) int64 {
	h.unsentMu.Lock()
	defer h.unsentMu.Unlock()
	if collection < u.newest {
		return 0
	}
	u.newest = collection
	if !h.settled { // the exporter's next export sends them again
		u.v = unsent
		return 0
	}
	counted := min(unsent, u.settled)
	u.settled -= counted
	return unsent - counted
}

// settle counts what is still unsent as lost (export_failed): Shutdown has
// ended the exports that would have sent it. A failed export after this
// (one Shutdown's deadline cut off) loses all its items but those settle
// counted (note).
func (h *exportHealth) settle() {
	h.unsentMu.Lock()
	defer h.unsentMu.Unlock()
	h.settled = true
	for _, u := range h.exporters {
		n := u.v
		u.v, u.settled = 0, u.settled+n
		h.drop(DropExportFailed, n)
	}
}

// newUnsent returns a new exporter's unsent count, for record.
func (h *exportHealth) newUnsent() *unsentCount {
	u := new(unsentCount)
	h.unsentMu.Lock()
	h.exporters = append(h.exporters, u)
	h.unsentMu.Unlock()
	return u
}

// unsentTotal sums the exporters' unsent items, each at most once, so a
// snapshot taken while settle runs is never below zero.
func (h *exportHealth) unsentTotal() int64 {
	h.unsentMu.Lock()
	defer h.unsentMu.Unlock()
	var n int64
	for _, u := range h.exporters {
		n += u.v
	}
	return n
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
	// Shutdown's deadline cut it off, or it was still in progress when
	// Shutdown returned: an exporter that ignores its context), "rejected"
	// (refused by the collector in an OTLP partial success), "shutdown"
	// (still queued when Shutdown's context ended), "after_shutdown" (a
	// sampled span still open at Shutdown, which ends when nothing
	// exports, or begun after it; a log record emitted after Shutdown; not
	// a metric measurement, which the SDK gives no way to see), "too_large"
	// (a span, metric data point or log record too large for an OTLP
	// export on its own).
	Dropped map[string]int64 `json:"dropped,omitempty"`
	// Unsent counts the metric data points of cumulative series (and of
	// gauges, unless their temporality is delta; of observable gauges
	// always, observed again at every collection) whose last export failed:
	// they are not lost, as the next export sends their values again, and
	// are counted as export_failed if Shutdown comes first. Delta data
	// points of a failed export are lost at once. Of a collection too large
	// for one export, sent in parts, it counts those of the failed parts.
	Unsent int64 `json:"unsent,omitempty"`
	// Batches and FailedBatches count Export calls, and the collection
	// Shutdown made past its deadline and did not export as a failed one,
	// as an export still in progress when Shutdown returned is;
	// a failed batch is an error (its items lost or unsent), or a partial
	// success with rejected items.
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
	s.Unsent = h.unsentTotal()
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
// only the unit differs (spans, metric data points, log records). resent,
// when not nil, says how many of a batch's items the exporter's next
// export sends again (see record).
func track[E, B any](h *exportHealth, wrap func(E, exportwrap.Around[B]) E, size func(B) int, resent func(E, B) int) func(E) E {
	return func(exp E) E {
		h.tracked.Store(true)
		u := h.newUnsent()
		return wrap(exp, func(ctx context.Context, batch B, export func(context.Context, B) error) error {
			// Before the export: the metric reader may reuse what it passed.
			n, again := size(batch), 0
			if resent != nil {
				again = resent(exp, batch)
			}
			at := placeOf(ctx)
			// An abandoned collection is not exported: it does not wait on
			// the exporter, and may come beside an export in progress.
			begun := !exportwrap.Abandoned(ctx) && h.begin(u, n, again, at)
			err := export(ctx, batch)
			if !begun || h.end(u) {
				h.record(u, n, again, at, err, time.Now())
			}
			// Scrubbed before the SDK reports it: with WithoutGlobals it
			// goes to the program's own error handler, not otelkit's.
			return h.scrub.Error(err)
		})
	}
}

func spanCount(spans []sdktrace.ReadOnlySpan) int { return len(spans) }
func recordCount(records []sdklog.Record) int     { return len(records) }

// observableGauges notes the observable gauges of the meter provider, as
// its view (a view that changes nothing): the SDK observes them again at
// every collection, under delta temporality too, so the data points of a
// failed export are sent again, as a cumulative series' are; its data
// does not tell them from synchronous gauges, whose value delta
// temporality forgets once collected. An observable gauge renamed by a
// view of the program's is not recognised, and counted as a synchronous
// one.
type observableGauges struct {
	mu sync.RWMutex
	m  map[gaugeKey]struct{}
}

type gaugeKey struct{ scope, version, name string }

// view notes inst if it is an observable gauge; it matches no instrument.
func (o *observableGauges) view(inst sdkmetric.Instrument) (sdkmetric.Stream, bool) {
	if inst.Kind == sdkmetric.InstrumentKindObservableGauge {
		o.mu.Lock()
		if o.m == nil {
			o.m = map[gaugeKey]struct{}{}
		}
		o.m[gaugeKey{inst.Scope.Name, inst.Scope.Version, inst.Name}] = struct{}{}
		o.mu.Unlock()
	}
	return sdkmetric.Stream{}, false
}

// has reports whether the metric name of scope sm is an observable gauge.
func (o *observableGauges) has(sm *metricdata.ScopeMetrics, name string) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	_, ok := o.m[gaugeKey{sm.Scope.Name, sm.Scope.Version, name}]
	return ok
}

// resentPoints counts the data points in rm that exp's next export sends
// again should this one fail: those of cumulative sums and histograms,
// whose totals go on; of gauges unless exp asks for delta gauges (the SDK
// then forgets a synchronous gauge's value once collected), and of
// observable gauges always (observed again); and of summaries, cumulative
// by definition.
func (o *observableGauges) resentPoints(exp sdkmetric.Exporter, rm *metricdata.ResourceMetrics) int {
	if rm == nil {
		return 0
	}
	gauges := exp.Temporality(sdkmetric.InstrumentKindGauge) == metricdata.CumulativeTemporality
	n := 0
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		for _, m := range sm.Metrics {
			resend := gauges || isGauge(m.Data) && o.has(sm, m.Name)
			n += cumulativePoints[int64](m.Data, resend) + cumulativePoints[float64](m.Data, resend)
			if s, ok := m.Data.(metricdata.Summary); ok {
				n += len(s.DataPoints)
			}
		}
	}
	return n
}

// isGauge reports whether a is a gauge's data.
func isGauge(a metricdata.Aggregation) bool {
	switch a.(type) {
	case metricdata.Gauge[int64], metricdata.Gauge[float64]:
		return true
	}
	return false
}

// cumulativePoints counts the data points of a numeric aggregation of N
// that are cumulative (gauges: when gauges says so).
func cumulativePoints[N int64 | float64](a metricdata.Aggregation, gauges bool) int {
	var cumulative bool
	n := 0
	switch d := a.(type) {
	case metricdata.Sum[N]:
		cumulative, n = d.Temporality == metricdata.CumulativeTemporality, len(d.DataPoints)
	case metricdata.Gauge[N]:
		cumulative, n = gauges, len(d.DataPoints)
	case metricdata.Histogram[N]:
		cumulative, n = d.Temporality == metricdata.CumulativeTemporality, len(d.DataPoints)
	case metricdata.ExponentialHistogram[N]:
		cumulative, n = d.Temporality == metricdata.CumulativeTemporality, len(d.DataPoints)
	}
	if !cumulative {
		return 0
	}
	return n
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
