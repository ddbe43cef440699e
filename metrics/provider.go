package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/panictext"
)

// fallbackScope names meters when neither a name nor a service name is known.
const fallbackScope = "github.com/otelkit/otelkit/metrics"

// ConfigError is the error type of every invalid setting, variable or
// option, that NewMeterProvider reports (match it with errors.As). It is
// the same type as otel.ConfigError and tracing.ConfigError.
type ConfigError = env.Error

// ExporterConfig is the exporter configuration a provider resolved: the
// exporters in use and the OTLP settings, each value with where it came
// from (Sources: "option", "env:<NAME>" or "default"). It holds the names
// of the headers, never their values, and the endpoint with credentials
// masked. It is the same type as tracing.ExporterConfig.
type ExporterConfig = otlpconf.Resolved

// Provider is a configured meter provider together with what was built
// around it: the readers, the Prometheus scrape handler and listener, and the
// runtime instrumentation, and the exporter configuration it resolved.
// Build it with NewMeterProvider; all methods are safe for concurrent use
// and on a nil *Provider.
type Provider struct {
	mp       *sdkmetric.MeterProvider
	exporter ExporterConfig
	scope    string
	prom     *promServer // nil when the Prometheus exporter is off
	shut     atomic.Bool
}

// NewMeterProvider builds a meter provider from options and the environment
// (option > OTEL_* variable > default). Every invalid value is a
// ConfigError naming the variable or option, the value and what is
// allowed, all of them joined in one error; NewMeterProvider then starts
// nothing. It never blocks on connecting to a collector; it binds the
// Prometheus listener (when that exporter is on) before returning, so a
// port already in use is reported here.
//
// NewMeterProvider does not install the provider as the global one;
// otel.Init does that.
func NewMeterProvider(ctx context.Context, opts ...Option) (*Provider, error) {
	ctx = option.Context(ctx)
	c := newConfig(opts)
	s, err := c.resolve(env.FromFunc(c.lookup))
	if err != nil {
		return nil, err
	}
	p := &Provider{exporter: s.exporter}
	res := c.resource
	if res == nil {
		res = resource.Default()
	}
	readers, err := p.exporterReaders(ctx, c, s, res)
	if err != nil {
		return nil, err
	}
	p.scope = serviceName(res)
	mpOpts := []sdkmetric.Option{
		sdkmetric.WithCardinalityLimit(s.cardinalityLimit),
		sdkmetric.WithExemplarFilter(s.exemplarFilter),
		sdkmetric.WithView(c.views...),
	}
	if c.resource != nil {
		mpOpts = append(mpOpts, sdkmetric.WithResource(c.resource))
	}
	for _, r := range append(readers, c.readers...) {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	if !c.noHostGuard {
		mpOpts = append(mpOpts, sdkmetric.WithView(guardView(c.views)))
	}
	// From here the provider owns the readers: shutting it down shuts them.
	p.mp = sdkmetric.NewMeterProvider(mpOpts...)
	if err := p.startInstrumentation(c); err != nil {
		_ = p.Shutdown(ctx)
		return nil, err
	}
	if p.scope != "" {
		defaultScope.Store(&p.scope)
	}
	return p, nil
}

// Validate checks the options and the environment as NewMeterProvider
// does and returns the same errors, building nothing: no exporter, reader,
// provider or Prometheus listener, so no goroutine and no open port. What
// NewMeterProvider would correct rather than refuse goes to
// WithWarningHandler's handler. otel.Init uses it with
// OTEL_SDK_DISABLED=true, so that a bad setting shows before the SDK is
// turned on.
func Validate(opts ...Option) error {
	c := newConfig(opts)
	_, err := c.resolve(env.FromFunc(c.lookup))
	return err
}

// New is NewMeterProvider.
//
// Deprecated: use NewMeterProvider, named like tracing.NewTracerProvider
// and the SDK's constructors.
func New(ctx context.Context, opts ...Option) (*Provider, error) {
	return NewMeterProvider(ctx, opts...)
}

// exporterReaders builds a reader per exporter in use: a periodic reader
// for each push exporter (OTLP, console), the Prometheus exporter's own
// reader (p.prom). On an error it shuts down what it built.
func (p *Provider) exporterReaders(ctx context.Context, c config, s settings, res *resource.Resource) (readers []sdkmetric.Reader, err error) {
	defer func() {
		if err != nil {
			for _, r := range readers {
				_ = r.Shutdown(ctx)
			}
			if p.prom != nil {
				_ = p.prom.shutdown(ctx)
				p.prom = nil
			}
			readers = nil
		}
	}()
	watch := newOverflowWatch(c.overflow, s.cardinalityLimit)
	for _, name := range s.exporter.Exporters {
		if name == ExporterPrometheus {
			if p.prom, err = newPromServer(res, s.promAddr, !c.promNoServer, watch); err != nil {
				return readers, err
			}
			readers = append(readers, p.prom.reader)
			continue
		}
		exp, err := pushExporter(ctx, c, s.exporter, name, watch)
		if err != nil {
			return readers, err
		}
		readers = append(readers, newPeriodicReader(exp, s.interval, s.timeout))
	}
	return readers, nil
}

// startInstrumentation starts the runtime metrics and what
// WithInstrumentation and WithNamedInstrumentation added on p.
func (p *Provider) startInstrumentation(c config) error {
	if !c.noRuntime {
		if err := runtime.Start(runtime.WithMeterProvider(p.mp)); err != nil {
			return fmt.Errorf("otelkit: starting runtime metrics: %w", err)
		}
	}
	for _, in := range c.instrumentation {
		if err := startRecovered(in.start, p.mp); err != nil {
			return err
		}
	}
	return nil
}

// startRecovered runs start, turning a panic into its error: the provider
// already holds readers and maybe the Prometheus listener, which
// NewMeterProvider must shut down either way.
func startRecovered(start func(metric.MeterProvider) error, mp metric.MeterProvider) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panictext.Error("the instrumentation given to WithInstrumentation", v)
		}
	}()
	return start(mp)
}

// MeterProvider returns the SDK meter provider (nil on a nil Provider).
func (p *Provider) MeterProvider() *sdkmetric.MeterProvider {
	if p == nil {
		return nil
	}
	return p.mp
}

// Exporters lists the exporters in use, e.g. ["otlp", "prometheus"]; empty
// for "none".
func (p *Provider) Exporters() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.exporter.Exporters)
}

// ExporterConfig returns the exporter configuration the provider resolved
// (a copy: changing it changes nothing).
func (p *Provider) ExporterConfig() ExporterConfig {
	if p == nil {
		return ExporterConfig{}
	}
	return p.exporter.Clone()
}

// Handler serves the Prometheus scrape endpoint, in the OpenMetrics format
// (with exemplars) when the scraper asks for it and in the classic text
// format otherwise. Mount it on your own mux, e.g. at /metrics. When the
// Prometheus exporter is off it answers 404 with a message saying how to turn
// it on; after Shutdown it answers 503.
func (p *Provider) Handler() http.Handler {
	if p == nil || p.prom == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "otelkit: the Prometheus metrics exporter is off; set OTEL_METRICS_EXPORTER=prometheus or use metrics.WithExporter(\"prometheus\")", http.StatusNotFound)
		})
	}
	return p.prom.handler
}

// PrometheusAddr returns the address the Prometheus listener is bound to
// (useful with port 0), or "" when there is no listener.
func (p *Provider) PrometheusAddr() string {
	if p == nil || p.prom == nil || p.prom.ln == nil {
		return ""
	}
	return p.prom.ln.Addr().String()
}

// Meter returns a meter from this provider. Its name is name[0] when given,
// else the service.name of the provider's resource.
func (p *Provider) Meter(name ...string) metric.Meter {
	if p == nil || p.mp == nil {
		return otel.GetMeterProvider().Meter(scopeName(name, ""))
	}
	return p.mp.Meter(scopeName(name, p.scope))
}

// ForceFlush exports what push readers hold now, bounded by ctx (a nil
// ctx is context.Background(), as for NewMeterProvider). It is a no-op
// after Shutdown.
func (p *Provider) ForceFlush(ctx context.Context) error {
	if p == nil || p.mp == nil || p.shut.Load() {
		return nil
	}
	err := p.mp.ForceFlush(option.Context(ctx))
	if errors.Is(err, sdkmetric.ErrReaderShutdown) && p.shut.Load() {
		return nil // lost a race with Shutdown, which flushed
	}
	return err
}

// Shutdown flushes and stops the readers and exporters and closes the
// Prometheus listener, bounded by ctx (nil: context.Background()); errors
// are joined. An exporter whose export ignores ctx does not hold it (see
// the package doc, Shutdown). It is safe to call more than once and
// concurrently; only the first call does the work.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil || !p.shut.CompareAndSwap(false, true) {
		return nil
	}
	ctx = option.Context(ctx)
	var err error
	if p.prom != nil {
		err = p.prom.shutdown(ctx)
	}
	if p.mp != nil {
		if e := p.mp.Shutdown(ctx); e != nil && !errors.Is(e, sdkmetric.ErrReaderShutdown) {
			err = errors.Join(err, e)
		}
	}
	return err
}

// defaultScope is the service name of the most recently built Provider,
// used by the package-level Meter when no name is given.
var defaultScope atomic.Pointer[string]

// Meter returns a meter from the global meter provider (the one otel.Init
// installs). Its name is name[0] when given, else the service name of the
// most recently built Provider, else this package's import path.
func Meter(name ...string) metric.Meter {
	def := ""
	if s := defaultScope.Load(); s != nil {
		def = *s
	}
	return otel.GetMeterProvider().Meter(scopeName(name, def))
}

func scopeName(name []string, def string) string {
	if len(name) > 0 && strings.TrimSpace(name[0]) != "" {
		return name[0]
	}
	if def != "" {
		return def
	}
	return fallbackScope
}

func serviceName(res *resource.Resource) string {
	if res == nil {
		return ""
	}
	if v, ok := res.Set().Value(semconv.ServiceNameKey); ok {
		return v.AsString()
	}
	return ""
}

// WithoutHostGuard removes the default view that drops server.address and
// server.port from http.server.* instruments (the host guard).
//
// The guard is on by default because otelhttp, and most HTTP
// instrumentation built on it, takes server.address and server.port from
// the request's Host header when no server name with a port is configured:
// a client sending random Host values would then create a new series per
// value (up to the cardinality limit, after which every new series, the
// legitimate ones included, lands in the overflow series). Dropping the
// two attributes closes that hole for any instrumentation.
//
// The guard has a price on the hot path: with exemplars on (the default
// trace_based filter) every measurement taken in a sampled span computes
// the attributes the filter dropped, so they can be kept on the exemplar:
// with server.address and server.port in the measurement, about 280 ns,
// one allocation and 256 B per measurement over the same histogram without
// the guard (BenchmarkHistogramRecordInSampledSpan), so 3 allocations per
// request over otelhttp's three http.server.* instruments (1.4 KB per
// request in the whole-service profile, internal/testkit/loadbench).
//
// Turn it off only when every http.server.* instrument in the process is
// fed by instrumentation that does not take these attributes from the
// client: httpmw.Handler is such instrumentation (it gives otelhttp a fixed
// server name, so server.address never comes from Host). A view of your
// own that matches an http.server.* instrument replaces the guard for that
// instrument either way.
func WithoutHostGuard() Option {
	return optionFunc(func(c config) config { c.noHostGuard = true; return c })
}

// guardView keeps HTTP server metrics from growing a series per Host header:
// it drops server.address and server.port from http.server.* instruments
// (the route, method and status stay). An instrument that one of the user's
// views matches is left to those views.
func guardView(user []sdkmetric.View) sdkmetric.View {
	deny := attribute.NewDenyKeysFilter(semconv.ServerAddressKey, semconv.ServerPortKey)
	return func(inst sdkmetric.Instrument) (sdkmetric.Stream, bool) {
		if !strings.HasPrefix(inst.Name, "http.server.") {
			return sdkmetric.Stream{}, false
		}
		for _, v := range user {
			if _, ok := v(inst); ok {
				return sdkmetric.Stream{}, false
			}
		}
		return sdkmetric.Stream{
			Name:            inst.Name,
			Description:     inst.Description,
			Unit:            inst.Unit,
			AttributeFilter: deny,
		}, true
	}
}
