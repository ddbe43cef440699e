// Package tracing builds otelkit's TracerProvider and offers small span
// helpers. It knows nothing about HTTP or zap.
//
// # Building the provider
//
// NewTracerProvider reads the OpenTelemetry variables, validates every one
// of them and builds the SDK provider; otel.Init calls it, and it can be
// used alone. It returns a Provider: the SDK provider (TracerProvider),
// what was resolved and from where (ExporterConfig), ForceFlush and
// Shutdown, the shape of metrics.NewMeterProvider. For each setting an
// option wins over its variable, which wins over the default:
//
//	variable                               option              default
//	OTEL_TRACES_EXPORTER                   WithExporter        otlp (also console, none; one name only)
//	OTEL_EXPORTER_OTLP_[TRACES_]*          WithEndpoint, ...   the SDK's (https://localhost:4318, http/protobuf)
//	OTEL_TRACES_SAMPLER, _ARG              WithSampler         parentbased_always_on
//	OTEL_BSP_SCHEDULE_DELAY                -                   5000 ms (>= 1)
//	OTEL_BSP_EXPORT_TIMEOUT                -                   30000 ms (>= 1)
//	OTEL_BSP_MAX_QUEUE_SIZE                -                   2048 (1..1048576)
//	OTEL_BSP_MAX_EXPORT_BATCH_SIZE         -                   512 (1..1048576; above the queue size: the queue size, with a warning)
//	OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT  WithSpanLimits   4096 (otelkit's cap; the SDK has none)
//	OTEL_[SPAN_]ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT,
//	OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, OTEL_LINK_ATTRIBUTE_COUNT_LIMIT       128
//
// An invalid value is a ConfigError (match it with errors.As) naming the
// variable or option, the value and what is allowed; all of them are
// reported at once. That includes a sampler
// argument outside 0..1 (the specification permits a warning and 1.0;
// otelkit prefers not to start with a rate nobody chose) and the samplers
// the Go SDK lacks (jaeger_remote, xray: use WithSampler). What is corrected
// instead of refused goes to WithWarningHandler (default otel.Handle).
// Validate runs the same checks and builds nothing.
//
// The batch span processor is otelkit's: it behaves like the SDK's (the
// same OTEL_BSP_* settings, never blocking the span's End) and reports
// every span it drops, with the reason, to WithDropHandler; otel.Init shows
// them in its HealthHandler. An export still running when Shutdown's
// context ends is cancelled. An exporter that ignores that (a hung write,
// a custom exporter's bug) does not hold Shutdown: it returns 50 ms later,
// its error naming the spans of that export, which are then not known to
// be exported ("an export was still in progress when Shutdown returned");
// the exporter is shut down once the export returns, never beside it, as
// the SDK's processor does. A sampled span that Shutdown leaves open, or
// that begins after it, is reported lost (DropAfterShutdown), once: the
// SDK provider forgets its processors at Shutdown, so it reaches no
// exporter. That covers tracers obtained before Shutdown and those the
// Provider's own Tracer gives after it (it is what otel.Init installs as
// the global provider); the SDK provider's Tracer gives no-op tracers
// after Shutdown, whose spans carry no IDs of their own.
//
// Over OTLP, a batch is exported in parts whose size, estimated from
// above, stays under 3 MiB over gRPC, 16 MiB over HTTP and a sixth of
// that over HTTP as JSON (which writes the same spans in up to six times
// the bytes: "<", ">" and "&" in text as \u003c and the like): a collector
// refuses a larger export whole (4 MiB and 20 MiB by default), so 400 spans carrying 16 KB each (a database statement, a
// stack trace in an exception event: within the default limits) cost the
// whole batch. A span too large on its own (128 exception events of ten
// 4 KB attributes: 5 MB) is not sent and is reported as too_large to
// WithDropHandler (otel.DropTooLarge in the health document and the
// telemetry_dropped line); the spans around it are sent. The bound applies
// to the exporter the provider builds, not to WithSpanExporter's.
//
// # Credentials
//
// The exporter receives the value of every span, event and link attribute
// (map members at any depth too) whose key names a credential as the
// string REDACTED, its key kept: db.password, accessToken,
// http.request.header.authorization, the keys of
// logging.DefaultRedactedKeys. WithRedactedKeys adds a program's own keys
// (WithRedactedKeys("ssn") covers customer_ssn and customerSsn);
// WithoutKeyRedaction exports every value as it was set and wins over
// WithRedactedKeys. Span processors (WithSpanProcessor) see the values as
// set. No variable changes this. Given to otel.Init through
// WithTracingOptions, these options set redaction for the whole Telemetry
// (see otel.WithRedactedKeys).
//
// With the exporter "none" the provider exports nothing but still gives
// every span its IDs, so logs keep their trace_id and span_id. Tests pass
// tracetest.NewInMemoryExporter to WithSpanExporter, or a
// tracetest.SpanRecorder to WithSpanProcessor, and WithEnvLookup to control
// the environment. An option given nil, or a nil pointer or func behind
// the interface it takes, is as if it were not given.
//
// # Span helpers
//
// Start and End work with the global provider:
//
//	func load(ctx context.Context, id string) (err error) {
//		ctx, span := tracing.Start(ctx, "load_order")
//		defer tracing.End(span, &err) // records err and sets status Error
//		...
//	}
//
// TraceID and SpanID return the IDs of the span in a context, "" when there
// is none; RecordError marks the span in a context as failed.
//
// # Messages and jobs
//
// Work that does not arrive over HTTP or gRPC carries its trace in the
// message's headers: Inject on the producer, Extract on the consumer (both
// through the global propagator, which otel.Init sets; without Init it is
// OpenTelemetry's no-op one until otel.SetTextMapPropagator), then
// a consumer span, and the message ID bound to its log lines
// (examples/worker):
//
//	tracing.Inject(ctx, msg.Headers) // producer
//
//	ctx = tracing.Extract(ctx, msg.Headers) // consumer
//	ctx, span := tracing.Start(ctx, "orders process", trace.WithSpanKind(trace.SpanKindConsumer))
//	defer tracing.End(span, &err)
//	ctx = logging.With(ctx, zap.String("message_id", msg.ID))
//
// One failure gives one exception event: End and RecordError record no
// event for an error the span has recorded already, or one that wraps it
// (errors.Is), including through an error-level line of package logging
// with logging.Err; the span's status is set all the same.
package tracing
