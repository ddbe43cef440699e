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
//	OTELKIT_GCP_PROJECT  (wins over GOOGLE_CLOUD_PROJECT, which wins over
//	                     the resource's cloud.account.id) project of the gcp trace field
//	OTELKIT_LOG_BUFFER_LEVEL, OTELKIT_LOG_BUFFER_SLOW  see Per-request log buffering
//
// An invalid value makes New fail with an error naming the variable, the
// value and what is allowed. An option given nil, or a nil pointer or func
// behind the interface it takes, is as if it were not given. otel.Init
// calls New and makes the result zap's
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
// ID, the fields known at the start (method, path, under the output
// profile's names) and the route, written on every line once the router
// has matched. With a logger built by New,
// that costs one allocation and FromContext in the request's span
// allocates nothing. Any other zap logger works too: it gets the trace
// fields as strings, and a field that zap encoders skip but that carries
// the span's context to an OpenTelemetry zap bridge (otelzap) teed into
// it. The binding is not API: middleware of this module reaches it through
// internal/reqscope.
//
// # Per-request log buffering
//
// Services run at info because debug output costs too much, so when a
// request fails the debug lines that would explain it were never written.
// Buffering writes them exactly then, and only then:
//
//	OTELKIT_LOG_BUFFER_LEVEL  debug | info | warn | off  default: off  (WithBufferLevel, WithoutBuffer)
//	OTELKIT_LOG_BUFFER_SLOW   a Go duration > 0         default: 1s   (WithBufferSlow)
//
// Inside a request (httpmw, grpcmw: any transport on the request scope), a
// line below the logger's level but at or above the buffer level is kept
// in the request's buffer: its time, caller and fields as they were when it
// was written (values are captured then, not when the line is flushed),
// with the request's trace fields, request_id and bound fields. The request
// goes wrong on an error-level line, a 5xx (a gRPC server error), a panic,
// or a duration over OTELKIT_LOG_BUFFER_SLOW; then its kept lines are
// written in order, each with the marker "buffered":true, before the line
// that says so, and to the OTLP bridge too (records with their original
// timestamps), and its later lines at the buffer level are written at
// once. A request that ends well drops them; its access line counts them
// (debug_dropped), as it counts what a flush wrote (debug_flushed) and
// what the bounds cost (debug_evicted, debug_over_cap). The slog handler
// and a zap logger of your own given to the middleware buffer the same
// way (such a logger follows the global logger's settings, else the
// environment; its kept lines go, when flushed, straight to its core,
// whatever the levels of the cores inside a tee).
//
// Work that is not a request (a job, a message) is buffered under a span:
// in a context from WithBuffer, each tracing.Start opens a unit of work
// that goes wrong on an error line, an error status on its span (as
// tracing.End(span, &err) sets it) or the slow threshold.
//
// Buffering at or above the logger's level keeps nothing (lines at the
// level are written at once); New says so with an otelkit_config_warning,
// and it takes effect once the level is raised above it.
//
// Bounds: 256 lines or 256 KiB per request, the oldest going first; 32 MiB
// across the process, past which new lines are not kept (WithBufferLimits;
// the bytes are the memory kept lines hold). BufferStatsNow counts since
// the process started what was buffered, flushed, dropped, evicted, turned
// away and lost; otel's health document shows it.
//
// When to use it: a service at info whose failures need their context. It
// changes nothing outside requests and units (a line below the level is
// not written, as before), and a request's lines stay in memory until it
// ends. What it costs (BENCHMARKS.md): off, nothing (the same allocations
// and bytes in every benchmark); on, one allocation per request (its
// buffer) and nothing for lines at the logger's level; a kept line is not
// encoded unless it is flushed, so a request whose 10 debug lines are
// dropped costs about 0.6 of the same request writing them at debug to a
// file, and one whose lines are flushed about 1.1.
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
// (WithoutSpanErrors turns that off), once per failure: an error the span
// has recorded already, or one wrapping it, records no second event,
// whether it came from another line, tracing.RecordError or
// tracing.End(span, &err), which checks the same. A context.Context given
// as a field is never encoded.
//
// # Reserved keys
//
// A line of a logger New built never writes a user's field under a key
// the line writes itself (a zap logger of your own writes its keys as its
// encoder does): such a top-level field is written with "_" appended
// ("level" becomes "level_"), so that no parser takes the user's value
// for the line's own. Fields that share a key among themselves are
// written as given, as zap does (two Err fields write "error" twice). Reserved
// on every line are the keys of the "line" and "service" rows of the
// active profile in the table below (time, level, message, caller, trace,
// request ID, logger name, stack trace, constant and service members), but
// for the error keys, which are Err's own. Reserved besides on the lines of
// a request (its logger, FromContext in its context, its access line) are
// the keys of its "request" and "access" rows (method, path, route,
// status, duration_ms, bytes, query by default). The ecs profile reserves
// besides, for values that are not objects, the names of the ECS 8.11
// field sets at the root of an event (agent, client, cloud, container,
// data_stream, destination, device, dll, dns, ecs, email, error, event,
// faas, file, group, host, http, labels, log, network, observer,
// orchestrator, organization, package, process, registry, related, rule,
// server, service, source, span, threat, tls, trace, transaction, url,
// user, user_agent, vulnerability): an index with the ECS template maps
// them as objects and rejects a line that gives one a string, number,
// bool or array, so zap.String("user", "bob") is written as "user_". An
// object keeps its key, as it is how ECS data is written:
// zap.Object("user", u) (user.id in Elasticsearch), zap.Dict, a
// zap.Namespace, slog's Group, and for zap.Any a map or struct, or a
// MarshalJSON that returns an object. Dotted keys (user.id) are not
// touched. The datadog profile reserves besides Datadog's own reserved
// attributes that it does not write (host, service, source, trace_id):
// Datadog takes a user's host, service or source for the line's origin
// and a trace_id for the trace it belongs to. Fields bound with With,
// or zap's Logger.With,
// are checked against both sets, as a bound logger may serve requests;
// only a string request_id bound with With is not renamed but becomes the
// line's request ID. It holds for the fields of a call, of With, of
// zap.Inline marshalers (their top-level keys), of the slog handler, and
// in the console format; keys nested in an object, or after zap.Namespace
// or slog's WithGroup, are not touched. The OTLP bridge keeps the user's
// keys: a record's attributes do not share a namespace with its body,
// severity and trace context. A line without a reserved key costs a
// one-bit filter per field and no allocation.
//
// # The console format
//
// For development (the default on a terminal), lines read like structlog's
// ConsoleRenderer:
//
//	2025-06-01 14:03:07.412 [info  ] order_loaded             trace=4bf92f35 request_id=4bf0c1d9… method=GET path=/orders/42 route=/orders/{id} order_id=42 items=2 caller=quickstart/main.go:191
//	2025-06-01 14:03:07.415 [error ] order_load_failed        trace=7c1e9a02 request_id=a60ca4d5… method=GET path=/orders/0 route=/orders/{id} order_id=0 error="no order with id 0" error_type=*errors.errorString caller=…
//	    stacktrace:
//	        main.getOrder
//	            /src/quickstart/main.go:187
//
// Local time with milliseconds, the level and the event padded, the logger
// name in brackets, then key=value pairs, strings quoted only when needed.
// The trace is the first 8 hex digits of trace_id, so the lines of one
// request visibly belong together (paste them into the trace viewer's
// filter); the span ID is left out unless WithConsoleSpanID asks for it,
// and trace_flags is never written. Stack traces and multi-line errors go on indented
// lines below the entry. Nested objects and arrays are compact JSON.
// Colours only on a terminal, and never when NO_COLOR is set (not empty)
// or TERM is dumb. The console ignores the output profile: a profile other
// than default chosen with it (also on a terminal, where the console is the
// default) gets an otelkit_config_warning saying so.
//
// # Output profiles
//
// The gcp, ecs and datadog profiles follow their backend's own
// documentation, so that Cloud Logging, Elastic or Datadog link each line
// to its trace and its service by themselves:
//
//	default  line     time, level, msg, caller, trace_id, span_id, trace_flags,
//	                  request_id, logger, error, error_type, stacktrace
//	         request  method, path, route
//	         access   status, duration_ms, bytes, query
//	gcp      line     time, severity, message, logging.googleapis.com/sourceLocation,
//	                  logging.googleapis.com/trace ("projects/<id>/traces/<trace id>"),
//	                  logging.googleapis.com/spanId, logging.googleapis.com/trace_sampled,
//	                  request_id, logger, error, error_type, stack_trace, and at
//	                  error and above @type (Error Reporting's ReportedErrorEvent)
//	         service  logging.googleapis.com/labels: {service.name, service.version,
//	                  deployment.environment.name}
//	         request  method, path, route
//	         access   httpRequest: {requestMethod, requestUrl, status, responseSize,
//	                  latency ("0.123s")}; not HTTP: duration_ms, bytes
//	ecs      line     @timestamp, log.level, message, ecs.version (8.11.0),
//	                  log.origin.file.name, log.origin.file.line, log.origin.function,
//	                  trace.id, span.id, http.request.id, log.logger, error.message,
//	                  error.type, error.stack_trace
//	         service  service.name, service.version, service.environment,
//	                  event.dataset ("<service.name>.log")
//	         request  http.request.method, url.path, route
//	         access   http.response.status_code, event.duration (ns),
//	                  http.response.body.bytes, url.query
//	datadog  line     timestamp, status, message, caller, dd.trace_id, dd.span_id (decimal
//	                  strings of the low 64 bits), http.request_id, logger.name,
//	                  error.message, error.kind, error.stack
//	         service  dd.service, dd.env, dd.version
//	         request  http.method, http.url_details.path, route
//	         access   http.status_code, duration (ns), network.bytes_written, http.url
//
// In ecs, a field named like an ECS field set (user, host, url, …) must
// be an object, or it is written with "_" appended (see Reserved keys).
//
// Levels: gcp writes Cloud Logging's severities (DEBUG, INFO, WARNING,
// ERROR, then CRITICAL, ALERT, EMERGENCY for dpanic, panic, fatal);
// datadog writes debug, info, warn, error, critical, alert, fatal under
// status, its reserved attribute for the severity (so a user's status
// field becomes status_ and cannot stand for it), which its status
// remapper reads as the severity meant (zap's dpanic and panic would read
// as debug and info); ecs keeps zap's names, as ECS's log.level asks for
// the source's own.
//
// Errors: on gcp, lines at error and above carry @type
// "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent",
// with which Error Reporting takes the entry as an error event whatever
// its stack trace (it parses a Go stack only in runtime.Stack's format,
// which zap's stack_trace is not).
//
// The service comes from the OpenTelemetry resource (WithResource;
// otel.Init passes the resource its providers share): service.name,
// service.version and deployment.environment.name (or the older
// deployment.environment). What the resource lacks is left out. On GCP the
// monitored resource the platform attaches (Cloud Run, GKE) names the
// service too; the labels name it where it does not.
//
// The gcp trace field links only with a project: WithGCPProject, else
// OTELKIT_GCP_PROJECT, else GOOGLE_CLOUD_PROJECT, else the resource's
// cloud.account.id when its cloud.provider is gcp (what the GCP resource
// detector, go.opentelemetry.io/contrib/detectors/gcp, sets; pass its
// attributes with otel.WithResourceAttributes). Without one, New writes an
// otelkit_config_warning and the field holds the bare trace ID.
//
// The access line (httpmw, grpcmw) writes its fields under the profile's
// names. Cloud Logging's httpRequest carries only what otelkit logs: the
// URL is the path, with the query only under httpmw.WithQueryLogging
// (redacted as there); the response size is the body's; no user agent,
// client address or referer. A
// request that is not HTTP (no status) gets otelkit's names in gcp, and
// no HTTP status elsewhere.
//
// # OTLP
//
// WithLoggerProvider tees every line to an OpenTelemetry log record. The
// record carries the span's trace context natively (trace ID, span ID,
// flags), the severity and the fields as attributes. The records are those
// the contrib otelzap bridge makes (body, severity number and text,
// attributes and their order, caller as code.* attributes, zap.Error as
// the record's error, scope), built by the logger's own bridge, which
// pools what otelzap allocates per line: a line over OTLP costs what the
// line written plus the SDK's own Logger.Emit of the same record cost
// (BenchmarkOTLPLine, BENCHMARKS.md). A value logged with zap.Any that
// nests more than 100 levels, or holds itself, becomes the attribute
// "<max-depth-exceeded>" (otelzap's note; the JSON and console lines note
// encoding/json's error), a struct among them, which the bridge writes
// with %+v. Converting one such value visits at most 10 000 nodes (its
// values, and those fmt's %+v of its structs visits; 64 elements of a
// slice or map of numbers, strings or flat structs count as one), so that a value
// sharing sub-structures, small in memory but with millions of paths
// through it, cannot hold the line's goroutine: where the budget runs
// out, the bridge writes "<max-nodes-exceeded>" and leaves out the rest
// of the slice or map around it (a struct, written by fmt all or nothing,
// is the note whole).
//
// The size of a record is bounded where it is sent: the logger provider
// otel.Init builds cuts a batch into OTLP exports under 3 MiB over gRPC
// (a collector refuses a message over 4 MiB by default, and with it every
// record of the batch) and 16 MiB over HTTP (its default: 20 MiB),
// estimated from above. A record too large to go on its own (a message of
// several MiB over gRPC; an attribute value is cut at 16 384 characters
// already, OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT) is not sent, and
// is counted as too_large in otel's health document and the
// telemetry_dropped line; the records around it are sent.
//
// # Credentials
//
// A value the program logs under a key that names a credential is written
// as REDACTED, its key kept, on the JSON line (every profile), the console
// line and the OTLP bridge's attributes:
//
//	log.Info("calling_upstream", zap.String("authorization", "Bearer eyJ…"))
//	// {…,"msg":"calling_upstream",…,"authorization":"REDACTED"}
//
// The keys (DefaultRedactedKeys), without regard to case and with "-", "_"
// and "." as one character: jwt; and authorization, cookie, password,
// passwd, passphrase, pwd, secret, token, credential, credentials,
// api_key, private_key, secret_key, access_key, client_secret,
// access_token and the other compounds DefaultRedactedKeys lists, as the
// key or its last word(s), starting a word of the key (after "-", "_", "."
// or as a camel-case word; password, passwd and passphrase also run into
// the word before them: PGPASSWORD, newpassword), with their parts
// written apart or run together (proxy-authorization, set-cookie, access_token, accessToken,
// accesstoken, db.password, MYSQL_PWD, x-api-key, XAPIKey, APIToken,
// DBPwd, http.request.header.authorization). A form-style key is matched by the
// name in its last brackets, the innermost of nested ones (user[password],
// data[user][password], a[b[password]], headers["Authorization"],
// password[0]), and a last word naming an encoding or a confirmation
// field, or a number at the end, is looked past (PrivateKeyPEM,
// private_key_pem, credentials_json, password_confirmation, password2).
// Not key, code,
// state or session, and not *_key in general (idempotency_key,
// cache_key), which are rarely secrets in a log field (in a URL they are:
// see httpmw); not a word inside another (tokenizer, passwordless,
// author, notapikey, OLDPWD) nor one a later word qualifies (password_changed_at,
// tokens_used, cookie_consent).
//
// Any value under such a key is replaced (a number, bytes, a Stringer, an
// error, an object or array), at every depth a marshaler reaches through
// zapcore.ObjectEncoder: zap.Object, zap.Dict, zap.Array of objects,
// zap.Inline, slog groups, and the fields after a zap.Namespace (the
// namespace itself holds no value and keeps its name). Fields bound with
// With are checked once; a call's fields cost one key check each (no
// allocation; BenchmarkRedaction in BENCHMARKS.md).
//
// WithRedactedKeys adds keys, matched the same way (WithRedactedKeys("ssn")
// covers ssn, customer_ssn and customerSsn). WithoutKeyRedaction turns it
// off, for a program that needs the raw values on its lines; it wins over
// WithRedactedKeys. No variable changes this.
//
// With otel.Init, redaction is one setting for the whole Telemetry: the
// lines, the OTLP bridge, the exported spans and log records (whichever
// bridge made them) and the trace viewer hide the same values.
// otel.WithRedactedKeys and otel.WithoutKeyRedaction state it, and so do
// these options given through otel.WithLoggingOptions (and tracing's
// through otel.WithTracingOptions): keys add up from all of them, and
// WithoutKeyRedaction from any of them turns redaction off everywhere.
//
// Out of reach: a value encoded by reflection (zap.Any of a map or struct:
// encoding/json writes it whole), a credential under an innocent key
// (zap.String("note", "password is hunter2")) or in the message, and
// paths (url.path, the access line's path): redaction goes by key, not by
// content. A zap logger of your own (not built by New) writes as its
// encoder does.
//
// # slog, level at run time, tests
//
// Logger.Slog and NewSlogHandler give log/slog the same lines and the same
// correlation: slog.SetDefault(tel.Logging().Slog()) sends
// slog.InfoContext(ctx, …) through the service's logger, with the trace
// fields and bound fields of ctx. Logger.SetLevel and Logger.LevelHandler
// (GET shows the level, PUT {"level":"debug"} changes it; a browser's PUT
// from a page of another origin is refused, and so is one whose Host names
// neither an IP address, localhost nor a host WithAllowedHosts gives, as a
// page that rebound its name to the admin port's address sends it) change
// the level while the service runs. Package logtest records lines in memory for
// tests.
//
// # When the output fails
//
// A line the output, or a copy (WithOutputCopy), does not take whole (a
// write that fails, comes back short or panics: a closed pipe, a full
// disk) is counted (Logger.OutputErrors, otel's health document) and
// reported on stderr as zap reports it ("write error"; for a request's
// buffered lines written at once, the line that wrote them). Reports are
// spaced: the first at once, then at most one per 10 s, which says how
// many were held back, since a full disk fails every line. The line still
// reaches the OTLP bridge and the other writers, and the caller goes on.
// Errors a terminal or a pipe returns for Sync (EINVAL) are no loss and
// are not reported.
//
// # Safety
//
// JSON escapes every control character, DEL, C1 controls and U+2028/2029;
// the console format writes them, and every invisible formatting character
// of Unicode category Cf (the bidi controls U+202A-U+202E and
// U+2066-U+2069, zero-width characters, the byte order mark), as visible
// escapes (\n, \x1b, \u202e), so no message, field or remote client's path
// can forge a line, drive a terminal or reorder what a reader sees. Lines
// below an entry (stack traces, multi-line errors) always start with
// spaces, so none of them can pass for an entry.
//
// A value whose Error, String, MarshalLogObject, MarshalLogArray or
// MarshalJSON panics never crashes the caller, in the JSON and console
// formats, through the OTLP bridge (where zap.Error becomes the record's
// error) and in With: the line is written, with what the value wrote
// before the panic, followed by "<key>Error": "PANIC=<value>" (zap's own
// convention; "inlineError" for a zap.Inline, which zap would note as
// "Error", also when its marshaler returns an error). The same
// holds for a foreign zap logger a request is bound to (httpmw.WithLogger),
// whose core may be a tee with a bridge, and for the slog handler over
// one: its lines' fields are guarded before they are written. A panic inside a value such a marshaler nests
// (AddObject, AddArray, AppendObject, AppendArray) is recovered there, so
// every object and array is closed, the line stays one JSON object and
// the marshaler goes on; the field's note says what panicked. A buffered
// line is written at the flush as it would have been at once. A marshaler
// that recovers such a panic itself, with the logger New builds, can leave
// its object open, as with zap's own encoder. Neither allocates
// on a line that does not panic, with one exception: a foreign core other
// than zap's own ioCore (a tee, zaptest/observer, an asynchronous core)
// may keep the fields it is given, so a line that adds fields to them or
// guards one gets a slice (and guards) of its own.
package logging

// Where things are, for maintainers, from the bottom up: err.go (Err and
// error fields), safe.go (guards for fields whose encoding panics),
// redact.go (values under credential keys, see internal/redact),
// jsonline.go (the JSON escaping), console.go (the console line: layout,
// quoting, blocks, colours; escapes from internal/visible),
// profiles.go (the output profiles, one value each) with service.go (the
// service members), accessline.go (the access line) and reserved.go (the
// renaming of reserved keys), core.go (the core New builds and how it
// writes a line), capture.go (fields captured as values, for kept lines),
// buffer.go (a request's log buffer and the process's counts),
// bufferconfig.go, options.go and logger.go (New and its options, and the
// fallback logger), foreign.go (zap loggers not built by New), context.go
// (NewContext, With, FromContext), request.go (a request's logger, see
// internal/reqlog), bufferwrite.go (how cores and requests reach a
// buffer), bufferunit.go (WithBuffer: units of work under tracing.Start),
// slog.go and levelhandler.go. A file uses only the files before it, but
// for context.go, whose With hands a request to request.go and whose
// contexts hold a request's logger, and core.go, which hands a line below
// its level to its request's buffer (buffer.go, bufferwrite.go).
