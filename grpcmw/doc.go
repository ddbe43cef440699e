// Package grpcmw is the gRPC server and client instrumentation of otelkit:
// server options give every RPC a server span, the RPC duration metric, a
// request ID, a request-scoped logger, an access line and panic recovery,
// all of which agree with each other; dial options give every call a client
// span and carry the trace context and the request ID to the server.
//
//	srv := grpc.NewServer(grpcmw.ServerOptions()...)
//	pb.RegisterCheckoutServer(srv, impl)
//	conn, err := grpc.NewClient(target, append(grpcmw.DialOptions(),
//		grpc.WithTransportCredentials(creds))...)
//
// It builds on the stats handlers of otelgrpc and takes its providers from
// options or, by default, from the OpenTelemetry globals (which otel.Init
// sets), so it also works without otel.Init. It never builds providers
// itself and reads no environment variables of its own: OTEL_* settings reach
// it through the providers and propagators that otel.Init configures
// (otelgrpc itself reads OTEL_SEMCONV_STABILITY_OPT_IN, see Spans and
// metrics); explicit options win over those globals. It shares its request
// scope with httpmw (the request ID rules, the logger binding, the access
// line's policy), so an RPC and an HTTP request look alike in the logs.
//
// ServerOptions returns a stats handler and a unary and a stream
// interceptor. Put them before interceptors of your own: those then see the
// RPC's logger, and a panic in them is recovered too.
//
// # Spans and metrics
//
// Each RPC gets a server span from otelgrpc, named as the RPC semantic
// conventions say ("package.Service/Method") with rpc.method,
// rpc.system.name and rpc.response.status_code, that continues a valid
// incoming traceparent (an invalid one starts a fresh trace), and the
// rpc.server.call.duration histogram with rpc.method and
// rpc.response.status_code (and error.type for the codes below that count
// as server errors). Unary and streaming RPCs alike: a stream is one span.
// The span's status is an error for the codes the conventions count as
// server errors, with the status message as its description, in which
// the credentials the client sent are replaced by REDACTED, as for the
// client below (a handler passing on an upstream's rejection may quote
// them; values shorter than 8 bytes or without a letter or digit are not
// taken for credentials, so that a client cannot blank every space or
// colon), and so is URL user info. The client gets the message as the
// handler wrote it.
// WithTracerProvider, WithMeterProvider and WithPropagators given nil, or a
// nil pointer behind the interface (a nil *sdktrace.TracerProvider), use
// the default, the global one.
// WithPublicEndpoint starts a new trace linked to the
// incoming one. The OTEL_SEMCONV_STABILITY_OPT_IN values rpc/old and
// rpc/dup, which otelgrpc reads, switch to (or add) the older conventions.
//
// # Cardinality
//
// A client chooses the method it calls, so a method name never reaches a
// span name or a metric attribute unless the server recognises it: it is
// a method of a service in the protobuf registry (generated code registers
// its services there; a service this server does not serve still counts,
// which bounds nothing less: the registry is fixed by the binary), or one
// named with WithMethods (for a service registered without a protobuf
// descriptor). Any other RPC is recorded as the conventions ask for an
// unrecognised method: rpc.method "_OTHER", a span named "grpc"
// (rpc.system.name), the method as sent, cut to 1024 bytes, in
// rpc.method_original on the span; its lines carry rpc_method "_OTHER" and
// rpc_method_original. So made-up methods make one metric series per status
// code, and no new span name.
//
// The client side does the same for the methods it calls, by the same
// rules (the protobuf registry, and WithMethods given to DialOptions): a
// call to any other method gets a client span named "grpc" with
// rpc.method "_OTHER" and rpc.method_original, and the client metric
// rpc.method "_OTHER". A program chooses the methods it calls, but a proxy
// that forwards whatever method it is sent lets its clients choose.
//
// grpc answers an RPC to an unregistered method itself (UNIMPLEMENTED)
// without running interceptors or reporting its end to stats handlers;
// grpcmw still ends its span, records its duration and writes its access
// line, when grpc sends the status, or as CANCELLED a moment (250 ms) after
// the RPC's context ends when the client is gone before that status (grpc
// then reports nothing at all). That holds as well for a method the
// server recognises (see above) but does not serve. (grpc refuses a method
// name without a "/" between service and method, or with bytes HTTP/2 does
// not allow in a header, before any stats handler sees it: those get no
// span and no line.) With grpc.UnknownServiceHandler, given
// after ServerOptions, unknown methods run through the interceptors like
// any other, still as _OTHER.
//
// # Trace context
//
// The server reads traceparent, tracestate and baggage from every value of
// the incoming metadata key (gRPC metadata, like HTTP headers, may carry a
// key more than once; otelgrpc alone reads the first), as W3C Trace Context
// Level 2 and W3C Baggage say, in front of the configured propagators, the
// same way httpmw does (other formats such as B3 pass through):
//
//   - tracestate and baggage values are combined in order, empty ones
//     skipped; two differing traceparent values start a new trace,
//     identical ones count as one;
//   - an invalid tracestate or baggage member is dropped, not the whole
//     field; every tracestate member whose key is sent twice is dropped; a
//     tracestate of more than 32 members is dropped;
//   - limits: traceparent 512 bytes, tracestate 8192 bytes, baggage 8192
//     bytes and 64 members. A field over its byte limit is dropped before it
//     is parsed;
//   - what DialOptions sends stays within the same limits.
//
// What is dropped is counted, per field and reason, in otel's Health
// (trace_context_dropped).
//
// # Request ID
//
// The incoming x-request-id metadata (RequestIDMetadataKey) is kept when it
// is a single value of 1 to 128 characters of [A-Za-z0-9._~:/+=@-];
// otherwise a new one is made: 32 hex characters from crypto/rand. These
// are httpmw's rules. The ID is returned in the response header metadata,
// recorded on the span as "request.id", bound to the RPC's log context and
// returned by RequestID, from the RPC's start on: a sampler or the
// WithPublicEndpointFunc function sees it too. An RPC to an unregistered method gets no response
// header (grpc answers it before any interceptor runs) but still has an ID
// on its span and lines.
// Two sets of ServerOptions on one server (two loggers, say) give an RPC
// one ID: the second takes the first's, and it is answered once.
//
// RequestID and httpmw.RequestID read the same context value, so a gRPC
// call made with DialOptions from an HTTP handler behind httpmw forwards
// the HTTP request's ID, and an HTTP call made with httpmw.Transport from
// an RPC handler forwards the RPC's.
//
// # Logging
//
// The handler's context carries a logger (see the logging package) bound to
// the server span, request_id and rpc_method ("package.Service/Method").
// logging.FromContext(ctx) returns it (a child span's lines carry the
// child's span_id). When the RPC ends, the server writes one access line
// through the same logger, msg "grpc_request", with code (the status code
// as the gRPC specification writes it: OK, NOT_FOUND, ...), duration_ms,
// and, for a streaming RPC, messages_received and messages_sent. It carries
// no caller and no stack trace. So the access line has the keys of the
// logger's output profile, and with an OTLP bridge every record, the access
// line's included, carries the span's trace context. Status messages and
// metadata are never logged, so credentials a client sends cannot leak.
//
// The access line's level follows the status code, as the RPC semantic
// conventions judge a server span:
//
//	level  codes
//	info   OK
//	warn   CANCELLED, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
//	       PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION,
//	       ABORTED, OUT_OF_RANGE, UNAUTHENTICATED (the client's doing)
//	error  UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
//	       DATA_LOSS (the server's), a code gRPC does not define, and a
//	       recovered panic
//
// So a client calling a method that does not exist logs an error line, as
// its span is an error: the conventions count UNIMPLEMENTED as the
// server's. WithSkipMethods (health checks), WithAccessLogSampling (1 in n
// OK lines) and WithoutAccessLog reduce the lines.
//
// # Panics
//
// A panic in a handler, or in an interceptor after grpcmw's, is recovered
// and logged at error as "panic_recovered" with panic, error_type and
// stack; the span gets an exception event and error status; the client gets
// INTERNAL with the message "internal error" (the panic's text stays in the
// log). A panic in a goroutine the handler started cannot be recovered.
//
// # Client
//
// DialOptions gives every call a client span and the
// rpc.client.call.duration histogram (otelgrpc), injects traceparent,
// tracestate and baggage (within the limits above), and sends the request
// ID of the call's context as x-request-id, unless the call's outgoing
// metadata already holds one request ID that the server would keep (one
// value, by the rules of Request ID). Metadata the server would refuse
// (too long, bytes outside the set, several values) is replaced by the
// context's ID: a gateway that copies its caller's incoming metadata to
// the call it makes then sends the ID its own server side made, not the
// raw value the next server would refuse too and replace with a third ID,
// so the RPC can be followed across the hop. With no ID in the context the
// metadata goes out as it is: the client has no better value, a new one
// would be carried by none of the caller's lines, and the next server
// applies its own rules (grpcmw's makes a new ID and answers with it). The
// check costs a call that sets x-request-id one validation; only one
// whose first value is valid but not the context's ID pays for a copy of
// the outgoing metadata too, to see whether more values follow.
// ContextWithRequestID gives work that does not start with a request an ID
// to forward.
//
// A call to a method that is neither in the protobuf registry nor named
// with WithMethods is recorded as _OTHER (see Cardinality): a client of a
// service without generated protobuf code (a hand-written
// grpc.ServiceDesc, another codec, descriptors read by reflection at run
// time) lists its methods with WithMethods given to DialOptions, or its
// client spans are all named "grpc".
//
// The trace context sent is the client span's, whatever the outgoing
// metadata holds: its traceparent replaces the caller's, and the caller's
// tracestate is replaced by the context's or, when the context has none,
// sent empty (W3C Trace Context ties a tracestate to its traceparent, and
// receivers MUST accept an empty one; otelgrpc's carrier cannot remove a
// key). The caller's baggage goes out as it is, unless the context has
// baggage, which replaces it.
//
// A failed call's status message becomes the client span's status, and
// servers often quote the credential they reject. So otelgrpc gets the
// message with REDACTED in place of:
//
//   - the values of the credential-like keys of the call's outgoing
//     metadata, wherever the message quotes them: the keys of
//     logging.DefaultRedactedKeys, matched as for log fields
//     (authorization, proxy-authorization, cookie, passwd, passphrase,
//     credentials, pwd, jwt, x-api-key, …), and also any *key, *token*,
//     *secret* and *password*. Keys a program adds with
//     otel.WithRedactedKeys (or logging's or tracing's) are not among
//     them, and otel.WithoutKeyRedaction does not turn this off;
//   - what looks like an Authorization credential: the token after
//     "Bearer" (in any case), the base64 of "user:password" after "Basic",
//     and a JWT anywhere. A word after the scheme stays ("missing bearer
//     token", "expected Bearer scheme"): letters alone (hyphenated words
//     too), shorter than 20 bytes, are read as one, so a token of a few
//     letters only is not recognised.
//
// The second is for the credentials of a grpc.PerRPCCredentials
// (grpc.WithPerRPCCredentials, grpc.PerRPCCredsCallOption): grpc writes
// them into the request headers itself and shows their values to no stats
// handler, so only their form can give them away. grpc's own (oauth, jwt,
// Google default credentials, STS) send "authorization: Bearer …". A
// per-RPC credential in another form (an API key under x-api-key) that the
// server quotes back is not recognised: send such a key in the context's
// metadata instead. The caller's error is not changed, and a call that
// succeeds pays nothing for this.
//
// # Running a server
//
// Server adapts a *grpc.Server and its listener to what otel's
// (*Telemetry).Run serves: Run serves it, and on SIGTERM stops it
// gracefully (GracefulStop, bounded by the drain timeout, then Stop) before
// it flushes the telemetry.
//
//	ln, err := net.Listen("tcp", ":9090")
//	...
//	return tel.Run(ctx, grpcmw.Server(srv, ln))
package grpcmw
