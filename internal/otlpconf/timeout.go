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

// within returns the exportwrap function that bounds each export by d.
func within[B any](d time.Duration) exportwrap.Around[B] {
	return func(ctx context.Context, batch B, export func(context.Context, B) error) error {
		ctx, cancel := withTimeout(ctx, d)
		defer cancel()
		return export(ctx, batch)
	}
}
