package exportwrap

import "go.opentelemetry.io/otel/sdk/metric/metricdata"

// DataPoints counts the data points in rm, as the collector counts them:
// what otel's export-health wrapper counts of each metric export, and what
// the periodic reader's Shutdown names of a collection it did not export.
func DataPoints(rm *metricdata.ResourceMetrics) int {
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
