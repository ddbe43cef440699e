package sanitize

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// MetricExporter returns exp wrapped so that every export it is given has
// valid UTF-8 text (see the package doc). Temporality, Aggregation,
// ForceFlush and Shutdown go to exp. A nil exp is returned as nil.
//
// The reader's ResourceMetrics is never modified (the reader reuses it);
// when something is invalid, exp gets a copy that shares every part that
// was valid.
func MetricExporter(exp sdkmetric.Exporter) sdkmetric.Exporter {
	if exp == nil {
		return nil
	}
	return &metricExporter{Exporter: exp}
}

type metricExporter struct {
	sdkmetric.Exporter
	res resourceCache
}

var _ sdkmetric.Exporter = (*metricExporter)(nil)

func (e *metricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if rm == nil {
		return e.Exporter.Export(ctx, rm)
	}
	res, resChanged := e.res.clean(rm.Resource)
	scopes, scopesChanged := cleanEach(rm.ScopeMetrics, cleanScopeMetrics)
	if !resChanged && !scopesChanged {
		return e.Exporter.Export(ctx, rm)
	}
	return e.Exporter.Export(ctx, &metricdata.ResourceMetrics{Resource: res, ScopeMetrics: scopes})
}

// cleanEach returns items, or a copy in which the items fix changed are
// replaced by their fixed versions. fix gets a copy of the item: it may
// change the copy's fields but must not write through them.
func cleanEach[T any](items []T, fix func(*T) bool) ([]T, bool) {
	return cleanSlice(items, func(p *T) (T, bool) {
		item := *p
		changed := fix(&item) // before item is read for the result
		return item, changed
	})
}

func cleanScopeMetrics(sm *metricdata.ScopeMetrics) bool {
	scope, sc := Scope(sm.Scope)
	ms, mc := cleanEach(sm.Metrics, cleanMetric)
	sm.Scope, sm.Metrics = scope, ms
	return sc || mc
}

func cleanMetric(m *metricdata.Metrics) bool {
	name, nc := String(m.Name)
	desc, dc := String(m.Description)
	unit, uc := String(m.Unit)
	data, ac := cleanAggregation(m.Data)
	m.Name, m.Description, m.Unit, m.Data = name, desc, unit, data
	return nc || dc || uc || ac
}

// cleanAggregation cleans the data points of every aggregation the SDK
// produces; an aggregation of another type is passed on unchanged.
func cleanAggregation(a metricdata.Aggregation) (metricdata.Aggregation, bool) {
	if out, changed := cleanPoints(a); changed {
		return out, true
	}
	return a, false
}

func cleanPoints(a metricdata.Aggregation) (metricdata.Aggregation, bool) {
	switch d := a.(type) {
	case metricdata.Sum[int64]:
		return withPoints(&d, &d.DataPoints, cleanPoint[int64])
	case metricdata.Sum[float64]:
		return withPoints(&d, &d.DataPoints, cleanPoint[float64])
	case metricdata.Gauge[int64]:
		return withPoints(&d, &d.DataPoints, cleanPoint[int64])
	case metricdata.Gauge[float64]:
		return withPoints(&d, &d.DataPoints, cleanPoint[float64])
	case metricdata.Histogram[int64]:
		return withPoints(&d, &d.DataPoints, cleanHistogramPoint[int64])
	case metricdata.Histogram[float64]:
		return withPoints(&d, &d.DataPoints, cleanHistogramPoint[float64])
	case metricdata.ExponentialHistogram[int64]:
		return withPoints(&d, &d.DataPoints, cleanExpHistogramPoint[int64])
	case metricdata.ExponentialHistogram[float64]:
		return withPoints(&d, &d.DataPoints, cleanExpHistogramPoint[float64])
	case metricdata.Summary:
		return withPoints(&d, &d.DataPoints, cleanSummaryPoint)
	}
	return nil, false
}

// withPoints cleans *points, a field of *agg (a local copy of the
// reader's aggregation), and returns *agg as an Aggregation.
func withPoints[A metricdata.Aggregation, P any](agg *A, points *[]P, fix func(*P) bool) (metricdata.Aggregation, bool) {
	var changed bool
	if *points, changed = cleanEach(*points, fix); !changed {
		return nil, false // the caller keeps its own; boxing *agg would allocate
	}
	return *agg, true
}

func cleanPoint[N int64 | float64](p *metricdata.DataPoint[N]) bool {
	return cleanAttrsAndExemplars(&p.Attributes, &p.Exemplars)
}

func cleanHistogramPoint[N int64 | float64](p *metricdata.HistogramDataPoint[N]) bool {
	return cleanAttrsAndExemplars(&p.Attributes, &p.Exemplars)
}

func cleanExpHistogramPoint[N int64 | float64](p *metricdata.ExponentialHistogramDataPoint[N]) bool {
	return cleanAttrsAndExemplars(&p.Attributes, &p.Exemplars)
}

func cleanSummaryPoint(p *metricdata.SummaryDataPoint) bool {
	var changed bool
	p.Attributes, changed = Set(p.Attributes)
	return changed
}

func cleanAttrsAndExemplars[N int64 | float64](attrs *attribute.Set, exemplars *[]metricdata.Exemplar[N]) bool {
	var ac, ec bool
	*attrs, ac = Set(*attrs)
	*exemplars, ec = cleanEach(*exemplars, func(x *metricdata.Exemplar[N]) bool {
		var changed bool
		x.FilteredAttributes, changed = KeyValues(x.FilteredAttributes)
		return changed
	})
	return ac || ec
}

// ScopeMetrics returns sms, or a copy in which every invalid text is made
// valid, for a pull exporter, which has no Export to wrap. sms is never
// modified.
func ScopeMetrics(sms []metricdata.ScopeMetrics) []metricdata.ScopeMetrics {
	clean, _ := cleanEach(sms, cleanScopeMetrics)
	return clean
}
