package otel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/hostcheck"
	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/panictext"
	"github.com/otelkit/otelkit/internal/scrub"
	"github.com/otelkit/otelkit/internal/w3c"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/otel/internal/traceview"
	"github.com/otelkit/otelkit/tracing"
)

// ErrAlreadyInitialized is returned by Init when another Telemetry still
// owns the globals. Shut it down first. In tests, use oteltest, whose
// Telemetries run in parallel and still receive what code records through
// the globals. WithoutGlobals gives a Telemetry whose providers code must
// be given: tracing.Start and otel.Tracer keep using the globals.
var ErrAlreadyInitialized = errors.New("otelkit: Init called while another Telemetry owns the globals; call its Shutdown first " +
	"(in tests, use oteltest.New, which runs in parallel; WithoutGlobals leaves tracing.Start and otel.Tracer on the other Telemetry)")

// live is the Telemetry that currently owns the globals.
var live atomic.Pointer[Telemetry]

// Telemetry holds the providers and logger Init built. Its methods are safe
// for concurrent use; after Shutdown they are no-ops.
type Telemetry struct {
	res      *resource.Resource
	disabled bool // OTEL_SDK_DISABLED=true: no providers, the accessors give no-op ones

	traces  *tracing.Provider     // nil when disabled
	metrics *metrics.Provider     // nil when disabled
	logs    *logprovider.Provider // nil when disabled or when log records go nowhere (no OTLP log bridge)

	logger    *logging.Logger
	sdkErrors *rateLimitedHandler // the OpenTelemetry error handler's target: otel_sdk_error lines
	// sdkWarnings is the target of the SDK's warnings: otel_sdk_warning lines.
	sdkWarnings *rateLimitedHandler
	health      *healthState    // for HealthHandler
	scrub       *scrub.Scrubber // configured header values, kept out of every error
	warnings    []configWarning // Init's otelkit_config_warning lines, written once the logger exists
	// disabledInvalid is what would make Init fail with the SDK enabled,
	// found while it is disabled; written as warnings (disabled.go).
	disabledInvalid error

	shutdownTimeout time.Duration
	restore         func()
	closed          atomic.Bool
	shutdownOnce    sync.Once
	shutdownErr     error

	viewer *traceview.Store // WithTraceViewer; nil when off (traceviewer.go)
	hosts  hostcheck.Policy // the Host headers the endpoints answer (allowedhosts.go)
}

// ConfigError is the error type of every invalid setting Init reports: an
// OTEL_* or OTELKIT_* variable (Var) or an option (Option), named as the
// user wrote it, with the value (masked, or withheld, when it may be a
// secret) and what is allowed. Match it with errors.As; Init joins all of
// them in one error, and every message starts with "otelkit: invalid ".
// tracing.ConfigError and metrics.ConfigError are the same type.
type ConfigError = env.Error

// Init builds a tracer provider, a meter provider, a logger provider and a
// zap logger that share one resource, configured by opts, then the OTEL_*
// and OTELKIT_* environment, then defaults (see the package documentation,
// "Environment variables", for the table).
// Unless WithoutGlobals is given it installs them as the OpenTelemetry and
// zap globals; Shutdown puts the previous ones back (the tracer provider
// with an exception, see "Globals" in the package documentation). With a declarative
// configuration file (OTEL_CONFIG_FILE, WithConfigFile, WithConfigYAML)
// the file takes the place of the OTEL_* variables (see the package
// documentation, "Configuration file").
//
// Init never blocks on reaching a collector. Every invalid setting is a
// ConfigError naming the variable or option, its value and what is
// allowed; Init returns all of them, joined. Text that is not valid UTF-8,
// in any OTEL_* or OTELKIT_* variable or in an option that becomes a
// resource attribute, endpoint or header, is reported first and alone,
// without the value (the other errors would quote it). Values the
// specification says to ignore with a warning are logged at warn level
// through the new logger and the default is used. With
// OTEL_SDK_DISABLED=true the providers' settings, unused, are checked
// all the same, and what is invalid among them is logged so too.
func Init(ctx context.Context, opts ...Option) (tel *Telemetry, err error) {
	ctx = option.Context(ctx)
	c := newConfig(opts)
	src := env.FromFunc(c.lookup) // the process environment unless WithEnvLookup
	if err := c.checkUTF8(src); err != nil {
		return nil, err
	}
	if c.globals && live.Load() != nil {
		return nil, ErrAlreadyInitialized
	}
	file, err := c.configFile(src) // nil without OTEL_CONFIG_FILE or an option (configfile.go)
	if err != nil {
		return nil, err
	}
	t := &Telemetry{shutdownTimeout: c.shutdownTimeout, health: newHealthState(time.Now())}
	c, t.viewer = c.withTraceViewer()
	if t.shutdownTimeout <= 0 {
		t.shutdownTimeout = DefaultShutdownTimeout
	}
	// Exporter errors may quote a header the collector rejected; Init's own
	// errors never do (otlpconf names items, never keys or values), and
	// are left as they are, so that errors.As still finds a ConfigError.
	t.scrub = scrub.New(append(otlpconf.HeaderValues(src, c.configuredHeaders()...), file.Secrets()...))
	t.health.useScrubber(t.scrub)
	// What the SDK reports while the resource and the providers are built
	// is held until the logger exists (startup.go).
	reports := beginInitReports()
	defer reports.end() // whatever happens; end is idempotent
	if c.globals {
		// The SDK's own logger, for good: OpenTelemetry cannot say which
		// one it replaces, and with no live Telemetry this one behaves as
		// its default does (sdklog.go). Now, so that what the SDK warns
		// about while the providers are built is held with its errors.
		otel.SetLogger(sdkLogger)
	}
	defer func() {
		if err != nil {
			t.report(reports)
			// Release whatever was built before the failure.
			sctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = t.shutdownProviders(sctx)
			tel = nil
		}
	}()
	var prop propagation.TextMapPropagator
	if file != nil {
		prop, err = t.buildFromFile(ctx, c, file, src)
	} else {
		t.res, t.warnings = buildResource(ctx, c, src)
		t.warnings = append(t.warnings, nameWarnings(src)...) // envnames.go
		prop, err = t.build(ctx, c, src)
	}
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
	t.report(reports)
	return t, nil
}

// build reads OTEL_SDK_DISABLED, checks the resource options, builds the
// log provider (first, so that the logger can bridge to it), the logger,
// the tracer and meter providers, and reads the propagators. A failure does not stop it: it returns every
// configuration error, joined, each once. With the SDK disabled it builds
// the logger only, and keeps what the providers would refuse in
// t.disabledInvalid.
func (t *Telemetry) build(ctx context.Context, c config, src env.Source) (propagation.TextMapPropagator, error) {
	disabled, _, err := src.Bool("OTEL_SDK_DISABLED")
	errs := []error{err, c.checkResourceAttributes()}
	t.disabled = disabled
	var logs otlpconf.Resolved
	if !disabled {
		logs, err = t.buildLogs(ctx, c)
		errs = append(errs, err)
	}
	errs = append(errs, t.buildLogger(c))
	if !disabled {
		errs = append(errs, t.buildTraces(ctx, c), t.buildMetrics(ctx, c, src))
		t.health.describe(t.traces, t.metrics, logs)
	} else {
		if t.logger != nil {
			t.logger.Zap().Info("otel_sdk_disabled", zap.String("reason", "OTEL_SDK_DISABLED=true: no spans, metrics or log records are exported"))
		}
		t.disabledInvalid = t.checkDisabled(c)
	}
	t.health.logLevelSource = logLevelSource(t.logger)
	prop, err := c.propagators(src)
	errs = append(errs, err)
	return prop, joinConfigErrors(errs...)
}

func (t *Telemetry) installGlobals(prop propagation.TextMapPropagator) func() {
	prevTP := otel.GetTracerProvider()
	prevMP := otel.GetMeterProvider()
	prevLP := otel.GetLoggerProvider()
	prevProp := otel.GetTextMapPropagator()
	// The tracing.Provider (TracerProvider's): after Shutdown its tracers
	// count the spans begun through the global.
	afterTP, leaveOurs := prevTP, false
	if t.traces != nil {
		if leaveOurs = leavesOwnTracerProvider(prevTP); leaveOurs {
			afterTP = t.traces
		}
	}
	tp, mp, lp, zl := t.TracerProvider(), t.MeterProvider(), t.LoggerProvider(), t.logger.Zap()
	// Behind internal/w3c, so that code using the global propagator
	// directly (otelgrpc, a user's own otelhttp) reads repeated and
	// oversized W3C fields as httpmw does.
	p := w3c.Propagator(prop)
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetLoggerProvider(lp)
	otel.SetTextMapPropagator(p)
	undoZap := zap.ReplaceGlobals(zl)
	undoErr := installErrorHandler(t.sdkErrors, t.sdkWarnings)
	// Each global is put back only while it is still the one installed
	// here: one installed since (the routers the first oteltest.New
	// installs for the rest of the test binary, a program's own) stays.
	// Every value compared is a pointer (w3c's propagator holds one) or a
	// no-op provider's empty struct.
	return func() {
		undoErr()
		if zap.L() == zl {
			undoZap()
		}
		if otel.GetTextMapPropagator() == p {
			otel.SetTextMapPropagator(prevProp)
		}
		if otel.GetLoggerProvider() == lp {
			otel.SetLoggerProvider(prevLP)
		}
		if otel.GetMeterProvider() == mp {
			otel.SetMeterProvider(prevMP)
		}
		if otel.GetTracerProvider() == tp {
			otel.SetTracerProvider(afterTP)
			if leaveOurs {
				leftTracerProvider.Store(t.traces)
			}
		}
	}
}

// leftTracerProvider is the tracer provider the last Telemetry to own the
// globals left installed at its Shutdown (leavesOwnTracerProvider).
var leftTracerProvider atomic.Pointer[tracing.Provider]

// leavesOwnTracerProvider reports whether Shutdown leaves the Telemetry's
// own tracer provider as the global rather than put back prev, the one
// Init replaced: it does when prev is OpenTelemetry's default or the one a
// Telemetry shut down before left there. Its tracers, after Shutdown,
// count each sampled span begun through them as lost (after_shutdown).
// OpenTelemetry's default forwards for good to the first provider ever
// installed, which is shut down once its Telemetry is: put back, it would
// lose the spans uncounted, or count them in that other Telemetry. A
// provider the program installed, a tracing.Provider too, is put back.
func leavesOwnTracerProvider(prev trace.TracerProvider) bool {
	if p, ok := prev.(*tracing.Provider); ok && p == leftTracerProvider.Load() {
		return true
	}
	return isOTelDefault(prev)
}

// isOTelDefault reports whether tp is OpenTelemetry's default global tracer
// provider. Its type is internal to OpenTelemetry: it is known by its
// package.
func isOTelDefault(tp trace.TracerProvider) bool {
	t := reflect.TypeOf(tp)
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "go.opentelemetry.io/otel/internal/global"
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
// When the deadline passes first, the export in flight is cancelled and
// Shutdown waits up to 100 ms more for the providers to count what that
// lost, so that the counts and the last telemetry_dropped line are
// complete when it returns. An exporter that ignores the cancellation (a
// hung write, a custom exporter's bug) does not hold Shutdown: its export
// still in progress then is counted as failed (export_failed) and named in
// the error, and its end, if it comes, changes no count. Errors are
// joined; the configured OTLP header values are scrubbed from their text
// (errors.Is still works on the result). Safe to call more than once and from several goroutines: later
// calls return the first call's result.
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

// provider is what Shutdown and ForceFlush do to each provider.
type provider interface {
	ForceFlush(context.Context) error
	Shutdown(context.Context) error
}

// providers returns the providers Init built.
func (t *Telemetry) providers() []provider {
	var out []provider
	if t.traces != nil {
		out = append(out, t.traces)
	}
	if t.metrics != nil {
		out = append(out, t.metrics)
	}
	if t.logs != nil {
		out = append(out, t.logs)
	}
	return out
}

func (t *Telemetry) shutdownProviders(ctx context.Context) error {
	err := parallel(ctx, t.providers(), provider.Shutdown, shutdownSettle)
	if t.health != nil {
		t.health.writeOff(time.Now()) // exports still in progress: failed now (inflight.go)
		t.health.metrics.settle()     // what no export will send again is lost now
		t.health.drops.close()        // what the flush could not deliver, said now
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
	return t.scrub.Error(parallel(fctx, t.providers(), provider.ForceFlush, 0))
}

// shutdownSettle bounds how long Shutdown waits past its deadline for the
// providers to return. At the deadline they cancel the export in flight
// and count what it and the queues held (export_failed, shutdown) a
// moment later, their batch processors waiting up to batch.CancelSettle
// for that; the last telemetry_dropped line, written after them, must say
// so before a process that exits right after Shutdown is gone.
const shutdownSettle = 2 * batch.CancelSettle

// parallel runs do on every provider concurrently and joins their errors;
// it returns when all have returned or, once ctx is done, when settle has
// passed too, whichever is first. A panic in do (a processor's or
// exporter's Shutdown) is that provider's error: on these goroutines it
// would end the process before the other providers flushed.
func parallel(ctx context.Context, ps []provider, do func(provider, context.Context) error, settle time.Duration) error {
	errs := make(chan error, len(ps))
	for _, p := range ps {
		go func() {
			defer func() {
				if v := recover(); v != nil {
					errs <- panictext.Error(fmt.Sprintf("the %T", p), v)
				}
			}()
			errs <- do(p, ctx)
		}()
	}
	var joined error
	done := ctx.Done()
	var late <-chan time.Time // once ctx is done: the end of the settle time
	for pending := len(ps); pending > 0; {
		select {
		case err := <-errs:
			joined = errors.Join(joined, err)
			pending--
			continue
		case <-done:
			if settle > 0 {
				timer := time.NewTimer(settle)
				defer timer.Stop()
				done, late = nil, timer.C
				continue
			}
		case <-late:
		}
		return errors.Join(joined, fmt.Errorf("otelkit: shutdown: %w", ctx.Err()))
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

// TracerProvider returns the tracer provider, the one installed as the
// global: a *tracing.Provider, whose TracerProvider method gives the
// SDK's, except with OTEL_SDK_DISABLED=true, when it is a no-op provider
// (assert the type with ", ok"). After Shutdown its tracers still give
// spans their IDs and count each sampled span begun through them as lost
// (after_shutdown).
func (t *Telemetry) TracerProvider() trace.TracerProvider {
	if t == nil || t.traces == nil {
		return tracenoop.NewTracerProvider()
	}
	return t.traces
}

// MeterProvider returns the meter provider (a no-op one when
// OTEL_SDK_DISABLED=true).
func (t *Telemetry) MeterProvider() metric.MeterProvider {
	if t == nil || t.metrics == nil {
		return metricnoop.NewMeterProvider()
	}
	return t.metrics.MeterProvider()
}

// LoggerProvider returns the OpenTelemetry logger provider behind the OTLP
// log bridge, the one installed as the global (a no-op one when logs are
// not exported). It is not an *sdklog.LoggerProvider: with a log exporter,
// a record emitted after Shutdown through its loggers, obtained before or
// after, is counted as lost (after_shutdown), as the bridge's are.
func (t *Telemetry) LoggerProvider() log.LoggerProvider {
	if t == nil || t.logs == nil {
		return lognoop.NewLoggerProvider()
	}
	return t.logs
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
	if t == nil || t.metrics == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "metrics are not served here: set OTEL_METRICS_EXPORTER=prometheus", http.StatusNotFound)
		})
	}
	return t.metrics.Handler()
}
