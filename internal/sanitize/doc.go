// Package sanitize makes every string that reaches an exporter valid UTF-8,
// and writes REDACTED for the value of every span, event, link and log
// record attribute whose key names a credential.
//
// OTLP carries strings as protobuf strings, which must be valid UTF-8: one
// invalid byte in one attribute makes the exporter fail the whole batch
// ("string field contains invalid UTF-8"), so a single request for
// /orders/%ff used to cost every span and log record exported with it. Text
// from the network (paths, headers, query values) is the usual source, but a
// resource detector (an executable path, a host name) or a zap field can
// carry such bytes too.
//
// # One place per signal
//
// SpanExporter, LogExporter and MetricExporter wrap an exporter; tracing,
// internal/logprovider and metrics apply them to every exporter they build
// and to the exporter a user passes (tracing.WithSpanExporter), directly
// around it, before any other wrapper. The Prometheus exporter is pulled,
// not pushed: metrics cleans what it collects with ScopeMetrics and
// Resource (client_golang refuses a label value with invalid UTF-8, which
// would drop that series from the scrape). The work is done where the batch is
// exported, on the batch processor's goroutine, never on the request path.
//
// Each invalid byte becomes U+FFFD, as in encoding/json (so "\xff\xfe"
// becomes two replacement characters). Valid text is checked, not copied: a
// batch in which every string is valid is passed on as it came, and only an
// item with invalid text is rebuilt, leaving the caller's data untouched.
//
// What is cleaned: span names, attributes (keys and values, nested slices
// and maps included), events, links, status descriptions; log bodies,
// attributes, event names and severity texts; metric names, descriptions,
// units, data point attributes and exemplars' filtered attributes; and for
// every signal the resource and the instrumentation scope.
//
// # Credentials
//
// The same pass applies the key rule the wrapper is given to the
// attributes of spans, their events and links, and log records, nested map
// members included: the value under db.password,
// http.request.header.authorization or accessToken is exported as the
// string REDACTED, its key kept, whatever the program set. The rule is the
// Telemetry's (redact.Setting: redact.Keys, the default list of
// logging.DefaultRedactedKeys, plus the program's own keys; nil, which
// redacts nothing, when the program turned redaction off), handed down by
// tracing and internal/logprovider from their options. Keys that
// are not credentials (http.request.header.content-type, idempotency_key)
// are untouched, as are values whose key is innocent and span names. A batch
// with no such key costs one key check per attribute and no allocation.
// Metrics are not redacted: their attributes are bounded dimensions, not
// values a program records. The trace viewer (otel/internal/traceview)
// reads spans before any exporter and applies the same rule, which otel.Init
// gives it too.
package sanitize
