package otel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/global"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/w3c"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

// ErrAlreadyInitialized is returned by Init when another Telemetry still
// owns the globals. Shut it down first, or pass WithoutGlobals.
var ErrAlreadyInitialized = errors.New("otelkit: Init called while another Telemetry owns the globals; call its Shutdown first or use WithoutGlobals")

// live is the Telemetry that currently owns the globals.
var live atomic.Pointer[Telemetry]

// Telemetry holds the providers and logger Init built. Its methods are safe
// for concurrent use; after Shutdown they are no-ops.
type Telemetry struct {
	res      *resource.Resource
	disabled bool

	tp  trace.TracerProvider
	sdk *sdktrace.TracerProvider
	mp  metric.MeterProvider
	met *metrics.Provider
	lp  log.LoggerProvider
	slp *sdklog.LoggerProvider

	logger *logging.Logger
	errs   *rateLimitedHandler
	hs     *healthState // for HealthHandler
	scrub  *scrubber    // configured header values, kept out of every error

	shutdownTimeout time.Duration
	restore         func()
	closed          atomic.Bool
	shutdownOnce    sync.Once
	shutdownErr     error
}

// Init builds a tracer provider, a meter provider, a logger provider and a
// zap logger that share one resource, configured by opts, then the OTEL_*
// and OTELKIT_* environment, then defaults (see the README for the table).
// Unless WithoutGlobals is given it installs them as the OpenTelemetry and
// zap globals; Shutdown puts the previous ones back.
//
// Init never blocks on reaching a collector. An invalid setting makes it
// return an error that names the variable, its value and what is allowed
// (text that is not valid UTF-8, in any OTEL_* or OTELKIT_* variable or in
// an option that becomes a resource attribute, endpoint or header, is an
// error that does not show the value);
// values the specification says to ignore with a warning are logged at
// warn level through the new logger and the default is used.
func Init(ctx context.Context, opts ...Option) (tel *Telemetry, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	c := newConfig(opts)
	src := env.FromOS()
	if err := c.checkUTF8(src); err != nil {
		return nil, err
	}

	disabled, _, err := src.Bool("OTEL_SDK_DISABLED")
	if err != nil {
		return nil, err
	}
	if c.globals && live.Load() != nil {
		return nil, ErrAlreadyInitialized
	}

	t := &Telemetry{disabled: disabled, shutdownTimeout: c.shutdownTimeout}
	if t.shutdownTimeout <= 0 {
		t.shutdownTimeout = DefaultShutdownTimeout
	}
	// Exporter errors may quote a header the collector rejected; Init's own
	// errors never do (otlpconf names items, never keys or values), and
	// are left as they are, so that errors.As still finds an *env.Error.
	t.scrub = newScrubber(otlpconf.HeaderValues(src, c.configuredHeaders()...))
	// What the SDK reports while the resource and the providers are built
	// is held until the logger exists (startup.go).
	reports := beginInitReports()
	defer reports.end() // whatever happens; end is idempotent
	var warnings []configWarning
	defer func() {
		if err != nil {
			t.report(warnings, reports)
			// Release whatever was built before the failure.
			sctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = t.shutdownProviders(sctx)
			tel = nil
		}
	}()

	t.res, warnings = buildResource(ctx, c)
	serviceName := "otelkit"
	if v, ok := t.res.Set().Value(keyServiceName); ok {
		serviceName = v.AsString()
	}

	t.hs = newHealthState(time.Now())
	t.hs.useScrubber(t.scrub)
	// Logs first, so that what follows can warn through the logger.
	if !disabled {
		var (
			logsResolved otlpconf.Resolved
			bridge       bool
		)
		t.slp, logsResolved, err = logprovider.NewWrapped(ctx, src, t.res, c.overrides(c.logsExporter), t.hs.logsWrapper(), t.hs.logsDropped, c.logProcessors...)
		if err != nil {
			return nil, err
		}
		// With nothing to export to, the bridge would only cost every line
		// (and every request's bound fields) work for nothing.
		bridge = logsResolved.Exporter != otlpconf.ExporterNone || len(c.logProcessors) > 0
		if !bridge {
			_ = t.slp.Shutdown(ctx)
			t.slp = nil
		}
	}
	logOpts := append([]logging.Option{}, c.logOptions...)
	logOpts = append(logOpts, logging.WithName(serviceName), logging.WithResource(t.res))
	if t.slp != nil {
		logOpts = append(logOpts, logging.WithLoggerProvider(t.slp))
	}
	if c.logLevel != nil {
		logOpts = append(logOpts, logging.WithLevel(*c.logLevel))
	}
	if c.logFormat != "" {
		logOpts = append(logOpts, logging.WithFormat(c.logFormat))
	}
	if c.logOutput != nil {
		logOpts = append(logOpts, logging.WithOutput(c.logOutput))
	}
	if t.logger, err = logging.New(logOpts...); err != nil {
		return nil, err
	}
	zl := t.logger.Zap()
	t.errs = newRateLimitedHandler(zl, 10*time.Second)
	t.errs.scrub = t.scrub
	t.hs.drops.start(zl)
	warn := func(err error) {
		if err != nil {
			zl.Warn("otelkit_config_warning", zap.String("detail", t.scrub.String(err.Error())))
		}
	}

	if disabled {
		t.tp = tracenoop.NewTracerProvider()
		t.mp = metricnoop.NewMeterProvider()
		t.lp = lognoop.NewLoggerProvider()
		zl.Info("otel_sdk_disabled", zap.String("reason", "OTEL_SDK_DISABLED=true: no spans, metrics or log records are exported"))
	} else {
		// The span exporter is wrapped to count exports for HealthHandler.
		topts := append(c.tracingOptions(t.res, warn), t.hs.tracesWrapper(), tracing.WithDropHandler(t.hs.tracesDropped))
		if t.sdk, err = tracing.NewTracerProvider(ctx, topts...); err != nil {
			return nil, err
		}
		t.tp = t.sdk
		mopts := append(c.metricsOptions(t.res, warn), t.hs.metricsWrapper())
		if r := selfObservabilityReader(src); r != nil {
			mopts, t.hs.selfObs = append(mopts, metrics.WithReader(r)), r
		}
		if t.met, err = metrics.New(ctx, mopts...); err != nil {
			return nil, err
		}
		t.mp = t.met.MeterProvider()
		if t.slp != nil {
			t.lp = t.slp
		} else {
			t.lp = lognoop.NewLoggerProvider()
		}
	}

	var metricExporters []string
	if t.met != nil {
		metricExporters = t.met.Exporters()
	}
	t.hs.resolve(c, src, metricExporters)

	prop, err := c.propagators(src)
	if err != nil {
		return nil, err
	}

	reports.end() // before installGlobals, which records the handler to put back
	if c.globals {
		if !live.CompareAndSwap(nil, t) {
			return nil, ErrAlreadyInitialized
		}
		t.restore = t.installGlobals(prop)
	}
	t.report(warnings, reports)
	return t, nil
}

func (c config) overrides(exporter string) otlpconf.Overrides {
	return otlpconf.Overrides{
		Exporter:    exporter,
		Protocol:    c.otlp.protocol,
		Endpoint:    c.otlp.endpoint,
		Headers:     c.otlp.headers,
		Insecure:    c.otlp.insecure,
		Timeout:     c.otlp.timeout,
		Compression: c.otlp.compression,
		Console:     c.console,
	}
}

func (c config) propagators(src env.Source) (propagation.TextMapPropagator, error) {
	if c.propagator != nil {
		return c.propagator, nil
	}
	names, set := src.List("OTEL_PROPAGATORS")
	if !set || len(names) == 0 {
		return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}), nil
	}
	p, err := autoprop.TextMapPropagator(names...)
	if err != nil {
		v, _ := src.String("OTEL_PROPAGATORS")
		return nil, &env.Error{Var: "OTEL_PROPAGATORS", Value: v,
			Allowed: "a comma-separated list of tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, none", Err: err}
	}
	return p, nil
}

func (t *Telemetry) installGlobals(prop propagation.TextMapPropagator) func() {
	prevTP := otel.GetTracerProvider()
	prevMP := otel.GetMeterProvider()
	prevLP := global.GetLoggerProvider()
	prevProp := otel.GetTextMapPropagator()
	otel.SetTracerProvider(t.tp)
	otel.SetMeterProvider(t.mp)
	global.SetLoggerProvider(t.lp)
	// Behind internal/w3c, so that code using the global propagator
	// directly (otelgrpc, a user's own otelhttp) reads repeated and
	// oversized W3C fields as httpmw does.
	otel.SetTextMapPropagator(w3c.Propagator(prop))
	undoZap := zap.ReplaceGlobals(t.logger.Zap())
	undoErr := installErrorHandler(t.errs)
	return func() {
		undoErr()
		undoZap()
		otel.SetTextMapPropagator(prevProp)
		global.SetLoggerProvider(prevLP)
		otel.SetMeterProvider(prevMP)
		otel.SetTracerProvider(prevTP)
	}
}

// boundedContext returns a context for Shutdown and ForceFlush: ctx itself
// when it has a deadline, ctx bounded by def when it has none, and a fresh
// context bounded by one second when ctx is already done, so that a flush
// still happens.
func boundedContext(ctx context.Context, def time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	if ctx.Err() != nil {
		return context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	}
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, def)
}

// Shutdown flushes and stops the three providers in parallel, syncs the
// logger and puts back the globals Init replaced. It is bounded by ctx; a
// ctx without deadline is bounded by DefaultShutdownTimeout (or
// WithShutdownTimeout), and an already cancelled ctx by a fresh second.
// Errors are joined; the configured OTLP header values are scrubbed from
// their text (errors.Is still works on the result). Safe to call more than
// once and from several goroutines: later calls return the first call's
// result.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	t.shutdownOnce.Do(func() {
		t.closed.Store(true)
		sctx, cancel := boundedContext(ctx, t.shutdownTimeout)
		defer cancel()
		err := t.shutdownProviders(sctx)
		if t.restore != nil {
			t.restore()
			live.CompareAndSwap(t, nil)
		}
		t.shutdownErr = t.scrub.Error(err)
	})
	return t.shutdownErr
}

func (t *Telemetry) shutdownProviders(ctx context.Context) error {
	var fns []func(context.Context) error
	if t.sdk != nil {
		fns = append(fns, t.sdk.Shutdown)
	}
	if t.met != nil {
		fns = append(fns, t.met.Shutdown)
	}
	if t.slp != nil {
		fns = append(fns, t.slp.Shutdown)
	}
	err := parallel(ctx, fns)
	if t.hs != nil {
		t.hs.drops.close() // what the flush could not deliver, said now
	}
	if t.logger != nil {
		if serr := t.logger.Sync(); serr != nil && !isHarmlessSyncError(serr) {
			err = errors.Join(err, fmt.Errorf("otelkit: logger sync: %w", serr))
		}
	}
	return err
}

// ForceFlush exports everything the three providers hold, in parallel,
// bounded like Shutdown. Errors are joined and scrubbed like Shutdown's.
// After Shutdown it does nothing.
func (t *Telemetry) ForceFlush(ctx context.Context) error {
	if t == nil || t.closed.Load() {
		return nil
	}
	fctx, cancel := boundedContext(ctx, t.shutdownTimeout)
	defer cancel()
	var fns []func(context.Context) error
	if t.sdk != nil {
		fns = append(fns, t.sdk.ForceFlush)
	}
	if t.met != nil {
		fns = append(fns, t.met.ForceFlush)
	}
	if t.slp != nil {
		fns = append(fns, t.slp.ForceFlush)
	}
	return t.scrub.Error(parallel(fctx, fns))
}

// parallel runs fns concurrently and joins their errors; it returns when
// all have returned or ctx is done, whichever is first.
func parallel(ctx context.Context, fns []func(context.Context) error) error {
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn(ctx) }()
	}
	var joined error
	for range fns {
		select {
		case err := <-errs:
			joined = errors.Join(joined, err)
		case <-ctx.Done():
			return errors.Join(joined, fmt.Errorf("otelkit: shutdown: %w", ctx.Err()))
		}
	}
	return joined
}

// isHarmlessSyncError reports the errors fsync gives for terminals and
// pipes, which are not failures of the logger.
func isHarmlessSyncError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "invalid argument") || strings.Contains(s, "inappropriate ioctl") ||
		strings.Contains(s, "bad file descriptor")
}

// Logger returns the service logger (also zap's global unless
// WithoutGlobals). Prefer logging.FromContext(ctx) in request code.
func (t *Telemetry) Logger() *zap.Logger {
	if t == nil || t.logger == nil {
		return zap.NewNop()
	}
	return t.logger.Zap()
}

// Logging returns the logging.Logger behind Logger, for its level controls
// (SetLevel, LevelHandler) and slog.
func (t *Telemetry) Logging() *logging.Logger {
	if t == nil {
		return nil
	}
	return t.logger
}

// TracerProvider returns the tracer provider (a no-op one when
// OTEL_SDK_DISABLED=true).
func (t *Telemetry) TracerProvider() trace.TracerProvider {
	if t == nil || t.tp == nil {
		return tracenoop.NewTracerProvider()
	}
	return t.tp
}

// MeterProvider returns the meter provider (a no-op one when
// OTEL_SDK_DISABLED=true).
func (t *Telemetry) MeterProvider() metric.MeterProvider {
	if t == nil || t.mp == nil {
		return metricnoop.NewMeterProvider()
	}
	return t.mp
}

// LoggerProvider returns the OpenTelemetry logger provider behind the OTLP
// log bridge (a no-op one when logs are not exported).
func (t *Telemetry) LoggerProvider() log.LoggerProvider {
	if t == nil || t.lp == nil {
		return lognoop.NewLoggerProvider()
	}
	return t.lp
}

// Resource returns the resource all three signals share.
func (t *Telemetry) Resource() *resource.Resource {
	if t == nil {
		return resource.Empty()
	}
	return t.res
}

// MetricsHandler returns the Prometheus scrape handler when the metrics
// exporter is "prometheus", for mounting on the service's own mux; otherwise
// a handler that answers 404 with an explanation.
func (t *Telemetry) MetricsHandler() http.Handler {
	if t == nil || t.met == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "metrics are not served here: set OTEL_METRICS_EXPORTER=prometheus", http.StatusNotFound)
		})
	}
	return t.met.Handler()
}

var userInfoRE = regexp.MustCompile(`://[^/@\s]+@`)

// redactError removes user-info (user:password@) from URLs in s.
func redactError(s string) string {
	return userInfoRE.ReplaceAllString(s, "://REDACTED@")
}
