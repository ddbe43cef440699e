package oteltest

import (
	"context"
	"strings"
	"sync"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// The hub's providers: each call that carries a context (starting a span,
// a synchronous measurement, emitting a log record) goes to the provider
// of the Telemetry the context routes to, under the same instrumentation
// scope. Asynchronous instruments have no context: on these global
// providers they are no-ops (use Telemetry.MeterProvider).

// tracerRouter is the global TracerProvider.
type tracerRouter struct {
	tracenoop.TracerProvider
	h *hub
}

func (p *tracerRouter) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return &routedTracer{h: p.h, name: name, opts: opts}
}

type routedTracer struct {
	tracenoop.Tracer
	h    *hub
	name string
	opts []trace.TracerOption
}

func (r *routedTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if t := r.h.route(ctx); t != nil {
		return t.TracerProvider().Tracer(r.name, r.opts...).Start(ctx, name, opts...)
	}
	r.h.unrouted.spans.Add(1)
	return r.Tracer.Start(ctx, name, opts...)
}

// loggerRouter is the global OpenTelemetry LoggerProvider.
type loggerRouter struct {
	lognoop.LoggerProvider
	h *hub
}

func (p *loggerRouter) Logger(name string, opts ...otellog.LoggerOption) otellog.Logger {
	return &routedLogger{h: p.h, name: name, opts: opts}
}

type routedLogger struct {
	embedded.Logger
	h    *hub
	name string
	opts []otellog.LoggerOption
}

func (l *routedLogger) Emit(ctx context.Context, r otellog.Record) {
	if t := l.h.route(ctx); t != nil {
		t.LoggerProvider().Logger(l.name, l.opts...).Emit(ctx, r)
		return
	}
	l.h.unrouted.logs.Add(1)
}

func (l *routedLogger) Enabled(ctx context.Context, p otellog.EnabledParameters) bool {
	if t := l.h.route(ctx); t != nil {
		return t.LoggerProvider().Logger(l.name, l.opts...).Enabled(ctx, p)
	}
	return false
}

// meterRouter is the global MeterProvider.
type meterRouter struct {
	metricnoop.MeterProvider
	h *hub
}

// sdkScopes are the instrumentation scopes of the SDK's own
// self-observability (OTEL_GO_X_OBSERVABILITY): not the code under test.
var sdkScopes = []string{"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters"}

func (p *meterRouter) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	for _, s := range sdkScopes {
		if strings.HasPrefix(name, s) {
			return metricnoop.Meter{}
		}
	}
	return &routedMeter{h: p.h, name: name, opts: opts}
}

type routedMeter struct {
	metricnoop.Meter // asynchronous instruments and callbacks: no-ops
	h                *hub
	name             string
	opts             []metric.MeterOption
}

// routed is one synchronous instrument of a routedMeter, made in each
// Telemetry's provider on first use.
type routed[T any] struct {
	m     *routedMeter
	build func(metric.Meter) (T, error)
	per   sync.Map // *Telemetry -> T
}

func newRouted[T any](m *routedMeter, build func(metric.Meter) (T, error)) *routed[T] {
	r := &routed[T]{m: m, build: build}
	m.h.onForget(func(t *Telemetry) { r.per.Delete(t) })
	return r
}

// get returns the instrument of the Telemetry ctx routes to; count says
// whether to count a measurement that has none.
func (r *routed[T]) get(ctx context.Context, count bool) (T, bool) {
	var zero T
	t := r.m.h.route(ctx)
	if t == nil {
		if count {
			r.m.h.unrouted.measurements.Add(1)
		}
		return zero, false
	}
	if v, ok := r.per.Load(t); ok {
		return v.(T), true
	}
	inst, err := r.build(t.MeterProvider().Meter(r.m.name, r.m.opts...))
	if err != nil {
		return zero, false
	}
	v, _ := r.per.LoadOrStore(t, inst)
	return v.(T), true
}

// The synchronous instruments.

type (
	i64Counter struct {
		metricnoop.Int64Counter
		r *routed[metric.Int64Counter]
	}
	f64Counter struct {
		metricnoop.Float64Counter
		r *routed[metric.Float64Counter]
	}
	i64UpDown struct {
		metricnoop.Int64UpDownCounter
		r *routed[metric.Int64UpDownCounter]
	}
	f64UpDown struct {
		metricnoop.Float64UpDownCounter
		r *routed[metric.Float64UpDownCounter]
	}
	i64Histogram struct {
		metricnoop.Int64Histogram
		r *routed[metric.Int64Histogram]
	}
	f64Histogram struct {
		metricnoop.Float64Histogram
		r *routed[metric.Float64Histogram]
	}
	i64Gauge struct {
		metricnoop.Int64Gauge
		r *routed[metric.Int64Gauge]
	}
	f64Gauge struct {
		metricnoop.Float64Gauge
		r *routed[metric.Float64Gauge]
	}
)

// enabled is the Enabled of every routed instrument.
func enabled[T interface{ Enabled(context.Context) bool }](r *routed[T], ctx context.Context) bool {
	i, ok := r.get(ctx, false)
	return ok && i.Enabled(ctx)
}

func (c *i64Counter) Add(ctx context.Context, v int64, o ...metric.AddOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Add(ctx, v, o...)
	}
}
func (c *i64Counter) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (c *f64Counter) Add(ctx context.Context, v float64, o ...metric.AddOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Add(ctx, v, o...)
	}
}
func (c *f64Counter) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (c *i64UpDown) Add(ctx context.Context, v int64, o ...metric.AddOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Add(ctx, v, o...)
	}
}
func (c *i64UpDown) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (c *f64UpDown) Add(ctx context.Context, v float64, o ...metric.AddOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Add(ctx, v, o...)
	}
}
func (c *f64UpDown) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (c *i64Histogram) Record(ctx context.Context, v int64, o ...metric.RecordOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Record(ctx, v, o...)
	}
}
func (c *i64Histogram) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (c *f64Histogram) Record(ctx context.Context, v float64, o ...metric.RecordOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Record(ctx, v, o...)
	}
}
func (c *f64Histogram) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (c *i64Gauge) Record(ctx context.Context, v int64, o ...metric.RecordOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Record(ctx, v, o...)
	}
}
func (c *i64Gauge) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (c *f64Gauge) Record(ctx context.Context, v float64, o ...metric.RecordOption) {
	if i, ok := c.r.get(ctx, true); ok {
		i.Record(ctx, v, o...)
	}
}
func (c *f64Gauge) Enabled(ctx context.Context) bool { return enabled(c.r, ctx) }

func (m *routedMeter) Int64Counter(name string, o ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return &i64Counter{r: newRouted(m, func(mm metric.Meter) (metric.Int64Counter, error) { return mm.Int64Counter(name, o...) })}, nil
}

func (m *routedMeter) Float64Counter(name string, o ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	return &f64Counter{r: newRouted(m, func(mm metric.Meter) (metric.Float64Counter, error) { return mm.Float64Counter(name, o...) })}, nil
}

func (m *routedMeter) Int64UpDownCounter(name string, o ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	return &i64UpDown{r: newRouted(m, func(mm metric.Meter) (metric.Int64UpDownCounter, error) { return mm.Int64UpDownCounter(name, o...) })}, nil
}

func (m *routedMeter) Float64UpDownCounter(name string, o ...metric.Float64UpDownCounterOption) (metric.Float64UpDownCounter, error) {
	return &f64UpDown{r: newRouted(m, func(mm metric.Meter) (metric.Float64UpDownCounter, error) {
		return mm.Float64UpDownCounter(name, o...)
	})}, nil
}

func (m *routedMeter) Int64Histogram(name string, o ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	return &i64Histogram{r: newRouted(m, func(mm metric.Meter) (metric.Int64Histogram, error) { return mm.Int64Histogram(name, o...) })}, nil
}

func (m *routedMeter) Float64Histogram(name string, o ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return &f64Histogram{r: newRouted(m, func(mm metric.Meter) (metric.Float64Histogram, error) { return mm.Float64Histogram(name, o...) })}, nil
}

func (m *routedMeter) Int64Gauge(name string, o ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	return &i64Gauge{r: newRouted(m, func(mm metric.Meter) (metric.Int64Gauge, error) { return mm.Int64Gauge(name, o...) })}, nil
}

func (m *routedMeter) Float64Gauge(name string, o ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	return &f64Gauge{r: newRouted(m, func(mm metric.Meter) (metric.Float64Gauge, error) { return mm.Float64Gauge(name, o...) })}, nil
}
