// Package logprovider builds the OpenTelemetry LoggerProvider behind
// otelkit's OTLP log bridge, in the shape of tracing.NewTracerProvider and
// metrics.NewMeterProvider: NewLoggerProvider(ctx, opts...) returns a
// Provider that holds the SDK provider and the exporter configuration it
// resolved, with the same options where the meaning is the same
// (WithResource, WithEnvLookup, WithExporterWrapper, WithDropHandler,
// WithWarningHandler, WithOTLPOverrides; WithProcessor as the SDK names
// it).
//
// It is internal because only otel.Init builds it (the log bridge itself is
// package logging's), and the project's top-level packages are fixed.
//
// # What it reads
//
//	OTEL_LOGS_EXPORTER                            otlp (default), console, none
//	OTEL_EXPORTER_OTLP_[LOGS_]*                   see internal/otlpconf
//	OTEL_BLRP_SCHEDULE_DELAY                      1000 ms (>= 1)
//	OTEL_BLRP_EXPORT_TIMEOUT                      30000 ms (>= 1)
//	OTEL_BLRP_MAX_QUEUE_SIZE                      2048 (1..1048576)
//	OTEL_BLRP_MAX_EXPORT_BATCH_SIZE               512 (1..1048576; above the queue size: the queue size, with a warning)
//	OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT          128 (>= 0)
//	OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT   16384 (>= 0; otelkit's cap, the SDK has none)
//
// The batch processor is otelkit's (internal/batch): the SDK's settings and
// behaviour, records cloned when queued, but every record it drops is
// reported with the reason (WithDropHandler).
//
// Over OTLP, a batch is exported in parts whose estimated size stays
// under exportsize.Limit (3 MiB over gRPC, 16 MiB over HTTP; a collector
// refuses a larger export whole: 4 MiB and 20 MiB by default), in order;
// a record over it on its own is not exported but reported as
// exportsize.TooLarge, so that it costs no other record (exportsize.go,
// as tracing does for spans).
//
// WithOTLPOverrides (otel.Init's options) wins over the variables. Every
// invalid value is an *env.Error naming the variable or option, the value
// and what is allowed. Validate runs the same checks and builds nothing
// (otel.Init with OTEL_SDK_DISABLED=true).
//
// # After Shutdown
//
// With an exporter, the Provider is itself an otellog.LoggerProvider
// (Logger): its loggers report Enabled true, and a record emitted through
// them after Shutdown, obtained before or after it, is reported to
// WithDropHandler's handler as lost (batch.AfterShutdown), once; the SDK
// provider's own loggers drop it silently. Shutdown closes them first and
// waits for the records being emitted to reach the batch processor, so
// that each record is exported or counted, never both. A record whose
// context is Uncounted is not counted (the line that reports the losses).
// The batch processor is shut down even when the SDK's Shutdown skips it
// (a context already done): what it holds is counted as batch.Shutdown.
// An exporter that ignores its context does not hold Shutdown: it returns
// batch.CancelSettle after its context ended, its error naming the records
// of the export still in progress (batch.ErrExportInProgress), and the
// exporter is shut down once that export returns.
//
// # "none"
//
// With OTEL_LOGS_EXPORTER=none and no processor, NewLoggerProvider returns a
// provider without processors rather than nil: callers need no nil checks,
// and the bridge sees Enabled false and skips the work.
package logprovider
