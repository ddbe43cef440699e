// Package httpmw is the HTTP server middleware and client transport of
// otelkit: one wrapper gives every request a server span, RED metrics, a
// request ID, a request-scoped logger and an access line, all of which agree
// with each other.
//
//	http.ListenAndServe(":8080", httpmw.Handler(mux))
//
// It builds on otelhttp and takes its providers from options or, by default,
// from the OpenTelemetry globals (which otel.Init sets), so it also works
// without otel.Init. It never builds providers itself and reads no
// environment variables: OTEL_* settings reach it through the providers and
// propagators that otel.Init configures; explicit options win over those
// globals.
//
// # Spans and metrics
//
// Each request gets a server span from otelhttp that continues a valid
// incoming traceparent (an invalid one starts a fresh trace), and the
// http.server.request.duration, request and response body size histograms.
// The span is named "METHOD /route" and carries http.route, as do the metric
// series. The route is the http.ServeMux pattern, also when Handler wraps the
// mux from outside (the pattern is read after the mux routed the request), or
// what WithRouteFunc returns for other routers. A request that matched no
// route is named by its method alone; non-standard methods become "HTTP"
// (spans) and "_OTHER" (metrics). The raw path is never a span name or metric
// attribute. server.address comes from WithServerName (default: the host
// name), never from the client-controlled Host header, and the metrics carry
// no server.port taken from it, so metric series stay bounded (spans, which
// are not aggregated, keep otelhttp's server.port from Host).
// WithPublicEndpoint starts a new trace linked to the incoming one.
// WithTracerProvider, WithMeterProvider and WithPropagators given nil, or a
// nil pointer behind the interface (a nil *sdktrace.TracerProvider), use
// the default, the global one.
// WithTraceResponse adds the W3C "traceresponse" header.
//
// # Routers
//
// With http.ServeMux nothing is needed. A ServeMux nested behind a prefix
// is mounted with StripPrefix (not http.StripPrefix), so that its routes
// are full ("/api/users/{id}", not "/api/").
//
// Other routers supply the route with WithRouteFunc; where the middleware
// sits decides whether unmatched requests (404, 405) are seen:
//
//   - chi runs Use middleware for every request: r.Use(Middleware(
//     WithRouteFunc(func(r *http.Request) string { return
//     chi.RouteContext(r.Context()).RoutePattern() }))).
//   - gorilla/mux runs Use middleware only for requests that match a
//     route, so 404 and 405 would get no span, metric or access line. Wrap
//     the router with Handler instead, with a route function that matches
//     the request again (router.Match, then Route.GetPathTemplate) and
//     returns "" when nothing matched; see the example of WithRouteFunc.
//     mux.CurrentRoute(r) is nil there for a 404, and GetPathTemplate
//     panics on it (the panic is recovered and reported like a handler's).
//
// A route function's values are capped: after WithRouteLimit distinct
// routes (DefaultRouteLimit, 1000), a request with a new route is recorded
// as unmatched (span named by the method, no http.route), with one
// http_route_limit_reached warning, so that a function returning raw paths
// cannot make unbounded span names; metric series have their own cap (the
// meter provider's cardinality limit).
//
// # Trace context
//
// Handler, Middleware and Transport read and write traceparent, tracestate
// and baggage as W3C Trace Context Level 2 and W3C Baggage say, in front of
// the configured propagators (internal/w3c; other formats such as B3 pass
// through unchanged):
//
//   - every line of a field is read: tracestate and baggage lines are
//     combined in order, empty ones skipped; two differing traceparent lines
//     start a new trace, identical ones count as one;
//   - an invalid tracestate or baggage member is dropped, not the whole
//     field; every tracestate member whose key is sent twice is dropped; a
//     tracestate of more than 32 members is dropped;
//   - limits: traceparent 512 bytes, tracestate 8192 bytes, baggage 8192
//     bytes and 64 members (the first ones are kept). A field over its byte
//     limit is dropped before it is parsed, so a 1 MiB header costs what an
//     ordinary request does;
//   - what Transport sends stays within the same limits: a larger tracestate
//     loses whole entries, those over 128 characters first, then from the
//     end; a larger baggage keeps its first members.
//
// w3c_rules_test.go checks each MUST and SHOULD over real HTTP, one case per
// rule. What still differs from the specifications comes from the
// OpenTelemetry Go SDK and net/http (the test's "residual:" cases pin the
// first two):
//
//   - tracestate keys that Level 2 allows but the SDK's trace.TraceState
//     rejects (Level 1 grammar, checkKey: "1vendor", "a@b@c", "vendor@", a
//     part after "@" longer than 14 characters or not starting with a
//     letter) are dropped, member by member;
//   - a trace otelkit starts does not set the random-trace-id flag, although
//     the SDK's IDs are random (the SDK takes flags only from a parent); a
//     continued trace keeps the incoming flag;
//   - over HTTP/1.1 the headers go out as Go spells them ("Traceparent":
//     the carrier uses http.Header.Set, as propagation.HeaderCarrier does),
//     where Level 2 says they SHOULD be lower case; header names are case-insensitive, and
//     HTTP/2 sends them in lower case;
//   - baggage members go out in no fixed order, and of a key sent twice the
//     last value wins (baggage.Baggage is a map); W3C Baggage allows both.
//
// # Request ID
//
// The incoming X-Request-ID (see WithRequestIDHeader) is kept when it is a
// single header value of 1 to 128 characters of [A-Za-z0-9._~:/+=@-];
// otherwise a new one is made: 32 hex characters from crypto/rand. It is
// echoed in the response, recorded on the span as "request.id", bound to the
// request's log context and returned by RequestID. Transport forwards it
// (see Client).
// A Handler inside another (a router's middleware around a mux that has its
// own) takes the outer one's ID, so the request has one ID throughout.
//
// # Logging
//
// The request context carries a logger (see the logging package) bound to
// the server span, request_id, method, path (without the query) and, once
// the router has matched, route; fields the handler binds with
// logging.With come after these, in the order they were bound.
// logging.FromContext(r.Context()) returns it (a child span's lines carry
// the child's span_id). When the request ends, Handler writes one access
// line through the same logger, msg "http_request", with status,
// duration_ms and bytes (response body) after the request's fields: at error
// for 5xx and panics, warn for 4xx and aborted responses (see Panics), info
// otherwise. It carries no caller and
// no stack trace (both would point into httpmw; a panic's stack is on its
// own line, below). So the access line has
// the keys of the logger's output profile (gcp, ecs, datadog), and with an
// OTLP bridge (logging.WithLoggerProvider, or an otelzap core teed into a
// logger of your own given with WithLogger) every record, the access line's
// included, carries the span's trace context. WithSkipPaths,
// WithAccessLogSampling and WithoutAccessLog reduce the lines. The query is logged only with
// WithQueryLogging, with the values of credential-like parameters REDACTED
// (see Redaction). Headers are never logged, so Authorization and cookies
// cannot leak. Path, query and panic text are cut to 1024 bytes, the method
// to 32.
//
// With per-request log buffering on (OTELKIT_LOG_BUFFER_LEVEL, see the
// logging package), the request's lines below the logger's level are kept
// and written, marked "buffered":true, only when it goes wrong: an error
// line, a 5xx, a panic (also an aborted one), or a duration over
// OTELKIT_LOG_BUFFER_SLOW. The access line then counts them: debug_dropped
// for a request that ended well, debug_flushed (and debug_evicted,
// debug_over_cap for lines the bounds cost) for one that did not; such an
// access line is never sampled out. A skipped path (WithSkipPaths) writes
// no access line but its buffer still ends. A logger of your own given
// with WithLogger buffers too, at the global logger's settings.
//
// # Redaction
//
// One rule set decides which query parameters carry credentials, for the
// access line's query and the url.full of Transport's client spans:
// DefaultRedactedParams (the names the HTTP semantic conventions list, the
// pre-signed URL parameters of AWS and Google Cloud, and the usual names
// of tokens, keys, passwords, secrets and OAuth codes), the families of
// names it describes (x-amz-*, *_token, *.key, accessToken, clientSecret,
// …), and the names given with WithRedactedParams or WithQueryLogging, all
// without regard to case and with "-", "_" and "." as one character. It is
// built by the engine that decides which log field keys carry credentials
// (see the logging package), with a broader list: code, state, key and
// session are credentials in a URL, not in a log field. The engine
// matches a form-style name by what its last brackets hold, the innermost
// of nested ones (user[password], user%5Bpassword%5D, a[b[token]], also
// filter[state]) and looks past a last word naming an encoding (key_hex)
// or a form's confirmation field (password_confirmation), and a number at
// the end (password2, api_key_2). Parameters are split at "&" and ";", in
// the query and in a fragment written like one (an OAuth implicit flow's
// "#access_token=…"). Their values become REDACTED, their names stay; URL
// user info becomes REDACTED:REDACTED. A query with nothing to redact
// costs one scan and no allocation.
//
// # Panics
//
// A panic in the handler is recovered and logged at error as
// "panic_recovered" with panic, error_type and stack; the span gets an
// exception event and error status; the client gets a 500 if nothing was
// written yet. A panic in a WithRouteFunc or WithPublicEndpointFunc
// function or in a propagator is reported the same way (the last two
// before the span starts, so without one).
//
// http.ErrAbortHandler, which a handler panics to cut its response off
// (httputil.ReverseProxy does when the backend fails mid-copy), is no fault
// of the program: it is not logged as panic_recovered, and the request is
// recorded like any other before the panic goes on to net/http, which then
// aborts the connection, as its contract says. Its access line is at warn
// (error after a 5xx status) with "aborted": true, the status sent so far (none when nothing was sent)
// and the body bytes sent; its span is an error and its duration metric
// point is counted, both with error.type "aborted" and with
// http.response.status_code only when a status was sent.
//
// # Response writer
//
// The ResponseWriter a handler receives keeps http.Flusher, http.Hijacker
// and io.ReaderFrom and supports http.ResponseController (Unwrap), so
// streaming, server-sent events and websockets work through the middleware.
//
// # Client
//
// Transport wraps an http.RoundTripper with otelhttp client spans, injects
// traceparent, tracestate and baggage (within the limits above), and
// forwards the context's request ID unless the request sets the header
// itself to one request ID that Handler would keep (one value, by the
// rules of Request ID). A header Handler would refuse (too long, bytes
// outside the set, several values) is replaced by the context's ID: a
// gateway that copies its client's headers to the request it makes then
// sends the ID its own Handler made, not the raw value the next server
// would refuse too and replace with a third ID, so the request can be
// followed across the hop. With no ID in the context the header goes out
// as it is: Transport has no better value, a new one would be carried by
// none of the caller's lines, and the next server applies its own rules
// (Handler makes a new ID and answers with it). The caller's request is
// not changed. The trace context, by contrast, is always the client span's: its
// traceparent replaces one the request carries, and a tracestate the
// request carries is replaced by the context's or, when the context has
// none, removed (W3C Trace Context ties a tracestate to its traceparent, so
// the caller's would describe another trace). Baggage is not tied to a
// trace: a baggage header the request carries goes out as it is, unless the
// context has baggage, which replaces it. The
// span's url.full is redacted (see Redaction); the request sent is the
// caller's. A failed request's span has the error of the wrapped
// RoundTripper as its status description (otelhttp's), as has a request
// whose response body fails to be read (or, after a 101 Switching
// Protocols, written), and such an error (a *url.Error, a retry or proxy
// library's) often quotes the URL: there, and in the exception event of
// a panic, the URL is written as url.full shows it, and its credentials
// are REDACTED wherever else the text holds them (one shorter than 8
// bytes only where it stands alone). So are the values of the request's
// credential headers (Authorization, Cookie, X-Api-Key, the keys of
// logging.DefaultRedactedKeys and any *Key, *Token*, *Secret*, *Password*;
// not keys added with otel.WithRedactedKeys) and what looks like an
// Authorization credential (Bearer, Basic, a JWT), as grpcmw does with a
// failed call's status. The caller gets the error as it was (errors.Is and
// errors.As work on it as without Transport). A response to a URL with
// nothing to redact keeps otelhttp's body as it is; one to a URL with
// credentials has its body wrapped, writable when the base's is. So a
// body's error quoting a header credential of a request whose URL had
// nothing to redact reaches the span as it is: wrapping the body of every
// request with such a header would cost each of them allocations. Spans
// are named "HTTP GET", or "HTTP" for a non-standard method, so a proxy's
// span names stay bounded. A span ends when the response body is read to
// its end or closed; a body never closed leaves it unended. Each redirect
// hop is a span of its own, and the trace context and request ID go to
// every host, the redirect targets included.
package httpmw
