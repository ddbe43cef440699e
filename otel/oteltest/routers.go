package oteltest

import (
	"context"
	"strings"
	"sync"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	metricembedded "go.opentelemetry.io/otel/metric/embedded"
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
	// The SDK returns its error with an instrument that records what it
	// can (an invalid name's measurements are kept), as code that makes
	// it on the provider gets both; the global instrument's maker got
	// nil long ago, so the test's log shows the error at its end.
	inst, err := r.build(t.MeterProvider().Meter(r.m.name, r.m.opts...))
	if err != nil {
		t.noteRefused(err)
	}
	if any(inst) == nil {
		return zero, false
	}
	v, _ := r.per.LoadOrStore(t, inst)
	return v.(T), true
}

// The synchronous instruments: one type each, as the metric API's
// interfaces require, over one generic Add (counters) or Record
// (histograms, gauges). Each embeds the API's embedded interface, which
// only marks it as an implementation.

// adder is the Add and Enabled of a routed counter or up-down counter.
type adder[N int64 | float64, I interface {
	Add(context.Context, N, ...metric.AddOption)
	Enabled(context.Context) bool
}] struct{ r *routed[I] }

func (a adder[N, I]) Add(ctx context.Context, v N, o ...metric.AddOption) {
	if i, ok := a.r.get(ctx, true); ok {
		i.Add(ctx, v, o...)
	}
}

func (a adder[N, I]) Enabled(ctx context.Context) bool { return enabled(a.r, ctx) }

// recorder is the Record and Enabled of a routed histogram or gauge.
type recorder[N int64 | float64, I interface {
	Record(context.Context, N, ...metric.RecordOption)
	Enabled(context.Context) bool
}] struct{ r *routed[I] }

func (a recorder[N, I]) Record(ctx context.Context, v N, o ...metric.RecordOption) {
	if i, ok := a.r.get(ctx, true); ok {
		i.Record(ctx, v, o...)
	}
}

func (a recorder[N, I]) Enabled(ctx context.Context) bool { return enabled(a.r, ctx) }

// enabled is the Enabled of every routed instrument.
func enabled[T interface{ Enabled(context.Context) bool }](r *routed[T], ctx context.Context) bool {
	i, ok := r.get(ctx, false)
	return ok && i.Enabled(ctx)
}

type (
	i64Counter struct {
		metricembedded.Int64Counter
		adder[int64, metric.Int64Counter]
	}
	f64Counter struct {
		metricembedded.Float64Counter
		adder[float64, metric.Float64Counter]
	}
	i64UpDown struct {
		metricembedded.Int64UpDownCounter
		adder[int64, metric.Int64UpDownCounter]
	}
	f64UpDown struct {
		metricembedded.Float64UpDownCounter
		adder[float64, metric.Float64UpDownCounter]
	}
	i64Histogram struct {
		metricembedded.Int64Histogram
		recorder[int64, metric.Int64Histogram]
	}
	f64Histogram struct {
		metricembedded.Float64Histogram
		recorder[float64, metric.Float64Histogram]
	}
	i64Gauge struct {
		metricembedded.Int64Gauge
		recorder[int64, metric.Int64Gauge]
	}
	f64Gauge struct {
		metricembedded.Float64Gauge
		recorder[float64, metric.Float64Gauge]
	}
)

// instrument routes the instrument that build (a metric.Meter method)
// makes with name and opts in each Telemetry's meter.
func instrument[I, O any](m *routedMeter, build func(metric.Meter, string, ...O) (I, error), name string, opts []O) *routed[I] {
	return newRouted(m, func(mm metric.Meter) (I, error) { return build(mm, name, opts...) })
}

func (m *routedMeter) Int64Counter(name string, o ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return &i64Counter{adder: adder[int64, metric.Int64Counter]{instrument(m, metric.Meter.Int64Counter, name, o)}}, nil
}

func (m *routedMeter) Float64Counter(name string, o ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	return &f64Counter{adder: adder[float64, metric.Float64Counter]{instrument(m, metric.Meter.Float64Counter, name, o)}}, nil
}

func (m *routedMeter) Int64UpDownCounter(name string, o ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	return &i64UpDown{adder: adder[int64, metric.Int64UpDownCounter]{instrument(m, metric.Meter.Int64UpDownCounter, name, o)}}, nil
}

func (m *routedMeter) Float64UpDownCounter(name string, o ...metric.Float64UpDownCounterOption) (metric.Float64UpDownCounter, error) {
	return &f64UpDown{adder: adder[float64, metric.Float64UpDownCounter]{instrument(m, metric.Meter.Float64UpDownCounter, name, o)}}, nil
}

func (m *routedMeter) Int64Histogram(name string, o ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	return &i64Histogram{recorder: recorder[int64, metric.Int64Histogram]{instrument(m, metric.Meter.Int64Histogram, name, o)}}, nil
}

func (m *routedMeter) Float64Histogram(name string, o ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return &f64Histogram{recorder: recorder[float64, metric.Float64Histogram]{instrument(m, metric.Meter.Float64Histogram, name, o)}}, nil
}

func (m *routedMeter) Int64Gauge(name string, o ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	return &i64Gauge{recorder: recorder[int64, metric.Int64Gauge]{instrument(m, metric.Meter.Int64Gauge, name, o)}}, nil
}

func (m *routedMeter) Float64Gauge(name string, o ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	return &f64Gauge{recorder: recorder[float64, metric.Float64Gauge]{instrument(m, metric.Meter.Float64Gauge, name, o)}}, nil
}
