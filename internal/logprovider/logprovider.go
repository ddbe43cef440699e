package logprovider

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"time"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/sanitize"
)

// The SDK's batch defaults (sdk/log keeps them unexported).
const (
	DefaultScheduleDelay      = time.Second
	DefaultExportTimeout      = 30 * time.Second
	DefaultMaxQueueSize       = 2048
	DefaultMaxExportBatchSize = 512
)

// DefaultAttributeValueLengthLimit caps log record attribute values when
// OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT is unset (the SDK keeps values
// of any length). It is larger than the span cap so that stack traces fit.
const DefaultAttributeValueLengthLimit = 16384

// batchDefaults are the SDK's batch processor defaults.
var batchDefaults = batch.Config{
	ScheduleDelay:      DefaultScheduleDelay,
	ExportTimeout:      DefaultExportTimeout,
	MaxQueueSize:       DefaultMaxQueueSize,
	MaxExportBatchSize: DefaultMaxExportBatchSize,
}

// Limits is the effective log record limits configuration.
type Limits struct {
	AttributeCountLimit       int
	AttributeValueLengthLimit int
}

// readLimits reads and validates the OTEL_LOGRECORD_* limits.
func readLimits(src env.Source) (Limits, error) {
	l := Limits{AttributeCountLimit: 128, AttributeValueLengthLimit: DefaultAttributeValueLengthLimit}
	var errs []error
	if n, set, err := src.Int("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", 0, math.MaxInt32); err != nil {
		errs = append(errs, err)
	} else if set {
		l.AttributeCountLimit = n
	}
	if n, set, err := src.Int("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", 0, math.MaxInt32); err != nil {
		errs = append(errs, err)
	} else if set {
		l.AttributeValueLengthLimit = n
	}
	return l, errors.Join(errs...)
}

// loggerProviderAPI carries embedded.LoggerProvider, which an
// otellog.LoggerProvider must embed, under a name that leaves
// LoggerProvider to the method, as tracing's tracerProviderAPI does.
type loggerProviderAPI struct{ embedded.LoggerProvider }

// Provider is the logger provider NewLoggerProvider built, with the
// exporter configuration it resolved. It is an otellog.LoggerProvider
// (Logger) whose loggers count the records emitted after Shutdown
// (aftershutdown.go). Its methods are safe for concurrent use.
type Provider struct {
	loggerProviderAPI

	lp       *sdklog.LoggerProvider
	exporter otlpconf.Resolved

	// With an exporter: its batch processor, and the gate every record of
	// Logger's loggers goes through. Without: zero and nil.
	proc     logProcessor
	loggers  *countingLoggers
	shutdown atomic.Bool
}

// NewLoggerProvider builds the LoggerProvider the OTLP log bridge writes
// to, the way tracing.NewTracerProvider and metrics.NewMeterProvider build
// theirs.
//
// The exporter comes from OTEL_LOGS_EXPORTER (otlp, console or none) and the
// OTLP variables, resolved once by otlpconf (WithOTLPOverrides wins over
// the variables), guarded to receive valid UTF-8 only, with the values
// under credential keys REDACTED (sanitize.LogExporter; WithRedactedKeys,
// WithoutKeyRedaction), passed through WithExporterWrapper's wrapper,
// over OTLP bounded in size (exportsize.Limit: a batch goes in parts, a
// record too large alone is dropped as exportsize.TooLarge) and put behind a
// batch processor; WithProcessor's processors follow it.
// Before anything is built it validates OTEL_BLRP_SCHEDULE_DELAY,
// OTEL_BLRP_EXPORT_TIMEOUT (whole milliseconds >= 1),
// OTEL_BLRP_MAX_QUEUE_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE (1..1048576),
// the OTEL_LOGRECORD_ATTRIBUTE_* limits and every OTLP variable and option
// for logs, and reports all invalid values in one error, each an
// *env.Error. A batch size above the queue size becomes the queue size,
// with a warning to WithWarningHandler (default otel.Handle). The batch
// settings and limits are always passed to the SDK explicitly, so it never
// reads these variables itself.
//
// With the exporter "none" and no processor the provider has no
// processor: it is non-nil and safe to shut down, and its loggers report
// Enabled false, so the bridge costs next to nothing. The caller owns the
// provider and must Shutdown it.
func NewLoggerProvider(ctx context.Context, opts ...Option) (*Provider, error) {
	ctx = option.Context(ctx)
	c := newConfig(opts)
	s, err := c.resolve()
	if err != nil {
		return nil, err
	}
	exp, err := otlpconf.LogExporter(ctx, s.exporter)
	if err != nil {
		return nil, err
	}
	// Valid UTF-8 only, innermost: one invalid byte would fail the batch;
	// a panic costs the batch, not the process.
	exp = exportwrap.Logs(sanitize.LogExporter(exp, c.redact.Rule()), exportwrap.Recovered)
	if exp, err = exportwrap.Apply(ctx, exp, c.wraps...); err != nil {
		return nil, err
	}
	lpOpts := []sdklog.LoggerProviderOption{
		sdklog.WithAttributeCountLimit(s.limits.AttributeCountLimit),
		sdklog.WithAttributeValueLengthLimit(s.limits.AttributeValueLengthLimit),
	}
	if c.resource != nil {
		lpOpts = append(lpOpts, sdklog.WithResource(c.resource))
	}
	p := &Provider{exporter: s.exporter}
	if exp != nil {
		if limit := exportsize.Limit(s.exporter); limit > 0 {
			// Outermost, so that the export-health wrapper counts each
			// export it makes.
			exp = sizeBounded(exp, limit, func(reason string, n int) { p.proc.Drop(reason, n) })
		}
		s.batch.OnDrop = c.onDrop
		p.proc = newLogProcessor(exp, s.batch)
		p.loggers = &countingLoggers{gate: newEmitGate(p.proc.Drop)}
		lpOpts = append(lpOpts, sdklog.WithProcessor(p.proc))
	}
	for _, proc := range c.processors {
		lpOpts = append(lpOpts, sdklog.WithProcessor(proc))
	}
	p.lp = sdklog.NewLoggerProvider(lpOpts...)
	return p, nil
}

// Validate checks the options and the environment as NewLoggerProvider
// does and returns the same errors, building nothing (no exporter,
// processor or provider), as tracing.Validate and metrics.Validate do.
func Validate(opts ...Option) error {
	_, err := newConfig(opts).resolve()
	return err
}

// settings is what NewLoggerProvider resolved.
type settings struct {
	batch    batch.Config
	limits   Limits
	exporter otlpconf.Resolved
}

// resolve reads and validates everything, returning every invalid value,
// joined.
func (c config) resolve() (settings, error) {
	src, warn := env.FromFunc(c.lookup), env.Warner(c.warn...)
	var s settings
	var errs [3]error
	s.batch, errs[0] = batch.FromEnv(src, "OTEL_BLRP_", batchDefaults, warn)
	s.limits, errs[1] = readLimits(src)
	s.exporter, errs[2] = otlpconf.Resolve(src, otlpconf.Logs, c.otlp)
	return s, errors.Join(errs[:]...)
}

// LoggerProvider returns the SDK logger provider. Its loggers do not count
// the records emitted after Shutdown; Logger's do.
func (p *Provider) LoggerProvider() *sdklog.LoggerProvider { return p.lp }

// Logger returns the SDK provider's logger (LoggerProvider().Logger), so
// that a Provider is an otellog.LoggerProvider; otel.Init gives it to the
// log bridge and installs it as the global one. With an exporter, its
// Enabled reports true, and a record emitted after Shutdown, through a
// logger obtained before or after, is reported to WithDropHandler's
// handler as lost (batch.AfterShutdown), once, unless its context is
// Uncounted. Without one (exporter "none") it is the SDK's logger.
func (p *Provider) Logger(name string, opts ...otellog.LoggerOption) otellog.Logger {
	l := p.lp.Logger(name, opts...)
	if p.loggers == nil {
		return l
	}
	return p.loggers.wrap(l)
}

// ExporterConfig returns the exporter configuration the provider resolved
// (a copy: changing it changes nothing).
func (p *Provider) ExporterConfig() otlpconf.Resolved { return p.exporter.Clone() }

// ForceFlush exports the records the batch processor holds, bounded by ctx.
// After Shutdown it does nothing.
func (p *Provider) ForceFlush(ctx context.Context) error {
	if p.shutdown.Load() {
		return nil
	}
	return p.lp.ForceFlush(option.Context(ctx))
}

// Shutdown flushes and stops the processors and the exporter, bounded by
// ctx. Safe to call more than once; the provider is a no-op afterwards.
// With an exporter, it first closes Logger's loggers (records emitted from
// then on are counted lost) and waits for the records being emitted to
// reach the batch processor; the batch processor is shut down even when
// the SDK skips it (ctx ended first), so that what it holds is counted
// and its goroutine ends (once its export returns, when the exporter
// ignores ctx: see the package doc).
func (p *Provider) Shutdown(ctx context.Context) error {
	if !p.shutdown.CompareAndSwap(false, true) {
		return nil
	}
	ctx = option.Context(ctx)
	if p.loggers == nil {
		return p.lp.Shutdown(ctx)
	}
	if !p.loggers.gate.close(ctx) {
		// Records are still being emitted, and ctx has ended. The SDK
		// provider is left running, so that they reach the batch
		// processor, which counts them as it is shut down (after_shutdown):
		// stopped, the SDK would drop them uncounted. Its other processors
		// are not shut down, as the SDK's Shutdown would not shut them
		// down either once ctx has ended.
		return errors.Join(ctx.Err(), p.proc.Shutdown(ctx))
	}
	err := p.lp.Shutdown(ctx)
	// The SDK skips the processors once ctx has ended (all of them when it
	// was done already), and never tries again. When it shut the batch
	// processor down, this does nothing.
	if perr := p.proc.Shutdown(ctx); err == nil {
		err = perr
	}
	return err
}
