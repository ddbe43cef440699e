package sanitize

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// metricSink keeps what it is given and fails, like the OTLP exporter, on
// invalid text.
type metricSink struct {
	got []*metricdata.ResourceMetrics
}

func (s *metricSink) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (s *metricSink) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (s *metricSink) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	s.got = append(s.got, rm)
	if rm == nil {
		return nil
	}
	return checkMetrics(rm)
}

func (*metricSink) ForceFlush(context.Context) error { return nil }
func (*metricSink) Shutdown(context.Context) error   { return nil }

func checkMetrics(rm *metricdata.ResourceMetrics) error {
	errs := []error{checkResource(rm.Resource)}
	for _, sm := range rm.ScopeMetrics {
		errs = append(errs, checkScope(sm.Scope))
		for _, m := range sm.Metrics {
			errs = append(errs, checkString("name", m.Name), checkString("description", m.Description), checkString("unit", m.Unit))
			forEachPoint(m.Data, func(attrs attribute.Set, exemplars [][]attribute.KeyValue) {
				errs = append(errs, checkSet(attrs))
				for _, ex := range exemplars {
					errs = append(errs, checkKVs(ex))
				}
			})
		}
	}
	return errors.Join(errs...)
}

// forEachPoint calls f with every data point's attributes and its
// exemplars' filtered attributes.
func forEachPoint(a metricdata.Aggregation, f func(attribute.Set, [][]attribute.KeyValue)) {
	switch d := a.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.Histogram[int64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.ExponentialHistogram[int64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.ExponentialHistogram[float64]:
		for _, p := range d.DataPoints {
			f(p.Attributes, exemplarAttrs(p.Exemplars))
		}
	case metricdata.Summary:
		for _, p := range d.DataPoints {
			f(p.Attributes, nil)
		}
	}
}

func exemplarAttrs[N int64 | float64](ex []metricdata.Exemplar[N]) [][]attribute.KeyValue {
	var out [][]attribute.KeyValue
	for _, e := range ex {
		out = append(out, e.FilteredAttributes)
	}
	return out
}

// hostileMetrics records, through a real SDK meter provider, every
// aggregation the SDK builds with invalid text in the attributes, the
// description, the scope, the resource and (through a view that filters
// an attribute out, in a sampled span) the exemplars' filtered attributes;
// a summary and an invalid metric name are added by hand, as the SDK makes
// neither.
func hostileMetrics(t *testing.T) *metricdata.ResourceMetrics {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	keepValid := sdkmetric.NewView(sdkmetric.Instrument{Name: "*"}, sdkmetric.Stream{
		AttributeFilter: attribute.NewDenyKeysFilter("filtered"),
	})
	expo := sdkmetric.NewView(sdkmetric.Instrument{Name: "exp.*"}, sdkmetric.Stream{
		Aggregation:     sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20},
		AttributeFilter: attribute.NewDenyKeysFilter("filtered"),
	})
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(expo, keepValid),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOnFilter),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", bad))))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	meter := mp.Meter(bad, metric.WithInstrumentationVersion(bad), metric.WithSchemaURL(bad))

	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("t").Start(context.Background(), "sampled")
	defer span.End()
	attrs := metric.WithAttributes(attribute.String("route", "/orders/"+bad), attribute.String("filtered", bad),
		attribute.String("k"+bad, "v"))

	c, _ := meter.Int64Counter("requests", metric.WithDescription("count "+bad), metric.WithUnit("{req}"))
	c.Add(ctx, 1, attrs)
	fc, _ := meter.Float64UpDownCounter("inflight", metric.WithDescription(bad))
	fc.Add(ctx, 1.5, attrs)
	g, _ := meter.Int64Gauge("gauge")
	g.Record(ctx, 3, attrs)
	fg, _ := meter.Float64Gauge("fgauge")
	fg.Record(ctx, 3.5, attrs)
	h, _ := meter.Float64Histogram("duration", metric.WithUnit("s"))
	h.Record(ctx, 0.2, attrs)
	ih, _ := meter.Int64Histogram("size")
	ih.Record(ctx, 20, attrs)
	eh, _ := meter.Float64Histogram("exp.duration")
	eh.Record(ctx, 0.3, attrs)
	ieh, _ := meter.Int64Histogram("exp.size")
	ieh.Record(ctx, 30, attrs)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	rm.ScopeMetrics = append(rm.ScopeMetrics, metricdata.ScopeMetrics{
		Scope: instrumentation.Scope{Name: "ok"},
		Metrics: []metricdata.Metrics{{Name: "name" + bad, Unit: "u" + bad, Data: metricdata.Summary{
			DataPoints: []metricdata.SummaryDataPoint{{Attributes: attribute.NewSet(attribute.String("q", bad))}},
		}}},
	})
	return &rm
}

func TestMetricExporterCleansEveryField(t *testing.T) {
	rm := hostileMetrics(t)
	if checkMetrics(rm) == nil {
		t.Fatal("the hostile metrics are valid: the test proves nothing")
	}
	kinds := map[string]bool{}
	exemplars := 0
	for _, m := range rm.ScopeMetrics[0].Metrics {
		kinds[typeName(m.Data)] = true
		forEachPoint(m.Data, func(_ attribute.Set, ex [][]attribute.KeyValue) { exemplars += len(ex) })
	}
	if len(kinds) != 8 || exemplars < 8 {
		t.Fatalf("setup: %d aggregation types %v, %d exemplars; want 8 and >= 8", len(kinds), kinds, exemplars)
	}

	sink := &metricSink{}
	if err := MetricExporter(sink).Export(context.Background(), rm); err != nil {
		t.Fatalf("export failed: %v", err)
	}
	out := sink.got[0]
	if out == rm {
		t.Fatal("the reader's ResourceMetrics was passed on (or modified in place)")
	}
	if checkMetrics(rm) == nil {
		t.Error("the reader's ResourceMetrics was modified")
	}
	m := out.ScopeMetrics[0].Metrics[0]
	if m.Description != "count "+good || out.ScopeMetrics[0].Scope.Name != good {
		t.Errorf("description %q scope %q", m.Description, out.ScopeMetrics[0].Scope.Name)
	}
	p := m.Data.(metricdata.Sum[int64]).DataPoints[0]
	if v, _ := p.Attributes.Value("route"); v.AsString() != "/orders/"+good || p.Value != 1 {
		t.Errorf("data point = %v %d", p.Attributes.ToSlice(), p.Value)
	}
	if len(p.Exemplars) != 1 || p.Exemplars[0].FilteredAttributes[0].Value.AsString() != good ||
		len(p.Exemplars[0].TraceID) != 16 {
		t.Errorf("exemplar = %+v", p.Exemplars)
	}
	if s := out.ScopeMetrics[1].Metrics[0]; s.Name != "name"+good || s.Unit != "u"+good {
		t.Errorf("summary metric = %q %q", s.Name, s.Unit)
	}
	if v, _ := out.Resource.Set().Value("service.name"); v.AsString() != good {
		t.Errorf("resource = %v", out.Resource)
	}
}

func TestMetricExporterPassesValidDataAsIs(t *testing.T) {
	rm := &metricdata.ResourceMetrics{
		Resource: resource.NewSchemaless(attribute.String("service.name", "ok")),
		ScopeMetrics: []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: "s"}, Metrics: []metricdata.Metrics{{
			Name: "m", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{
				Attributes: attribute.NewSet(attribute.String("a", "ü")), Value: 1,
				Exemplars: []metricdata.Exemplar[int64]{{FilteredAttributes: []attribute.KeyValue{attribute.String("f", "ok")}}},
			}}},
		}}}},
	}
	sink := &metricSink{}
	if err := MetricExporter(sink).Export(context.Background(), rm); err != nil {
		t.Fatal(err)
	}
	if sink.got[0] != rm {
		t.Error("valid metrics were copied")
	}
	if err := MetricExporter(sink).Export(context.Background(), nil); err != nil {
		t.Errorf("nil ResourceMetrics: %v", err)
	}
	if MetricExporter(nil) != nil {
		t.Error("MetricExporter(nil) is not nil")
	}
}

func typeName(a metricdata.Aggregation) string {
	switch a.(type) {
	case metricdata.Sum[int64]:
		return "sum-int"
	case metricdata.Sum[float64]:
		return "sum-float"
	case metricdata.Gauge[int64]:
		return "gauge-int"
	case metricdata.Gauge[float64]:
		return "gauge-float"
	case metricdata.Histogram[int64]:
		return "hist-int"
	case metricdata.Histogram[float64]:
		return "hist-float"
	case metricdata.ExponentialHistogram[int64]:
		return "exp-int"
	case metricdata.ExponentialHistogram[float64]:
		return "exp-float"
	}
	return "other"
}
