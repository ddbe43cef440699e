package batch

import (
	"errors"
	"fmt"
	"time"

	"github.com/otelkit/otelkit/internal/env"
)

// maxSize bounds the queue and batch sizes read from the environment: the
// queue is allocated up front, so an unbounded value could exhaust memory.
const maxSize = 1 << 20

// FromEnv reads the four variables of one processor, prefix being
// "OTEL_BSP_" (spans) or "OTEL_BLRP_" (log records): SCHEDULE_DELAY and
// EXPORT_TIMEOUT (whole milliseconds >= 1), MAX_QUEUE_SIZE and
// MAX_EXPORT_BATCH_SIZE (1..1048576). What is unset keeps its value in def.
// Every invalid value is an *env.Error, all of them joined. A batch size
// larger than the queue becomes the queue size, with a warning to warn
// when the batch size was set (a default batch size follows a small queue
// silently). The result carries no OnDrop, OnError or ReportFinalExport:
// the caller adds its own.
func FromEnv(src env.Source, prefix string, def Config, warn func(error)) (Config, error) {
	c := def
	var errs []error
	millis := func(name string, dst *time.Duration) {
		if d, set, err := src.Millis(prefix+name, time.Millisecond); err != nil {
			errs = append(errs, err)
		} else if set {
			*dst = d
		}
	}
	size := func(name string, dst *int) bool {
		n, set, err := src.Int(prefix+name, 1, maxSize)
		if err != nil {
			errs = append(errs, err)
		} else if set {
			*dst = n
		}
		return set && err == nil
	}
	millis("SCHEDULE_DELAY", &c.ScheduleDelay)
	millis("EXPORT_TIMEOUT", &c.ExportTimeout)
	size("MAX_QUEUE_SIZE", &c.MaxQueueSize)
	batchSet := size("MAX_EXPORT_BATCH_SIZE", &c.MaxExportBatchSize)
	if len(errs) > 0 {
		return def, errors.Join(errs...)
	}
	if c.MaxExportBatchSize > c.MaxQueueSize {
		if batchSet {
			warn(fmt.Errorf("otelkit: %sMAX_EXPORT_BATCH_SIZE=%d is larger than the queue (%d): using %d",
				prefix, c.MaxExportBatchSize, c.MaxQueueSize, c.MaxQueueSize))
		}
		c.MaxExportBatchSize = c.MaxQueueSize
	}
	return c, nil
}
