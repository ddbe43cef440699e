// Package w3c puts W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/)
// and W3C Baggage (https://www.w3.org/TR/baggage/) in front of the
// OpenTelemetry SDK's propagators, for httpmw, tracing and (later) grpcmw.
//
// # Why
//
// The SDK's W3C propagator reads only the first traceparent and tracestate
// line (Get), drops a whole tracestate for one bad or duplicated member, keeps the Level 1 key grammar,
// rejects a version-00 traceparent with undefined flag bits set, and parses
// a hostile tracestate in full (a 1 MiB field cost 4 MiB and milliseconds).
// Propagator wraps any propagator so that it reads the fields as the
// specifications say, without replacing it: other formats (B3, Jaeger, ...)
// pass through.
//
// # Received fields
//
//   - Every line of a field is read, in order (RFC 9110 §5.3). tracestate and
//     baggage lines are combined, empty lines and members skipped; two
//     differing traceparent lines restart the trace.
//   - A field over its byte limit (limits.go) is dropped before it is
//     parsed; the work per request is bounded by the limits, not by the
//     header size net/http accepts (1 MiB).
//   - An invalid list-member is dropped, not the whole field; a tracestate
//     key present more than once drops every member with that key; a
//     tracestate of more than 32 members is dropped whole.
//
// # Sent fields
//
// Inject bounds what the SDK writes: a tracestate over 8192 bytes loses whole
// entries, those over 128 characters first, then from the end (§3.3.3.1); a
// baggage over 64 members or 8192 bytes keeps its first members that fit.
//
// A carrier may hold trace context before Inject (a request built by the
// caller, a message passed on). When a traceparent is written but no
// tracestate (the context's is empty), a tracestate the carrier held is
// removed: it belongs to the traceparent replaced. A carrier that cannot
// delete a key (otelgrpc's metadata) gets an empty tracestate instead:
// vendors MUST accept an empty tracestate and SHOULD avoid sending one
// ("tracestate Header Field Values"), a SHOULD kept second to sending no
// state of another trace. Baggage is independent of the trace: the
// carrier's stays unless the context has baggage.
//
// # Residual differences
//
// What the SDK cannot represent, and what this package does instead:
//
//   - tracestate keys that Level 2 allows but trace.TraceState rejects are
//     dropped (the member only): a simple key starting with a digit
//     ("1vendor"), a key with two or more "@", a system id after "@" that is
//     empty, starts with a non-letter or is over 14 characters, a tenant over
//     241 characters. Upstream: go.opentelemetry.io/otel/trace tracestate.go,
//     checkKey (the Level 1 multi-tenant grammar). §3.5 says vendors SHOULD
//     NOT delete keys they did not generate; the SDK leaves no way to keep
//     them. Counted as DropUnrepresentable.
//   - A trace otelkit starts does not carry the random-trace-id flag although
//     the SDK's default IDs are random (§3.2.2.5.2 SHOULD): the SDK takes
//     trace flags from the parent only (go.opentelemetry.io/otel/sdk/trace
//     tracer.go, newSpan) and its IDGenerator cannot declare its IDs random.
//     A continued trace keeps the incoming flag, set or unset (the MUST).
//   - Over HTTP/1.1 the fields are sent under Go's canonical names
//     (Traceparent, Tracestate, Baggage; propagation.HeaderCarrier.Set via
//     http.Header.Set), where §3.2.1 and §3.3.1 say SHOULD be lower case.
//     Names are case-insensitive (RFC 9110 §5.1); HTTP/2 and gRPC send them
//     in lower case.
//   - baggage.Baggage is a map (go.opentelemetry.io/otel/baggage): of
//     members with the same key the last one wins, and members are sent in
//     no particular order. W3C Baggage allows removing duplicates and
//     requires no order for distinct keys.
//
// Every drop is counted per field and reason (Dropped), so a lost
// tracestate or baggage is never silent.
package w3c
