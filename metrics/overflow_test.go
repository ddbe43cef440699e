package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// overflows records what WithOverflowHandler reports.
type overflows struct {
	mu  sync.Mutex
	got []string
}

func (o *overflows) handle(scope, instrument string, limit int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, scope+"/"+instrument+"@"+strconv.Itoa(limit))
}

func (o *overflows) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.got)
}

// record adds one measurement for each of n attribute sets to a counter
// and a histogram, and one to a counter that stays under any limit.
func record(t *testing.T, p *Provider, n int) {
	t.Helper()
	m := p.MeterProvider().Meter("test")
	c, _ := m.Int64Counter("requests")
	h, _ := m.Float64Histogram("latency")
	small, _ := m.Int64Counter("small")
	for i := range n {
		set := metric.WithAttributes(attribute.Int("user", i))
		c.Add(context.Background(), 1, set)
		h.Record(context.Background(), 1, set)
	}
	small.Add(context.Background(), 1)
}

// TestOverflowReportedOnceByPushExport: an instrument past its
// cardinality limit is reported once, with the limit, when its data is
// exported; one under it is not.
func TestOverflowReportedOnceByPushExport(t *testing.T) {
	var o overflows
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("console"), WithConsoleWriter(io.Discard),
		WithoutRuntimeMetrics(), WithCardinalityLimit(3), WithOverflowHandler(o.handle))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	record(t, p, 2)
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := o.all(); len(got) != 0 {
		t.Fatalf("under the limit, reported %v", got)
	}
	record(t, p, 10)
	for range 2 {
		if err := p.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got := o.all()
	slices.Sort(got)
	if want := []string{"test/latency@3", "test/requests@3"}; !slices.Equal(got, want) {
		t.Errorf("reported %v, want %v, each once", got, want)
	}
}

// TestOverflowReportedByPrometheusScrape: the pull side reports too.
func TestOverflowReportedByPrometheusScrape(t *testing.T) {
	var o overflows
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter(ExporterPrometheus), WithoutPrometheusServer(),
		WithoutRuntimeMetrics(), WithCardinalityLimit(3), WithOverflowHandler(o.handle))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	record(t, p, 10)
	p.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/metrics", nil))
	got := o.all()
	slices.Sort(got)
	if want := []string{"test/latency@3", "test/requests@3"}; !slices.Equal(got, want) {
		t.Errorf("reported %v, want %v", got, want)
	}
}

func TestOverflowWatchBounded(t *testing.T) {
	var o overflows
	w := newOverflowWatch([]func(string, string, int){o.handle}, 1)
	for i := range maxOverflowReported + 10 {
		w.note(overflowKey{"s", "i" + strconv.Itoa(i)})
	}
	w.note(overflowKey{"s", "i0"})
	if n := len(o.all()); n != maxOverflowReported {
		t.Errorf("reported %d instruments, want %d", n, maxOverflowReported)
	}
}

// BenchmarkOverflowScan: what watching for the overflow series adds to one
// export of 10 instruments just under the default limit, 1999 series each
// (the worst case: every point is looked at, none overflows), against
// collecting that data, which every export does first.
func BenchmarkOverflowScan(b *testing.B) {
	reader := sdkmetric.NewManualReader()
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter(ExporterNone), WithReader(reader), WithoutRuntimeMetrics())
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	m := p.MeterProvider().Meter("bench")
	for i := range 10 {
		c, _ := m.Int64Counter("c" + strconv.Itoa(i))
		for j := range 1999 {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("k", j)))
		}
	}
	var rm metricdata.ResourceMetrics
	b.Run("collect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = reader.Collect(context.Background(), &rm)
		}
	})
	w := newOverflowWatch([]func(string, string, int){func(string, string, int) {}}, 2000)
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.scan(rm.ScopeMetrics)
		}
	})
}

// TestOverflowKeyedByScopeAndName: two libraries' instruments of one name
// are reported apart, and every handler given is called.
func TestOverflowKeyedByScopeAndName(t *testing.T) {
	var first, second overflows
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("console"), WithConsoleWriter(io.Discard),
		WithoutRuntimeMetrics(), WithCardinalityLimit(2), WithOverflowHandler(first.handle), WithOverflowHandler(second.handle))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	for _, scope := range []string{"lib/a", "lib/b"} {
		c, _ := p.MeterProvider().Meter(scope).Int64Counter("db.client.operations")
		for i := range 5 {
			c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("i", i)))
		}
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"lib/a/db.client.operations@2", "lib/b/db.client.operations@2"}
	for _, o := range []*overflows{&first, &second} {
		got := o.all()
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("reported %v, want %v", got, want)
		}
	}
}

// TestOverflowHandlerPanicIsHandled: a handler that panics is reported to
// otel.Handle and costs nothing else: the export succeeds and the other
// handlers are called (it ran on the periodic reader's goroutine, where
// the panic ended the process).
func TestOverflowHandlerPanicIsHandled(t *testing.T) {
	var handled []error
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { handled = append(handled, err) }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	var after overflows
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("console"), WithConsoleWriter(io.Discard),
		WithoutRuntimeMetrics(), WithCardinalityLimit(2),
		WithOverflowHandler(func(string, string, int) { panic("handler bug") }), WithOverflowHandler(after.handle))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	c, _ := p.MeterProvider().Meter("test").Int64Counter("requests")
	for i := range 5 {
		c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("i", i)))
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if len(handled) != 1 || !strings.Contains(handled[0].Error(), "the WithOverflowHandler handler panicked: handler bug") {
		t.Errorf("otel.Handle got %v", handled)
	}
	if got := after.all(); !slices.Equal(got, []string{"test/requests@2"}) {
		t.Errorf("the next handler got %v", got)
	}
}
