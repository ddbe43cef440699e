// Package reqscope is the request scope that httpmw gives every HTTP
// request (and grpcmw, built on it next, every RPC): the request ID, the
// fields bound to the request's logger, the access line written when the
// request ends, and what a recovered panic records. A transport keeps a
// Scope inside its own per-request state, so the scope costs no allocation
// of its own, and calls, in this order:
//
//	s.Begin(incomingIDs, logger, late, fields...) // as the request arrives
//	ctx = s.Bind(ctx)                             // inside the request's span
//	s.RecordPanic(ctx, span, v, stack)            // for a recovered panic
//	s.End(&accessLog, outcome, line)              // once, when it is done
//
// # Layering
//
// reqscope sits above logging: it imports the public logging package, and
// internal/reqlog, the seam below logging through which Bind hands logging
// the request (see that package for why it is done that way), and
// internal/requestid for the ID rules. Only the transports (httpmw,
// grpcmw) import it; it imports neither them nor otel.
//
// # Request ID
//
// Begin keeps the incoming ID when it is exactly one value that
// internal/requestid accepts (1 to 128 characters of [A-Za-z0-9._~:/+=@-])
// and makes a new one (32 hex characters from crypto/rand) otherwise.
// Bind puts the scope in the request's context, where FromContext finds
// it, so a client transport forwards the ID; ContextWithID does the same
// for work that does not start with a request. A transport whose own
// context types answer the scope's key (IsKey) calls BindBelow instead,
// which saves that context value (grpcmw's per-RPC state does). A
// transport nested inside another takes the outer scope's ID (IDValues)
// when that scope Began: one ID per request.
//
// # The request's logger
//
// Bind binds, inside the request's span: request_id right after the trace
// fields, then the fields given to Begin (such as method and path), then
// what the late marshaler writes (such as the route, known once the
// router has matched), on every line written through logging.FromContext
// in the request's context.
//
// # Access line
//
// End writes one line per request, through the request's logger, so it
// has the output profile's keys and, with an OTLP bridge, the span's trace
// context: the request's fields, then the transport's. A transport hands
// its fields as an Access (method, path, query, status, duration, bytes,
// and its own in Access.More), which the request logger's output profile
// writes under its backend's names (httpRequest for Cloud Logging,
// http.response.* and event.duration for ECS, Datadog's standard
// attributes); any other marshaler is written as it is. Both transports
// get the same names this way. A request that never reached Bind is bound
// at End, without a span.
// Its level follows the outcome: error for a server error or a recovered
// panic, warn for a client error or an aborted response, info otherwise,
// and only 1 in AccessLog.SampleEvery of the successful ones. It carries
// no caller and no stack trace (both would point into the transport). End
// is the one place where every request ends, so it also ends the request's
// log buffer (per-request log buffering, see logging): first, whether or
// not an access line follows, it has logging write the buffered lines of a
// request that failed (server error, aborted response, recovered panic) or
// was slow, and drop those of one that ended well; the access line then
// carries the counts. A transport must call End for every request it began, also for
// one it leaves out of the access log (pass a nil line) or aborts.
//
// # Panics
//
// RecordPanic logs panic_recovered (panic, error_type, stack) through the
// request's logger, adds an exception event and error status to the span,
// and makes the access line an error. What the client gets (a 500, a gRPC
// Internal status) is the transport's.
//
// # Settings
//
// Settings hold what both transports' options set the same way: the
// tracer and meter providers, the propagators, the logger and the access
// line's policy (Apply hands the policy to an AccessLog). Each transport
// embeds them in its configuration and keeps its own documented options.
package reqscope
