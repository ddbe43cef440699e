package logprovider

import (
	"context"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/batch"
)

// logProcessor is the batch processor NewLoggerProvider puts in front of
// the exporter, in place of sdklog.NewBatchProcessor: the same settings,
// records cloned when queued as the SDK's are, but every record it drops is
// reported (the SDK's keeps the count private). When the queue is full the
// new record is dropped; the SDK's overwrote the oldest. The batch
// processor's ForceFlush (which flushes the exporter too) and Shutdown
// (bounded by ctx; what is still queued when ctx ends is reported as
// dropped) are the log processor's.
type logProcessor struct {
	*batch.Processor[sdklog.Record]
}

var _ sdklog.Processor = logProcessor{}

// newLogProcessor builds the processor from the OTEL_BLRP_* settings
// NewLoggerProvider resolved.
func newLogProcessor(exp sdklog.Exporter, c batch.Config) logProcessor {
	return logProcessor{batch.New[sdklog.Record](exp, c)}
}

// Enabled reports true: every record is queued.
func (logProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

// OnEmit queues a copy of r (later processors may change r) without
// blocking.
func (l logProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	l.Enqueue(r.Clone())
	return nil
}
