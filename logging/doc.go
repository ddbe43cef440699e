// Package logging gives a service a zap logger whose every line says which
// trace, span and request it belongs to, on stdout and over OTLP.
//
// # Building the logger
//
// New builds the service logger from options and the environment (an
// option wins over the variable, which wins over the default):
//
//	OTELKIT_LOG_FORMAT   json | console       default: console on a terminal, else json
//	OTELKIT_LOG_LEVEL    debug|info|warn|error default: info
//	OTELKIT_LOG_PROFILE  default|gcp|ecs|datadog default: default
//	OTELKIT_GCP_PROJECT  (wins over GOOGLE_CLOUD_PROJECT) project of the gcp trace field
//
// An invalid value makes New fail with an error naming the variable, the
// value and what is allowed. otel.Init calls New and makes the result zap's
// global logger.
//
// # Logging in a request
//
// Get the logger for a context with FromContext; bind fields for every later
// line of a context with With:
//
//	ctx = logging.With(ctx, zap.String("tenant", t))
//	logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", id))
//
// FromContext adds trace_id, span_id and trace_flags of the span current in
// ctx at the call, so lines of a child span carry the child's span_id. The
// fields are written for sampled and unsampled spans and left out when ctx
// holds no valid span. Without a logger in ctx (NewContext, With) it falls
// back to zap's global logger, never to a logger that drops lines.
// Repeated calls in one span allocate nothing: the span-bound logger is
// cached in the context.
//
// # Request loggers
//
// httpmw binds, once per request and inside its server span, the request
// ID, the fields known at the start (method, path) and the route, written
// on every line once the router has matched. With a logger built by New,
// that costs one allocation and FromContext in the request's span
// allocates nothing. Any other zap logger works too: it gets the trace
// fields as strings, and a field that zap encoders skip but that carries
// the span's context to an OpenTelemetry zap bridge (otelzap) teed into
// it. The binding is not API: middleware of this module reaches it through
// internal/reqscope.
//
// # The line
//
// JSON lines have the keys time (RFC 3339, UTC, nanoseconds), level, msg,
// caller, trace_id, span_id, trace_flags, request_id, in this order, then
// the bound fields in the order they were bound, and the call's fields;
// stacktrace on error and above. In a request, the middleware's fields
// (method, path, route) were bound first, so they come right after
// request_id, and what the handler binds with With follows them.
// Err(err) writes error and error_type; an error-level line with an error
// inside a recording span also records an exception event on the span
// (WithoutSpanErrors turns that off). A context.Context given as a field is
// never encoded.
//
// # Output profiles
//
// The gcp, ecs and datadog profiles rename the keys so that Cloud Logging,
// Elastic or Datadog link logs to traces by themselves:
//
//	gcp      severity, message, logging.googleapis.com/trace ("projects/<id>/traces/<trace>"),
//	         logging.googleapis.com/spanId, logging.googleapis.com/trace_sampled,
//	         logging.googleapis.com/sourceLocation
//	ecs      @timestamp, log.level, message, log.origin.*, log.logger, trace.id, span.id,
//	         http.request.id, error.message, error.type, error.stack_trace, ecs.version
//	datadog  timestamp, level, message, logger.name, dd.trace_id and dd.span_id (decimal
//	         strings of the low 64 bits), error.message, error.kind, error.stack
//
// # OTLP
//
// WithLoggerProvider tees every line to an OpenTelemetry log record through
// the contrib otelzap bridge. The record carries the span's trace context
// natively (trace ID, span ID, flags), the severity and the fields as
// attributes.
//
// # slog, level at run time, tests
//
// Logger.Slog and NewSlogHandler give log/slog the same lines and the same
// correlation. Logger.SetLevel and Logger.LevelHandler change the level
// while the service runs. Package logtest records lines in memory for
// tests.
//
// # Safety
//
// JSON escapes every control character, DEL, C1 controls and U+2028/2029;
// the console format writes them as visible escapes, so no message or field
// can forge a line or drive a terminal.
//
// A value whose Error, String, MarshalLogObject, MarshalLogArray or
// MarshalJSON panics never crashes the caller, in the JSON and console
// formats, through the OTLP bridge (where zap.Error becomes the record's
// error) and in With: the line is written, and the field is replaced by
// "<key>Error": "PANIC=<value>" (zap's own convention; "inlineError" for
// zap.Inline). The same holds for a foreign zap logger a request is bound
// to (httpmw.WithLogger), whose core may be a tee with a bridge: its lines'
// fields are guarded before they are written. Neither allocates on a line
// that does not panic.
package logging

// Where things are, for maintainers, from the bottom up: err.go (Err and
// error fields), safe.go (guards for fields whose encoding panics),
// jsonline.go and console.go (the escaping of the two formats),
// profiles.go (the output profiles, one value each), core.go (the core New
// builds and how it writes a line), options.go and logger.go (New and its
// options, and the fallback logger), foreign.go (zap loggers not built by
// New), context.go (NewContext, With, FromContext), request.go (a request's
// logger, see internal/reqlog), slog.go and levelhandler.go. A file uses
// only the files before it, but for context.go, whose With hands a
// request to request.go and whose contexts hold a request's logger.
