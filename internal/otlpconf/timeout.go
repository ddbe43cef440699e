package otlpconf

import (
	"context"
	"fmt"
	"time"

	"github.com/otelkit/otelkit/internal/exportwrap"
)

// The OTLP/HTTP exporters of SDK v1.47 apply the export timeout
// (OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT) to each HTTP request only, and
// retry until the caller's context ends (the batch processor's 30 s) or a
// minute has passed. The specification, and the SDK's gRPC exporters,
// bound the whole export, retries included. Now that a refused connection
// is retried too (see httpclient.go), otelkit bounds the HTTP exports the
// same way, so that a down collector holds a batch for the export timeout
// on both protocols.

// exportTimeoutError is the cause of an export's deadline, so that the
// error names the setting that ended it.
func exportTimeoutError(d time.Duration) error {
	return fmt.Errorf("otelkit: OTLP export timeout (%s) reached", d)
}

// withTimeout bounds ctx by d, with a cause naming the timeout.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, exportTimeoutError(d))
}

// guard returns the exportwrap function every OTLP exporter gets: each
// export's error with the configured header values scrubbed (collectors
// quote the one they reject, and the exporters put their answer into the
// error), so that no output downstream (the error handler, ForceFlush,
// Shutdown, a wrapper) sees them; and, over HTTP (bounded), each export,
// retries included, bounded by the export timeout.
func guard[B any](p *plan, bounded bool) exportwrap.Around[B] {
	return func(ctx context.Context, batch B, export func(context.Context, B) error) error {
		if bounded {
			var cancel context.CancelFunc
			ctx, cancel = withTimeout(ctx, p.httpTimeout)
			defer cancel()
		}
		return p.scrub.Error(export(ctx, batch))
	}
}
