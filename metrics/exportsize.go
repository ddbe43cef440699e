package metrics

import (
	"context"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/exportwrap"
)

// A collection is one export, however many series it holds: three HTTP
// histograms at the default cardinality limit (2000 series each, with
// exemplars) make 4.6 MB, which a collector refuses over gRPC (4 MiB) at
// every interval, all of it. sizeBounded cuts such an export into parts
// under the limit with the one split loop of spans and log records
// (exportsize.Bound), over the collection's data points in order: a part
// is a ResourceMetrics with the same resource, its scopes, and of each
// metric its name, description, unit, temporality and a run of its data
// points (sub-slices, not copies). An export under the limit, the common
// case, is a walk of the estimates and goes out as it came.

// sizeBounded returns exp with each export over limit bytes cut into parts
// under it; a data point over limit on its own is not exported but
// reported to drop as exportsize.TooLarge, and the rest goes.
// NewMeterProvider puts it outermost, so that the export-health wrapper
// inside counts each part. A collection abandoned at Shutdown
// (exportwrap.Abandon) is passed on whole: it is not sent, and the
// export-health wrapper counts it as one, beside an export in progress
// whose parts it counts.
func sizeBounded(exp sdkmetric.Exporter, limit int, drop func(reason string, n int)) sdkmetric.Exporter {
	b := exportsize.Bound[pointRef]{Limit: limit, Size: func(p *pointRef) int { return p.size }, Drop: drop}
	return exportwrap.Metrics(exp, func(ctx context.Context, rm *metricdata.ResourceMetrics, export func(context.Context, *metricdata.ResourceMetrics) error) error {
		if rm == nil || exportwrap.Abandoned(ctx) || resourceMetricsSize(rm) <= limit {
			return export(ctx, rm)
		}
		return b.Around(ctx, pointRefs(rm), func(ctx context.Context, part []pointRef) error {
			return export(ctx, assemble(rm, part))
		})
	})
}

// pointRef is one data point of a collection (or a metric without data
// points: point -1) and the bytes it adds to an export: its own, its
// metric's and its scope's, from above.
type pointRef struct {
	scope, metric, point int
	size                 int
}

// Bounds of the protobuf bytes of a metric besides its texts (data
// wrapper, temporality, monotonic), of a data point besides its
// attributes, exemplars and buckets (times, value, count, sum, min, max,
// flags, scale, offsets, zero count), of an exemplar besides its
// attributes and IDs, and of a bucket count, a bound and a quantile, with
// room to spare.
const (
	metricFraming   = 32
	pointFraming    = 128
	exemplarFraming = 48
	bucketFraming   = 11 // a fixed64 count or double bound packed: 8; a varint count: 10
	quantileFraming = 24
	repeatedFraming = 3 * exportsize.Framing // the packed counts and bounds; positive and negative buckets
)

// resourceMetricsSize estimates from above the bytes rm's scopes and
// metrics take in an export (the resource is left to the room the bound
// leaves).
func resourceMetricsSize(rm *metricdata.ResourceMetrics) int {
	n := 0
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		n += exportsize.Scope(sm.Scope)
		for j := range sm.Metrics {
			m := &sm.Metrics[j]
			n += metricSize(m)
			pointSizes(m.Data, func(size int) { n += size })
		}
	}
	return n
}

// pointRefs lists the data points of rm in order, each with its size and
// that of its metric and scope, for exportsize.Bound.
func pointRefs(rm *metricdata.ResourceMetrics) []pointRef {
	var refs []pointRef
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		scope := exportsize.Scope(sm.Scope)
		for j := range sm.Metrics {
			header := scope + metricSize(&sm.Metrics[j])
			k := 0
			pointSizes(sm.Metrics[j].Data, func(size int) {
				refs = append(refs, pointRef{scope: i, metric: j, point: k, size: header + size})
				k++
			})
			if k == 0 { // kept, although it carries no data point
				refs = append(refs, pointRef{scope: i, metric: j, point: -1, size: header})
			}
		}
	}
	return refs
}

// assemble returns the part of rm that refs, a run of consecutive data
// points of pointRefs(rm), hold.
func assemble(rm *metricdata.ResourceMetrics, refs []pointRef) *metricdata.ResourceMetrics {
	part := &metricdata.ResourceMetrics{Resource: rm.Resource}
	scope := -1
	for start := 0; start < len(refs); {
		r := refs[start]
		end := start + 1 // past the run of r's metric
		for end < len(refs) && refs[end].scope == r.scope && refs[end].metric == r.metric {
			end++
		}
		if r.scope != scope {
			scope = r.scope
			part.ScopeMetrics = append(part.ScopeMetrics, metricdata.ScopeMetrics{Scope: rm.ScopeMetrics[scope].Scope})
		}
		m := rm.ScopeMetrics[scope].Metrics[r.metric] // a copy: name, description, unit, data
		if r.point >= 0 {
			m.Data = pointRun(m.Data, r.point, refs[end-1].point+1)
		}
		sm := &part.ScopeMetrics[len(part.ScopeMetrics)-1]
		sm.Metrics = append(sm.Metrics, m)
		start = end
	}
	return part
}

// metricSize returns the bytes m's name, description and unit take.
func metricSize(m *metricdata.Metrics) int {
	return metricFraming + exportsize.Text(m.Name) + exportsize.Text(m.Description) + exportsize.Text(m.Unit)
}

// pointSizes calls add with the size of each data point of a, in order.
func pointSizes(a metricdata.Aggregation, add func(int)) {
	if !pointSizesOf[int64](a, add) && !pointSizesOf[float64](a, add) {
		if s, ok := a.(metricdata.Summary); ok {
			each(s.DataPoints, summarySize, add)
		}
	}
}

// pointSizesOf is pointSizes for the aggregations of N (false for any
// other).
func pointSizesOf[N int64 | float64](a metricdata.Aggregation, add func(int)) bool {
	switch d := a.(type) {
	case metricdata.Sum[N]:
		each(d.DataPoints, numberSize[N], add)
	case metricdata.Gauge[N]:
		each(d.DataPoints, numberSize[N], add)
	case metricdata.Histogram[N]:
		each(d.DataPoints, histogramSize[N], add)
	case metricdata.ExponentialHistogram[N]:
		each(d.DataPoints, exponentialSize[N], add)
	default:
		return false
	}
	return true
}

func each[D any](dps []D, size func(*D) int, add func(int)) {
	for i := range dps {
		add(size(&dps[i]))
	}
}

func numberSize[N int64 | float64](p *metricdata.DataPoint[N]) int {
	return pointFraming + exportsize.Set(&p.Attributes) + exemplarsSize(p.Exemplars)
}

func histogramSize[N int64 | float64](p *metricdata.HistogramDataPoint[N]) int {
	return pointFraming + repeatedFraming + bucketFraming*(len(p.Bounds)+len(p.BucketCounts)) +
		exportsize.Set(&p.Attributes) + exemplarsSize(p.Exemplars)
}

func exponentialSize[N int64 | float64](p *metricdata.ExponentialHistogramDataPoint[N]) int {
	return pointFraming + repeatedFraming + bucketFraming*(len(p.PositiveBucket.Counts)+len(p.NegativeBucket.Counts)) +
		exportsize.Set(&p.Attributes) + exemplarsSize(p.Exemplars)
}

func summarySize(p *metricdata.SummaryDataPoint) int {
	return pointFraming + quantileFraming*len(p.QuantileValues) + exportsize.Set(&p.Attributes)
}

func exemplarsSize[N int64 | float64](es []metricdata.Exemplar[N]) int {
	n := 0
	for i := range es {
		n += exemplarFraming + len(es[i].SpanID) + len(es[i].TraceID) + exportsize.KeyValues(es[i].FilteredAttributes)
	}
	return n
}

// pointRun returns a with only its data points [lo, hi), the rest of it
// (temporality, monotonic) as it was.
func pointRun(a metricdata.Aggregation, lo, hi int) metricdata.Aggregation {
	if r, ok := pointRunOf[int64](a, lo, hi); ok {
		return r
	}
	if r, ok := pointRunOf[float64](a, lo, hi); ok {
		return r
	}
	if s, ok := a.(metricdata.Summary); ok {
		s.DataPoints = s.DataPoints[lo:hi]
		return s
	}
	return a
}

// pointRunOf is pointRun for the aggregations of N (false for any other).
func pointRunOf[N int64 | float64](a metricdata.Aggregation, lo, hi int) (metricdata.Aggregation, bool) {
	switch d := a.(type) {
	case metricdata.Sum[N]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d, true
	case metricdata.Gauge[N]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d, true
	case metricdata.Histogram[N]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d, true
	case metricdata.ExponentialHistogram[N]:
		d.DataPoints = d.DataPoints[lo:hi]
		return d, true
	}
	return nil, false
}
