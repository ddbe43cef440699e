package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

func TestRuntimeMetricsOnByDefault(t *testing.T) {
	_, reader := newTest(t)
	got := collect(t, reader)
	for _, name := range []string{"go.memory.used", "go.goroutine.count", "go.memory.allocated", "go.processor.limit", "go.config.gogc"} {
		if _, ok := got[name]; !ok {
			t.Errorf("runtime metric %s missing; have %v", name, keys(got))
		}
	}
}

func TestWithoutRuntimeMetrics(t *testing.T) {
	_, reader := newTest(t, WithoutRuntimeMetrics())
	for name := range collect(t, reader) {
		if strings.HasPrefix(name, "go.") {
			t.Errorf("runtime metric %s present with WithoutRuntimeMetrics", name)
		}
	}
}

// TestWithInstrumentation: what WithInstrumentation adds starts on the
// provider NewMeterProvider built, in order; an error from it fails
// NewMeterProvider, whose provider is then shut down; nil is a ConfigError.
func TestWithInstrumentation(t *testing.T) {
	var started []string
	starter := func(name string) func(metric.MeterProvider) error {
		return func(mp metric.MeterProvider) error {
			started = append(started, name)
			c, err := mp.Meter("instr").Int64Counter(name)
			if err == nil {
				c.Add(context.Background(), 1)
			}
			return err
		}
	}
	_, reader := newTest(t, WithoutRuntimeMetrics(), WithInstrumentation(starter("first")), WithInstrumentation(starter("second")))
	if !slices.Equal(started, []string{"first", "second"}) {
		t.Errorf("started %v, want [first second]", started)
	}
	if got := collect(t, reader); len(got) != 2 || got["first"].Name == "" || got["second"].Name == "" {
		t.Errorf("the instrumentation did not record on the provider: %v", keys(got))
	}

	reader = sdkmetric.NewManualReader()
	boom := errors.New("boom")
	var mp metric.MeterProvider
	_, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter(ExporterNone), WithReader(reader),
		WithInstrumentation(func(m metric.MeterProvider) error { mp = m; return boom }))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if mp == nil {
		t.Fatal("the failing instrumentation was not started")
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
		t.Errorf("after a failed start the reader collects (%v): the provider was not shut down", err)
	}

	_, err = NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter(ExporterNone), WithInstrumentation(nil))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Option != "WithInstrumentation" {
		t.Errorf("WithInstrumentation(nil): err = %v, want a ConfigError naming the option", err)
	}
}

// TestWithNamedInstrumentation: of the options that share a name only the
// first starts (hostmetrics.Enable given twice registered its instruments
// twice, counting every point twice); other names and unnamed
// instrumentation all start, and a second provider starts its own. An
// empty name is a ConfigError.
func TestWithNamedInstrumentation(t *testing.T) {
	var started []string
	starter := func(name string) func(metric.MeterProvider) error {
		return func(metric.MeterProvider) error { started = append(started, name); return nil }
	}
	opts := []Option{
		WithoutRuntimeMetrics(),
		WithNamedInstrumentation("host", starter("host")), WithInstrumentation(starter("plain")),
		WithNamedInstrumentation("host", starter("host again")), WithNamedInstrumentation("other", starter("other")),
		WithInstrumentation(starter("plain")),
	}
	newTest(t, opts...)
	if want := []string{"host", "plain", "other", "plain"}; !slices.Equal(started, want) {
		t.Errorf("started %v, want %v", started, want)
	}
	started = nil
	newTest(t, opts...)
	if want := []string{"host", "plain", "other", "plain"}; !slices.Equal(started, want) {
		t.Errorf("second provider started %v, want %v", started, want)
	}

	_, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter(ExporterNone),
		WithNamedInstrumentation("", starter("unnamed")), WithNamedInstrumentation("x", nil))
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `WithNamedInstrumentation`) || !strings.Contains(err.Error(), "nil") {
		t.Errorf("empty name and nil start: err = %v, want ConfigErrors naming the option", err)
	}
}

// TestWithInstrumentationPanics: a panic in what WithInstrumentation starts
// is NewMeterProvider's error, and the provider it had built is shut down:
// its reader stops and the Prometheus port is free again (a panic used to
// leave the listener and its goroutine behind).
func TestWithInstrumentationPanics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	reader := sdkmetric.NewManualReader()
	build := func() (p *Provider, panicked any, err error) {
		defer func() { panicked = recover() }()
		p, err = NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter(ExporterPrometheus),
			WithPrometheusAddr(addr), WithoutRuntimeMetrics(), WithReader(reader),
			WithInstrumentation(func(metric.MeterProvider) error { panic("boom") }))
		return p, nil, err
	}
	p, panicked, err := build()
	if panicked != nil {
		t.Fatalf("NewMeterProvider panicked: %v", panicked)
	}
	if p != nil || err == nil || !strings.Contains(err.Error(), "WithInstrumentation") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v, %v; want an error naming WithInstrumentation and the panic", p, err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
		t.Errorf("after the panic the reader collects (%v): the provider was not shut down", err)
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the Prometheus port is still taken after the failed start: %v", err)
	}
	ln.Close()
}

// sampledTracer returns a tracer whose spans are all (or never) sampled.
func tracer(t *testing.T, sampled bool) trace.Tracer {
	s := sdktrace.NeverSample()
	if sampled {
		s = sdktrace.AlwaysSample()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(s))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp.Tracer("test")
}

func histogramExemplars(t *testing.T, m metricdata.Metrics) []metricdata.Exemplar[float64] {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is %T, want a float64 histogram", m.Name, m.Data)
	}
	var ex []metricdata.Exemplar[float64]
	for _, dp := range h.DataPoints {
		ex = append(ex, dp.Exemplars...)
	}
	return ex
}

func TestExemplarsCarryTheSampledSpan(t *testing.T) {
	p, reader := newTest(t, WithoutRuntimeMetrics())
	h, err := p.Meter("test").Float64Histogram("work.duration", metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := tracer(t, true).Start(context.Background(), "work")
	h.Record(ctx, 0.3)
	span.End()
	sc := span.SpanContext()

	ex := histogramExemplars(t, collect(t, reader)["work.duration"])
	if len(ex) != 1 {
		t.Fatalf("got %d exemplars, want 1: %+v", len(ex), ex)
	}
	if trace.TraceID(ex[0].TraceID) != sc.TraceID() || trace.SpanID(ex[0].SpanID) != sc.SpanID() {
		t.Errorf("exemplar trace/span = %x/%x, want %s/%s", ex[0].TraceID, ex[0].SpanID, sc.TraceID(), sc.SpanID())
	}
	if ex[0].Value != 0.3 {
		t.Errorf("exemplar value = %v, want 0.3", ex[0].Value)
	}
}

func TestNoExemplarsOutsideASampledSpan(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func(t *testing.T) context.Context
		opts []Option
	}{
		{"no span", func(*testing.T) context.Context { return context.Background() }, nil},
		{"unsampled span", func(t *testing.T) context.Context {
			ctx, span := tracer(t, false).Start(context.Background(), "work")
			span.End()
			return ctx
		}, nil},
		{"always_off filter", func(t *testing.T) context.Context {
			ctx, span := tracer(t, true).Start(context.Background(), "work")
			span.End()
			return ctx
		}, []Option{WithExemplarFilter("always_off")}},
		{"env always_off", func(t *testing.T) context.Context {
			ctx, span := tracer(t, true).Start(context.Background(), "work")
			span.End()
			return ctx
		}, []Option{WithEnvLookup(envMap(map[string]string{envExemplarFilter: "ALWAYS_OFF"}))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, reader := newTest(t, append([]Option{WithoutRuntimeMetrics()}, tc.opts...)...)
			h, _ := p.Meter("test").Float64Histogram("work.duration")
			h.Record(tc.ctx(t), 0.3)
			if ex := histogramExemplars(t, collect(t, reader)["work.duration"]); len(ex) != 0 {
				t.Errorf("got exemplars %+v, want none", ex)
			}
		})
	}
}

func TestExemplarFilterAlwaysOnWithoutSpan(t *testing.T) {
	p, reader := newTest(t, WithoutRuntimeMetrics(), WithExemplarFilter("always_on"))
	h, _ := p.Meter("test").Float64Histogram("work.duration")
	h.Record(context.Background(), 0.3)
	if ex := histogramExemplars(t, collect(t, reader)["work.duration"]); len(ex) != 1 {
		t.Errorf("got %d exemplars with always_on, want 1", len(ex))
	}
}

// series records n distinct attribute values on one counter and returns the
// data points collected.
func series(t *testing.T, n int, opts ...Option) []metricdata.DataPoint[int64] {
	t.Helper()
	p, reader := newTest(t, append([]Option{WithoutRuntimeMetrics()}, opts...)...)
	c, _ := p.Meter("test").Int64Counter("hits")
	for i := range n {
		c.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("user", i)))
	}
	return collect(t, reader)["hits"].Data.(metricdata.Sum[int64]).DataPoints
}

func overflow(dps []metricdata.DataPoint[int64]) (int64, bool) {
	for _, dp := range dps {
		if v, ok := dp.Attributes.Value("otel.metric.overflow"); ok && v.AsBool() {
			return dp.Value, true
		}
	}
	return 0, false
}

func TestCardinalityLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		opts  []Option
		limit int // 0: none expected
	}{
		{"default 2000", 2500, nil, 2000},
		{"option", 50, []Option{WithCardinalityLimit(10)}, 10},
		{"env", 50, []Option{WithEnvLookup(envMap(map[string]string{envCardinalityLimit: "7"}))}, 7},
		{"option wins over env", 50, []Option{WithEnvLookup(envMap(map[string]string{envCardinalityLimit: "7"})), WithCardinalityLimit(20)}, 20},
		{"zero means no limit", 2500, []Option{WithCardinalityLimit(0)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dps := series(t, tc.n, tc.opts...)
			v, over := overflow(dps)
			if tc.limit == 0 {
				if over || len(dps) != tc.n {
					t.Fatalf("got %d points (overflow %v), want %d and no overflow", len(dps), over, tc.n)
				}
				return
			}
			if len(dps) != tc.limit || !over {
				t.Fatalf("got %d points (overflow %v), want %d with an overflow point", len(dps), over, tc.limit)
			}
			// Totals stay right: the overflow point holds everything past the limit.
			if want := int64(tc.n - (tc.limit - 1)); v != want {
				t.Errorf("overflow point = %d, want %d", v, want)
			}
		})
	}
}

// TestCardinalityVariableDeprecated: OTEL_GO_X_CARDINALITY_LIMIT, which the
// SDK deprecated but still applies, is applied with a warning that names
// it and its replacement; nothing is said when it is unset or when
// WithCardinalityLimit wins over it.
func TestCardinalityVariableDeprecated(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts []Option
		warn bool
	}{
		{"set", map[string]string{envCardinalityLimit: "7"}, nil, true},
		{"unset", nil, nil, false},
		{"option wins", map[string]string{envCardinalityLimit: "7"}, []Option{WithCardinalityLimit(20)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var warnings []error
			opts := append([]Option{WithEnvLookup(envMap(tc.env)), WithExporter(ExporterNone),
				WithWarningHandler(func(err error) { warnings = append(warnings, err) })}, tc.opts...)
			p, err := NewMeterProvider(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			if !tc.warn {
				if len(warnings) != 0 {
					t.Errorf("warnings %v, want none", warnings)
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("warnings %v, want one", warnings)
			}
			for _, want := range []string{envCardinalityLimit, "deprecated", "WithCardinalityLimit", "7"} {
				if !strings.Contains(warnings[0].Error(), want) {
					t.Errorf("warning %q does not mention %q", warnings[0], want)
				}
			}
		})
	}
}

func TestUserViews(t *testing.T) {
	rename := sdkmetric.NewView(sdkmetric.Instrument{Name: "work.duration"},
		sdkmetric.Stream{Name: "job.duration", Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: []float64{1, 2}}})
	drop := sdkmetric.NewView(sdkmetric.Instrument{Name: "noise"}, sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})
	p, reader := newTest(t, WithoutRuntimeMetrics(), WithView(rename), WithView(drop))
	m := p.Meter("test")
	h, _ := m.Float64Histogram("work.duration")
	h.Record(context.Background(), 1.5)
	n, _ := m.Int64Counter("noise")
	n.Add(context.Background(), 1)

	got := collect(t, reader)
	if _, ok := got["noise"]; ok {
		t.Error("dropped instrument exported")
	}
	job, ok := got["job.duration"]
	if !ok {
		t.Fatalf("renamed instrument missing; have %v", keys(got))
	}
	dp := job.Data.(metricdata.Histogram[float64]).DataPoints[0]
	if !slices.Equal(dp.Bounds, []float64{1, 2}) || !slices.Equal(dp.BucketCounts, []uint64{0, 1, 0}) {
		t.Errorf("bounds %v counts %v, want [1 2] [0 1 0]", dp.Bounds, dp.BucketCounts)
	}
}

var semconvBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// serve drives one request through otelhttp around a mux with a pattern.
func serve(t *testing.T, p *Provider, target, host string) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	h := otelhttp.NewHandler(mux, "server", otelhttp.WithMeterProvider(p.MeterProvider()))
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = host
	h.ServeHTTP(httptest.NewRecorder(), req)
}

func TestHTTPServerDurationByRouteWithSemconvBuckets(t *testing.T) {
	p, reader := newTest(t, WithoutRuntimeMetrics())
	serve(t, p, "/orders/1", "a.example")
	serve(t, p, "/orders/2", "b.example")
	serve(t, p, "/orders/3", "c.example:8080")

	m, ok := collect(t, reader)["http.server.request.duration"]
	if !ok {
		t.Fatal("http.server.request.duration missing")
	}
	if m.Unit != "s" {
		t.Errorf("unit %q, want s", m.Unit)
	}
	dps := m.Data.(metricdata.Histogram[float64]).DataPoints
	if len(dps) != 1 {
		t.Fatalf("got %d series for one route on three hosts, want 1: %v", len(dps), dps)
	}
	dp := dps[0]
	if dp.Count != 3 {
		t.Errorf("count %d, want 3", dp.Count)
	}
	if !slices.Equal(dp.Bounds, semconvBuckets) {
		t.Errorf("bounds %v, want the semantic-convention buckets %v", dp.Bounds, semconvBuckets)
	}
	if v, _ := dp.Attributes.Value(semconv.HTTPRouteKey); v.AsString() != "/orders/{id}" {
		t.Errorf("http.route = %q, want /orders/{id}; attributes %v", v.AsString(), dp.Attributes.ToSlice())
	}
	for _, k := range []attribute.Key{semconv.ServerAddressKey, semconv.ServerPortKey, "url.path", "url.full"} {
		if dp.Attributes.HasValue(k) {
			t.Errorf("attribute %s present: %v", k, dp.Attributes.ToSlice())
		}
	}
}

func TestUserViewReplacesHostGuard(t *testing.T) {
	keep := sdkmetric.NewView(sdkmetric.Instrument{Name: "http.server.request.duration"}, sdkmetric.Stream{})
	p, reader := newTest(t, WithoutRuntimeMetrics(), WithView(keep))
	serve(t, p, "/orders/1", "a.example")
	serve(t, p, "/orders/1", "b.example")
	dps := collect(t, reader)["http.server.request.duration"].Data.(metricdata.Histogram[float64]).DataPoints
	if len(dps) != 2 {
		t.Fatalf("got %d series, want 2 (one per host: the user's view replaced the guard)", len(dps))
	}
	if !slices.Equal(dps[0].Bounds, semconvBuckets) {
		t.Errorf("bounds %v, want the semantic-convention buckets", dps[0].Bounds)
	}
}

func TestMeterNamedAfterService(t *testing.T) {
	res := resource.NewSchemaless(semconv.ServiceName("checkout"))
	p, reader := newTest(t, WithoutRuntimeMetrics(), WithResource(res))
	c, _ := p.Meter().Int64Counter("checkout.orders")
	c.Add(context.Background(), 1)
	c2, _ := p.Meter("payments").Int64Counter("payments.done")
	c2.Add(context.Background(), 1)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	scopes := map[string]string{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			scopes[m.Name] = sm.Scope.Name
		}
	}
	if scopes["checkout.orders"] != "checkout" || scopes["payments.done"] != "payments" {
		t.Errorf("scopes %v, want checkout.orders->checkout, payments.done->payments", scopes)
	}
	if v, _ := rm.Resource.Set().Value(semconv.ServiceNameKey); v.AsString() != "checkout" {
		t.Errorf("resource service.name = %q", v.AsString())
	}
}

func TestPackageMeterUsesGlobalProvider(t *testing.T) {
	prev := otel.GetMeterProvider()
	t.Cleanup(func() { otel.SetMeterProvider(prev) })
	res := resource.NewSchemaless(semconv.ServiceName("billing"))
	p, reader := newTest(t, WithoutRuntimeMetrics(), WithResource(res))
	otel.SetMeterProvider(p.MeterProvider())

	c, _ := Meter().Int64Counter("billing.invoices")
	c.Add(context.Background(), 2)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 || rm.ScopeMetrics[0].Scope.Name != "billing" {
		t.Fatalf("scope metrics %+v, want one scope named billing", rm.ScopeMetrics)
	}
}

func TestNilProviderIsSafe(t *testing.T) {
	var p *Provider
	if p.MeterProvider() != nil || p.PrometheusAddr() != "" || p.Exporters() != nil {
		t.Error("nil provider returned something")
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Error(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	_ = p.Meter()
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.Code)
	}
}

func TestShutdownTwiceAndAfter(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("none"), WithReader(reader))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Errorf("ForceFlush after Shutdown: %v", err)
	}
	c, _ := p.Meter().Int64Counter("late")
	c.Add(context.Background(), 1) // a no-op, not a panic
}

func keys(m map[string]metricdata.Metrics) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestNilOptionsAreIgnored(t *testing.T) {
	p, reader := newTest(t, nil, WithView(nil), WithReader(nil), WithResource(nil), WithConsoleWriter(nil))
	c, _ := p.Meter("test").Int64Counter("jobs")
	c.Add(context.Background(), 1)
	if _, ok := collect(t, reader)["jobs"]; !ok {
		t.Error("jobs not collected")
	}
}

func TestConcurrentShutdownAndFlush(t *testing.T) {
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("prometheus"),
		WithPrometheusAddr("127.0.0.1:0"), WithReader(sdkmetric.NewManualReader()))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			if i%2 == 0 {
				errs <- p.ForceFlush(context.Background())
				return
			}
			errs <- p.Shutdown(context.Background())
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent ForceFlush/Shutdown: %v", err)
		}
	}
}

// WithoutHostGuard removes the guard: plain otelhttp, which takes
// server.address from Host, then makes one series per host, which is why the
// guard is on by default.
func TestWithoutHostGuard(t *testing.T) {
	p, reader := newTest(t, WithoutRuntimeMetrics(), WithoutHostGuard())
	serve(t, p, "/orders/1", "a.example")
	serve(t, p, "/orders/1", "b.example")
	dps := collect(t, reader)["http.server.request.duration"].Data.(metricdata.Histogram[float64]).DataPoints
	if len(dps) != 2 {
		t.Fatalf("got %d series, want 2 (one per host: no guard)", len(dps))
	}
	hosts := map[string]bool{}
	for _, dp := range dps {
		v, _ := dp.Attributes.Value(semconv.ServerAddressKey)
		hosts[v.AsString()] = true
	}
	if !hosts["a.example"] || !hosts["b.example"] {
		t.Errorf("server.address values %v, want a.example and b.example", hosts)
	}
	if !slices.Equal(dps[0].Bounds, semconvBuckets) {
		t.Errorf("bounds %v, want the semantic-convention buckets", dps[0].Bounds)
	}
}

// The guard keeps the exemplar's view of what it dropped: a measurement in a
// sampled span carries server.address as a filtered attribute of its
// exemplar, not as a series attribute. Without the guard nothing is dropped.
func TestHostGuardExemplarFilteredAttributes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opts        []Option
		wantDropped bool
	}{
		{"guard", nil, true},
		{"noguard", []Option{WithoutHostGuard()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, reader := newTest(t, append([]Option{WithoutRuntimeMetrics()}, tc.opts...)...)
			ctx, span := tracer(t, true).Start(context.Background(), "req")
			h, err := p.MeterProvider().Meter("t").Float64Histogram("http.server.request.duration")
			if err != nil {
				t.Fatal(err)
			}
			h.Record(ctx, 0.1, metric.WithAttributes(attribute.String("server.address", "evil.example"), attribute.String("http.route", "/x")))
			span.End()
			dps := collect(t, reader)["http.server.request.duration"].Data.(metricdata.Histogram[float64]).DataPoints
			if len(dps) != 1 || len(dps[0].Exemplars) == 0 {
				t.Fatalf("want one series with an exemplar, got %+v", dps)
			}
			if got := dps[0].Attributes.HasValue(semconv.ServerAddressKey); got == tc.wantDropped {
				t.Errorf("series has server.address = %v, guard %v", got, tc.wantDropped)
			}
			dropped := false
			for _, kv := range dps[0].Exemplars[0].FilteredAttributes {
				dropped = dropped || kv.Key == semconv.ServerAddressKey
			}
			if dropped != tc.wantDropped {
				t.Errorf("exemplar filtered attributes %v", dps[0].Exemplars[0].FilteredAttributes)
			}
		})
	}
}

// TestNilContextFlushAndShutdown: ForceFlush and Shutdown take a nil ctx
// as context.Background(), as NewMeterProvider does, with a push exporter
// and the Prometheus listener both on (each hands ctx on).
func TestNilContextFlushAndShutdown(t *testing.T) {
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	p, err := NewMeterProvider(nil, WithEnvLookup(noEnv), WithExporter("console,prometheus"),
		WithConsoleWriter(io.Discard), WithPrometheusAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Meter("test").Int64Counter("jobs")
	c.Add(context.Background(), 1)
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	if err := p.ForceFlush(nil); err != nil {
		t.Errorf("ForceFlush(nil): %v", err)
	}
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	if err := p.Shutdown(nil); err != nil {
		t.Errorf("Shutdown(nil): %v", err)
	}
	if _, err := net.Dial("tcp", p.PrometheusAddr()); err == nil {
		t.Error("the Prometheus listener still accepts after Shutdown(nil)")
	}
}
