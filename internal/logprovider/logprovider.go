package logprovider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/otel"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/env"
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

// maxQueueSize bounds the queue sizes: the queue is allocated up front.
const maxQueueSize = 1 << 20

// Batch is the effective batch processor configuration.
type Batch struct {
	ScheduleDelay      time.Duration
	ExportTimeout      time.Duration
	MaxQueueSize       int
	MaxExportBatchSize int
}

// Limits is the effective log record limits configuration.
type Limits struct {
	AttributeCountLimit       int
	AttributeValueLengthLimit int
}

// readBatch reads and validates the OTEL_BLRP_* variables; warn receives the
// clamping of a batch size larger than the queue.
func readBatch(src env.Source, warn func(error)) (Batch, error) {
	b := Batch{DefaultScheduleDelay, DefaultExportTimeout, DefaultMaxQueueSize, DefaultMaxExportBatchSize}
	var errs []error
	if d, set, err := src.Millis("OTEL_BLRP_SCHEDULE_DELAY", time.Millisecond); err != nil {
		errs = append(errs, err)
	} else if set {
		b.ScheduleDelay = d
	}
	if d, set, err := src.Millis("OTEL_BLRP_EXPORT_TIMEOUT", time.Millisecond); err != nil {
		errs = append(errs, err)
	} else if set {
		b.ExportTimeout = d
	}
	if n, set, err := src.Int("OTEL_BLRP_MAX_QUEUE_SIZE", 1, maxQueueSize); err != nil {
		errs = append(errs, err)
	} else if set {
		b.MaxQueueSize = n
	}
	batchSet := false
	if n, set, err := src.Int("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", 1, maxQueueSize); err != nil {
		errs = append(errs, err)
	} else if set {
		b.MaxExportBatchSize, batchSet = n, true
	}
	if len(errs) > 0 {
		return b, errors.Join(errs...)
	}
	if b.MaxExportBatchSize > b.MaxQueueSize {
		if batchSet {
			warn(fmt.Errorf("otelkit: OTEL_BLRP_MAX_EXPORT_BATCH_SIZE=%d is larger than the queue (%d): using %d", b.MaxExportBatchSize, b.MaxQueueSize, b.MaxQueueSize))
		}
		b.MaxExportBatchSize = b.MaxQueueSize
	}
	return b, nil
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

// New builds the LoggerProvider the OTLP log bridge writes to.
//
// The exporter comes from otlpconf.LogExporter (OTEL_LOGS_EXPORTER: otlp,
// console or none; the overrides win over the variables), guarded to
// receive valid UTF-8 only (sanitize.LogExporter), and wrapped in a batch
// processor; extra processors follow it (nil ones are skipped). Before
// anything is built it validates OTEL_BLRP_SCHEDULE_DELAY,
// OTEL_BLRP_EXPORT_TIMEOUT (whole milliseconds >= 1), OTEL_BLRP_MAX_QUEUE_SIZE,
// OTEL_BLRP_MAX_EXPORT_BATCH_SIZE (1..1048576), the
// OTEL_LOGRECORD_ATTRIBUTE_* limits and every OTLP variable for logs, and
// reports all invalid values in one error. A batch size above the queue size
// becomes the queue size, with a warning to otel.Handle. The batch settings
// and limits are always passed to the SDK explicitly, so it never reads these
// variables itself.
//
// With the exporter "none" and no extra processor the provider has no
// processor: it is non-nil and safe to shut down, and its loggers report
// Enabled false, so the bridge costs next to nothing. The caller owns the
// provider and must Shutdown it. res may be nil (the SDK default resource).
func New(ctx context.Context, src env.Source, res *resource.Resource, o otlpconf.Overrides, extra ...sdklog.Processor) (*sdklog.LoggerProvider, otlpconf.Resolved, error) {
	return NewWrapped(ctx, src, res, o, nil, nil, extra...)
}

// Wrapper wraps the exporter New builds before the batch processor gets it,
// e.g. to count the records exported and failed. The exporter it returns
// must forward every method (embedding the sdklog.Exporter does that).
type Wrapper func(sdklog.Exporter) sdklog.Exporter

// NewWrapped is New with the exporter passed through wrap (nil: not
// wrapped) and the records the batch processor drops reported to onDrop
// (nil: not reported). wrap is not called for "none". If wrap returns nil,
// the exporter is shut down and NewWrapped returns an error.
func NewWrapped(ctx context.Context, src env.Source, res *resource.Resource, o otlpconf.Overrides, wrap Wrapper, onDrop DropFunc, extra ...sdklog.Processor) (*sdklog.LoggerProvider, otlpconf.Resolved, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var errs []error
	batch, err := readBatch(src, otel.Handle)
	if err != nil {
		errs = append(errs, err)
	}
	limits, err := readLimits(src)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		// Report the exporter problems too, without building anything.
		r, rerr := otlpconf.Resolve(src, otlpconf.Logs, o)
		return nil, r, errors.Join(append(errs, rerr)...)
	}

	exp, r, err := otlpconf.LogExporter(ctx, src, o)
	if err != nil {
		return nil, r, err
	}
	// Valid UTF-8 only, innermost: one invalid byte would fail the batch.
	exp = sanitize.LogExporter(exp)
	if exp != nil && wrap != nil {
		w := wrap(exp)
		if w == nil {
			_ = exp.Shutdown(ctx)
			return nil, r, errors.New("otelkit: logprovider: the exporter wrapper returned nil")
		}
		exp = w
	}
	opts := []sdklog.LoggerProviderOption{
		sdklog.WithAttributeCountLimit(limits.AttributeCountLimit),
		sdklog.WithAttributeValueLengthLimit(limits.AttributeValueLengthLimit),
	}
	if res != nil {
		opts = append(opts, sdklog.WithResource(res))
	}
	if exp != nil {
		opts = append(opts, sdklog.WithProcessor(newLogProcessor(exp, batch, onDrop)))
	}
	for _, p := range extra {
		if p != nil {
			opts = append(opts, sdklog.WithProcessor(p))
		}
	}
	return sdklog.NewLoggerProvider(opts...), r, nil
}
