package metrics

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelkit/otelkit/internal/panictext"
)

// OverflowAttribute is the attribute of the one series into which the SDK
// aggregates an instrument's measurements past its cardinality limit.
const OverflowAttribute = "otel.metric.overflow"

// overflowSet is the attribute set of that series.
var overflowSet = attribute.NewSet(attribute.Bool(OverflowAttribute, true))

// maxOverflowReported bounds how many instruments an overflowWatch
// remembers, and so reports.
const maxOverflowReported = 1000

// overflowWatch reports each instrument whose data holds the overflow
// series, once: the totals stay right, but which attribute sets the
// measurements past the limit had is lost, and the SDK says nothing. It
// sees what the exporters and the Prometheus endpoint are given (readers
// of your own, WithReader, are not watched). An instrument is its scope
// and name: two libraries may name theirs alike.
type overflowWatch struct {
	report func(scope, instrument string)

	mu   sync.Mutex
	seen map[overflowKey]struct{}
}

type overflowKey struct{ scope, instrument string }

// newOverflowWatch returns a watch that calls handlers with each
// instrument and limit, or nil without a handler.
func newOverflowWatch(handlers []func(scope, instrument string, limit int), limit int) *overflowWatch {
	if len(handlers) == 0 {
		return nil
	}
	report := func(scope, instrument string) {
		for _, h := range handlers {
			callHandler(h, scope, instrument, limit)
		}
	}
	return &overflowWatch{report: report, seen: map[overflowKey]struct{}{}}
}

// callHandler calls h, a handler of the program's, turning a panic into
// an error for otel.Handle: it runs on the periodic reader's goroutine or
// in a scrape, where it would end the process or fail the export.
func callHandler(h func(scope, instrument string, limit int), scope, instrument string, limit int) {
	defer panictext.Handle("the WithOverflowHandler handler")
	h(scope, instrument, limit)
}

// around scans each export's data before it is exported (an
// exportwrap.Around).
func (w *overflowWatch) around(ctx context.Context, rm *metricdata.ResourceMetrics, export func(context.Context, *metricdata.ResourceMetrics) error) error {
	if rm != nil {
		w.scan(rm.ScopeMetrics)
	}
	return export(ctx, rm)
}

// scan reports the instruments of sms that reached their limit, unless
// reported before. A nil watch does nothing.
func (w *overflowWatch) scan(sms []metricdata.ScopeMetrics) {
	if w == nil {
		return
	}
	for _, sm := range sms {
		for _, m := range sm.Metrics {
			if overflowed(m.Data) {
				w.note(overflowKey{sm.Scope.Name, m.Name})
			}
		}
	}
}

func (w *overflowWatch) note(k overflowKey) {
	w.mu.Lock()
	_, seen := w.seen[k]
	full := len(w.seen) >= maxOverflowReported
	if !seen && !full {
		w.seen[k] = struct{}{}
	}
	w.mu.Unlock()
	if !seen && !full {
		w.report(k.scope, k.instrument)
	}
}

// overflowed reports whether an aggregation holds the overflow series.
func overflowed(a metricdata.Aggregation) bool {
	return overflowedOf[int64](a) || overflowedOf[float64](a)
}

// overflowedOf is overflowed for the aggregations of N (false for any
// other).
func overflowedOf[N int64 | float64](a metricdata.Aggregation) bool {
	switch d := a.(type) {
	case metricdata.Sum[N]:
		return anyOverflow(d.DataPoints, pointSet[N])
	case metricdata.Gauge[N]:
		return anyOverflow(d.DataPoints, pointSet[N])
	case metricdata.Histogram[N]:
		return anyOverflow(d.DataPoints, histogramSet[N])
	case metricdata.ExponentialHistogram[N]:
		return anyOverflow(d.DataPoints, exponentialSet[N])
	}
	return false
}

// anyOverflow reports whether one of dps is the overflow series; a set of
// another length is told apart without comparing.
func anyOverflow[D any](dps []D, set func(*D) *attribute.Set) bool {
	for i := range dps {
		if s := set(&dps[i]); s.Len() == 1 && s.Equals(&overflowSet) {
			return true
		}
	}
	return false
}

func pointSet[N int64 | float64](p *metricdata.DataPoint[N]) *attribute.Set { return &p.Attributes }

func histogramSet[N int64 | float64](p *metricdata.HistogramDataPoint[N]) *attribute.Set {
	return &p.Attributes
}

func exponentialSet[N int64 | float64](p *metricdata.ExponentialHistogramDataPoint[N]) *attribute.Set {
	return &p.Attributes
}
