package logprovider

import (
	"context"
	"errors"
	"math"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/exportwrap"
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

// Provider is the logger provider NewLoggerProvider built, with the
// exporter configuration it resolved. Its methods are safe for concurrent
// use.
type Provider struct {
	lp       *sdklog.LoggerProvider
	exporter otlpconf.Resolved
}

// NewLoggerProvider builds the LoggerProvider the OTLP log bridge writes
// to, the way tracing.NewTracerProvider and metrics.NewMeterProvider build
// theirs.
//
// The exporter comes from OTEL_LOGS_EXPORTER (otlp, console or none) and the
// OTLP variables, resolved once by otlpconf (WithOTLPOverrides wins over
// the variables), guarded to receive valid UTF-8 only
// (sanitize.LogExporter), passed through WithExporterWrapper's wrapper and
// put behind a batch processor; WithProcessor's processors follow it.
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
	if ctx == nil {
		ctx = context.Background()
	}
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
	exp = exportwrap.Logs(sanitize.LogExporter(exp), exportwrap.Recovered)
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
	if exp != nil {
		s.batch.OnDrop = c.onDrop
		lpOpts = append(lpOpts, sdklog.WithProcessor(newLogProcessor(exp, s.batch)))
	}
	for _, p := range c.processors {
		lpOpts = append(lpOpts, sdklog.WithProcessor(p))
	}
	return &Provider{lp: sdklog.NewLoggerProvider(lpOpts...), exporter: s.exporter}, nil
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

// LoggerProvider returns the SDK logger provider.
func (p *Provider) LoggerProvider() *sdklog.LoggerProvider { return p.lp }

// ExporterConfig returns the exporter configuration the provider resolved
// (a copy: changing it changes nothing).
func (p *Provider) ExporterConfig() otlpconf.Resolved { return p.exporter.Clone() }

// ForceFlush exports the records the batch processor holds, bounded by ctx.
func (p *Provider) ForceFlush(ctx context.Context) error { return p.lp.ForceFlush(ctx) }

// Shutdown flushes and stops the processors and the exporter, bounded by
// ctx. Safe to call more than once; the provider is a no-op afterwards.
func (p *Provider) Shutdown(ctx context.Context) error { return p.lp.Shutdown(ctx) }
