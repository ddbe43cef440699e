package metrics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkinstrumentation "go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

// partRecorder keeps, of each export it gets, its estimated size and one
// line per data point ("scope/metric identity/point"); the exports whose
// index is in fail fail.
type partRecorder struct {
	sdkmetric.Exporter
	res    *resource.Resource
	sizes  []int
	points [][]string
	fail   []int
}

func (e *partRecorder) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	var points []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			id := sm.Scope.Name + "/" + metricIdentity(m)
			ids := pointIDs(m.Data)
			if len(ids) == 0 {
				points = append(points, id+"/none")
			}
			for _, p := range ids {
				points = append(points, id+"/"+p)
			}
		}
	}
	if rm.Resource != e.res {
		points = append(points, "another resource")
	}
	i := len(e.points)
	e.sizes, e.points = append(e.sizes, resourceMetricsSize(rm)), append(e.points, points)
	if slices.Contains(e.fail, i) {
		return errors.New("refused")
	}
	return nil
}

// metricIdentity is what each part must keep of a metric besides its data
// points: name, description, unit, type, temporality, monotonic.
func metricIdentity(m metricdata.Metrics) string {
	var kind string
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		kind = fmt.Sprint("sum ", d.Temporality, d.IsMonotonic)
	case metricdata.Sum[float64]:
		kind = fmt.Sprint("sum ", d.Temporality, d.IsMonotonic)
	case metricdata.Histogram[float64]:
		kind = fmt.Sprint("histogram ", d.Temporality)
	case metricdata.ExponentialHistogram[int64]:
		kind = fmt.Sprint("exponential ", d.Temporality)
	default:
		kind = fmt.Sprintf("%T", d)
	}
	return m.Name + "|" + m.Description + "|" + m.Unit + "|" + kind
}

// pointIDs returns the "i" attribute of each data point of a.
func pointIDs(a metricdata.Aggregation) []string {
	var ids []string
	id := func(s attribute.Set) {
		v, _ := s.Value("i")
		ids = append(ids, v.String())
	}
	switch d := a.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			id(p.Attributes)
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			id(p.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			id(p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			id(p.Attributes)
		}
	case metricdata.ExponentialHistogram[int64]:
		for _, p := range d.DataPoints {
			id(p.Attributes)
		}
	case metricdata.Summary:
		for _, p := range d.DataPoints {
			id(p.Attributes)
		}
	}
	return ids
}

// testCollection returns a collection of two scopes holding a sum, a
// histogram with exemplars, a gauge, an exponential histogram, a summary
// and a sum without data points; each point has an "i" attribute and a
// value of pad bytes; the histogram's point huge (if >= 0) has one of
// hugeSize bytes.
func testCollection(points, pad, huge, hugeSize int) *metricdata.ResourceMetrics {
	attrs := func(i int) attribute.Set {
		return attribute.NewSet(attribute.Int("i", i), attribute.String("v", strings.Repeat("x", pad)))
	}
	histAttrs := func(i int) attribute.Set {
		if i == huge {
			return attribute.NewSet(attribute.Int("i", i), attribute.String("v", strings.Repeat("x", hugeSize)))
		}
		return attrs(i)
	}
	var (
		sum   metricdata.Sum[int64]
		hist  metricdata.Histogram[float64]
		gauge metricdata.Gauge[float64]
		exp   metricdata.ExponentialHistogram[int64]
		sumry metricdata.Summary
	)
	sum.Temporality, sum.IsMonotonic = metricdata.CumulativeTemporality, true
	hist.Temporality, exp.Temporality = metricdata.DeltaTemporality, metricdata.CumulativeTemporality
	bounds := []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}
	for i := range points {
		sum.DataPoints = append(sum.DataPoints, metricdata.DataPoint[int64]{Attributes: attrs(i), Value: 1})
		hist.DataPoints = append(hist.DataPoints, metricdata.HistogramDataPoint[float64]{
			Attributes: histAttrs(i), Count: 1, Bounds: bounds, BucketCounts: make([]uint64, len(bounds)+1),
			Exemplars: []metricdata.Exemplar[float64]{{Value: 0.04, SpanID: make([]byte, 8), TraceID: make([]byte, 16),
				FilteredAttributes: []attribute.KeyValue{attribute.String("server.address", "checkout.internal")}}},
		})
		gauge.DataPoints = append(gauge.DataPoints, metricdata.DataPoint[float64]{Attributes: attrs(i), Value: 0.5})
		exp.DataPoints = append(exp.DataPoints, metricdata.ExponentialHistogramDataPoint[int64]{
			Attributes: attrs(i), Count: 3, PositiveBucket: metricdata.ExponentialBucket{Counts: make([]uint64, 20)},
		})
		sumry.DataPoints = append(sumry.DataPoints, metricdata.SummaryDataPoint{
			Attributes: attrs(i), QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5}, {Quantile: 0.99}},
		})
	}
	return &metricdata.ResourceMetrics{
		Resource: resource.NewSchemaless(attribute.String("service.name", "checkout")),
		ScopeMetrics: []metricdata.ScopeMetrics{
			{Scope: sdkinstrumentation.Scope{Name: "lib.a"}, Metrics: []metricdata.Metrics{
				{Name: "jobs.done", Description: "Jobs done.", Unit: "{job}", Data: sum},
				{Name: "http.server.request.duration", Description: "Duration.", Unit: "s", Data: hist},
			}},
			{Scope: sdkinstrumentation.Scope{Name: "lib.b"}, Metrics: []metricdata.Metrics{
				{Name: "queue.fill", Unit: "1", Data: gauge},
				{Name: "payload.size", Unit: "By", Data: exp},
				{Name: "latency", Unit: "s", Data: sumry},
				{Name: "idle", Data: metricdata.Sum[float64]{Temporality: metricdata.DeltaTemporality}},
			}},
		},
	}
}

// TestSizeBoundedSplitsMetricsAndDropsOnlyTheHugePoint: a collection over
// the limit goes in several exports under it; every data point is
// exported once, in order, each part with the same resource and, of each
// metric, its scope, name, description, unit, type and temporality; a
// data point over the limit alone is not exported but counted as
// too_large, its neighbours go; an export that fails does not stop the
// others. Exported whole, the collector refused the collection and every
// point in it was lost.
func TestSizeBoundedSplitsMetricsAndDropsOnlyTheHugePoint(t *testing.T) {
	const limit, points, huge = 4096, 12, 5
	rm := testCollection(points, 200, huge, limit)
	var want []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			id := sm.Scope.Name + "/" + metricIdentity(m)
			if len(pointIDs(m.Data)) == 0 {
				want = append(want, id+"/none")
			}
			for _, p := range pointIDs(m.Data) {
				if m.Name != "http.server.request.duration" || p != fmt.Sprint(huge) {
					want = append(want, id+"/"+p)
				}
			}
		}
	}
	rec := &partRecorder{res: rm.Resource, fail: []int{1}}
	drops := map[string]int{}
	exp := sizeBounded(rec, limit, func(reason string, n int) { drops[reason] += n })

	err := exp.Export(context.Background(), rm)

	var got []string
	for i, p := range rec.points {
		if rec.sizes[i] > limit {
			t.Errorf("export %d: %d bytes estimated, over the limit %d", i, rec.sizes[i], limit)
		}
		got = append(got, p...)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exported\n%s\nwant every point but the huge one once, in order, with its metric:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(rec.points) < 4 || drops[exportsize.TooLarge] != 1 || len(drops) != 1 {
		t.Errorf("%d exports, drops %v; want several and one too_large", len(rec.points), drops)
	}
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %v, want the failed export's", err)
	}
	if n := dataPointCount(rm); n != 5*points {
		t.Errorf("the collection holds %d data points after the export, want the %d it had", n, 5*points)
	}
}

// TestSizeBoundedOneExportUnderTheLimit: a collection under the limit is
// one export of the same ResourceMetrics, not a copy; so is nil.
func TestSizeBoundedOneExportUnderTheLimit(t *testing.T) {
	rm := testCollection(10, 20, -1, 0)
	var got []*metricdata.ResourceMetrics
	exp := sizeBounded(exportFunc(func(_ context.Context, rm *metricdata.ResourceMetrics) error {
		got = append(got, rm)
		return nil
	}), grpcLimit, func(string, int) { t.Error("dropped") })
	for _, in := range []*metricdata.ResourceMetrics{rm, nil} {
		got = nil
		if err := exp.Export(context.Background(), in); err != nil || len(got) != 1 || got[0] != in {
			t.Errorf("err %v, exports %v; want one export of %p", err, got, in)
		}
	}
}

// TestSizeBoundedPassesAnAbandonedCollectionWhole: a collection Shutdown
// abandons (exportwrap.Abandon), however large, reaches the wrappers
// inside whole and no exporter's Export, and nothing of it is dropped as
// too_large. Cut into parts, the export-health wrapper inside summed them
// with the parts of the export in progress beside it.
func TestSizeBoundedPassesAnAbandonedCollectionWhole(t *testing.T) {
	const limit = 4096
	rm := testCollection(12, 200, 5, limit)
	var seen []*metricdata.ResourceMetrics
	inner := exportwrap.Metrics(exportFunc(func(context.Context, *metricdata.ResourceMetrics) error {
		t.Error("the abandoned collection was exported")
		return nil
	}), func(ctx context.Context, rm *metricdata.ResourceMetrics, export func(context.Context, *metricdata.ResourceMetrics) error) error {
		seen = append(seen, rm)
		return export(ctx, rm)
	})
	exp := sizeBounded(inner, limit, func(reason string, n int) { t.Errorf("%d dropped as %s", n, reason) })
	if err := exportwrap.Abandon(context.Background(), exp, rm); !errors.Is(err, exportwrap.ErrAbandoned) {
		t.Errorf("Abandon: %v, want ErrAbandoned", err)
	}
	if len(seen) != 1 || seen[0] != rm {
		t.Errorf("the wrapper inside saw %d collections, want the abandoned one whole", len(seen))
	}
}

var grpcLimit = exportsize.Limit(otlpconf.Resolved{Exporter: otlpconf.ExporterOTLP, Protocol: otlpconf.ProtocolGRPC})

// exportFunc is an exporter whose Export is the function.
type exportFunc func(context.Context, *metricdata.ResourceMetrics) error

func (f exportFunc) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return f(ctx, rm)
}
func (exportFunc) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}
func (exportFunc) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}
func (exportFunc) ForceFlush(context.Context) error { return nil }
func (exportFunc) Shutdown(context.Context) error   { return nil }

// TestMetricSizeFromAbove: the estimate of what a provider exports is at
// least the protobuf bytes the OTLP/gRPC exporter sends for it (the
// resource, which the bound leaves room for, added), for every kind of
// aggregation, exemplars and invalid UTF-8 included (sent as U+FFFD).
func TestMetricSizeFromAbove(t *testing.T) {
	col := fakeotlp.NewGRPC(t, fakeotlp.Behaviour{Keep: true})
	var estimates []int
	measure := func(exp sdkmetric.Exporter) sdkmetric.Exporter {
		return exportwrap.Metrics(exp, func(ctx context.Context, rm *metricdata.ResourceMetrics, export func(context.Context, *metricdata.ResourceMetrics) error) error {
			estimates = append(estimates, resourceMetricsSize(rm)+exportsize.Framing+exportsize.Set(rm.Resource.Set()))
			return export(ctx, rm)
		})
	}
	exponential := func(i sdkmetric.Instrument) (sdkmetric.Stream, bool) {
		if i.Name != "payload.size" {
			return sdkmetric.Stream{}, false
		}
		return sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}}, true
	}
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithEndpoint(col.Endpoint), WithProtocol("grpc"), WithExporterWrapper(measure), WithView(exponential),
		WithExemplarFilter("always_on"), WithExportInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled}))
	meter := p.Meter("lib.a")
	hist, _ := meter.Float64Histogram("http.server.request.duration", metric.WithUnit("s"), metric.WithDescription("Duration."))
	sizes, _ := meter.Int64Histogram("payload.size", metric.WithUnit("By"))
	counter, _ := meter.Int64Counter("jobs.done")
	gauge, _ := meter.Float64Gauge("queue.fill")
	for i := range 200 {
		attrs := metric.WithAttributes(attribute.Int("i", i), attribute.String("http.route", "/orders/{id}"),
			attribute.String("bad", "\xff\xfe"+strings.Repeat("\xc3", i)))
		for _, v := range []float64{0.001, 0.3, 7, 12} {
			hist.Record(ctx, v, attrs)
		}
		for _, v := range []int64{1, 1000, 1 << 20, 1 << 40} {
			sizes.Record(ctx, v, attrs)
		}
		counter.Add(ctx, int64(i), attrs)
		gauge.Record(ctx, float64(i), attrs)
	}
	if err := p.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := col.Requests()
	if len(reqs) != len(estimates) || len(reqs) == 0 {
		t.Fatalf("%d requests, %d estimates", len(reqs), len(estimates))
	}
	for i, r := range reqs {
		sent := proto.Size(r.Message)
		t.Logf("export %d: %d bytes sent, %d estimated (%.2f)", i, sent, estimates[i], float64(estimates[i])/float64(sent))
		if sent > estimates[i] {
			t.Errorf("export %d: %d bytes sent, over the estimate %d", i, sent, estimates[i])
		}
	}
}

// BenchmarkSizeBoundedExport shows what the size bound costs an export on
// the periodic reader's goroutine, per data point: "bounded" is a typical
// collection under the limit (three HTTP histograms of 300 series with an
// exemplar each, 100 counter series), a walk of the estimates next to the
// same export "unbounded"; "split" is the case that needs parts (three
// histograms of 2000 series with long attributes: 4.6 MB).
func BenchmarkSizeBoundedExport(b *testing.B) {
	nop := exportFunc(func(context.Context, *metricdata.ResourceMetrics) error { return nil })
	typical, large := benchCollection(300, 100, 0), benchCollection(2000, 0, 300)
	for _, c := range []struct {
		name string
		exp  sdkmetric.Exporter
		rm   *metricdata.ResourceMetrics
	}{
		{"bounded", sizeBounded(nop, grpcLimit, func(string, int) {}), typical},
		{"unbounded", nop, typical},
		{"split", sizeBounded(nop, grpcLimit, func(string, int) {}), large},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			points := dataPointCount(c.rm)
			for b.Loop() {
				_ = c.exp.Export(context.Background(), c.rm)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*points), "ns/point")
		})
	}
}

// benchCollection returns three histograms of series data points (HTTP
// server attributes, an exemplar, the default buckets) and a counter of
// counters points, each attribute set with a value of pad bytes more.
func benchCollection(series, counters, pad int) *metricdata.ResourceMetrics {
	bounds := []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
	attrs := func(i int) attribute.Set {
		return attribute.NewSet(attribute.String("http.route", fmt.Sprintf("/api/v1/orders/%d", i)),
			attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200),
			attribute.String("url.scheme", "https"), attribute.String("network.protocol.version", "1.1"),
			attribute.String("user_agent.original", strings.Repeat("M", pad)))
	}
	hist := metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality}
	for i := range series {
		hist.DataPoints = append(hist.DataPoints, metricdata.HistogramDataPoint[float64]{
			Attributes: attrs(i), Count: 1, Bounds: bounds, BucketCounts: make([]uint64, len(bounds)+1),
			Exemplars: []metricdata.Exemplar[float64]{{Value: 0.042, SpanID: make([]byte, 8), TraceID: make([]byte, 16)}},
		})
	}
	sum := metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}
	for i := range counters {
		sum.DataPoints = append(sum.DataPoints, metricdata.DataPoint[int64]{Attributes: attrs(i), Value: 1})
	}
	ms := []metricdata.Metrics{
		{Name: "http.server.request.duration", Unit: "s", Data: hist},
		{Name: "http.server.request.body.size", Unit: "By", Data: hist},
		{Name: "http.server.response.body.size", Unit: "By", Data: hist},
	}
	if counters > 0 {
		ms = append(ms, metricdata.Metrics{Name: "orders.loaded", Data: sum})
	}
	return &metricdata.ResourceMetrics{
		Resource:     resource.NewSchemaless(attribute.String("service.name", "checkout")),
		ScopeMetrics: []metricdata.ScopeMetrics{{Scope: sdkinstrumentation.Scope{Name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", Version: "0.64.0"}, Metrics: ms}},
	}
}

// dataPointCount counts the data points of rm.
func dataPointCount(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			pointSizes(m.Data, func(int) { n++ })
		}
	}
	return n
}

// TestDropHandlerGetsTooLarge: the OTLP exporter NewMeterProvider builds
// is bounded; a data point too large on its own reaches each
// WithDropHandler handler as too_large, a panicking one included, and the
// collector gets the rest. The panic goes to otel.Handle.
func TestDropHandlerGetsTooLarge(t *testing.T) {
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { handled = append(handled, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	col := fakeotlp.NewGRPC(t, fakeotlp.Behaviour{})
	drops := map[string]int{}
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithoutRuntimeMetrics(),
		WithEndpoint(col.Endpoint), WithProtocol("grpc"), WithExportInterval(time.Hour),
		WithDropHandler(func(string, int) { panic("handler bug") }),
		WithDropHandler(func(reason string, n int) { drops[reason] += n }))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	h, _ := p.Meter("lib").Int64Histogram("payload.size")
	h.Record(context.Background(), 1, metric.WithAttributes(attribute.String("blob", strings.Repeat("x", grpcLimit))))
	h.Record(context.Background(), 1, metric.WithAttributes(attribute.String("blob", "small")))
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, points := col.Count(fakeotlp.Metrics); points != 1 || len(drops) != 1 || drops[exportsize.TooLarge] != 1 {
		t.Errorf("collector got %d points, drops %v; want 1 and one too_large", points, drops)
	}
	if len(handled) != 1 || !strings.Contains(handled[0].Error(), "the WithDropHandler handler panicked: handler bug") {
		t.Errorf("otel.Handle got %v", handled)
	}
}
