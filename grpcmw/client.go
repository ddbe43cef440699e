package grpcmw

import (
	"context"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/internal/redact"
	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/scrub"
)

// DialOptions returns the options for grpc.NewClient that give every call a
// client span and the client duration metric (from otelgrpc), inject the
// trace context and baggage (see WithPropagators), and send the request ID
// of the call's context (RequestID: the RPC's or HTTP request's being
// served, or ContextWithRequestID's) as x-request-id metadata, unless the
// call's outgoing metadata already holds one request ID the server accepts
// (an invalid one, or several, is replaced by the context's, and left as
// it is when the context has none; see "Client" in the package
// documentation). A method neither in the
// protobuf registry nor named with WithMethods is recorded as _OTHER (see
// "Client" in the package documentation).
//
//	conn, err := grpc.NewClient(target, append(grpcmw.DialOptions(), grpc.WithTransportCredentials(creds))...)
//
// Server-side options are ignored.
func DialOptions(opts ...Option) []grpc.DialOption {
	return []grpc.DialOption{grpc.WithStatsHandler(newClientHandler(newConfig(opts)))}
}

// newClientHandler is otelgrpc's client stats handler, injecting through
// clientPropagator, whose span status quotes neither a credential the call
// sent in its metadata nor one that looks like an Authorization credential
// (clientHandler).
func newClientHandler(cfg config) stats.Handler {
	return clientHandler{Handler: otelgrpc.NewClientHandler(
		otelgrpc.WithTracerProvider(cfg.TracerProvider),
		otelgrpc.WithMeterProvider(cfg.MeterProvider),
		otelgrpc.WithPropagators(clientPropagator{next: propagatorOf(cfg)}),
	), methods: newMethodSet(cfg.methods)}
}

// clientHandler hands otelgrpc a failed call's status with the credentials
// the call sent replaced by REDACTED: servers often quote the credential
// they reject ("invalid authorization \"Bearer …\""), and otelgrpc makes
// the message the client span's status. The caller's error is not changed.
//
// Two sources, both read only when a call fails, so a call that succeeds
// costs nothing more:
//
//   - the values of the credential-like keys of the context's outgoing
//     metadata (redact.CredentialHeader: the project's key rule, and any
//     *key, *token*, …), wherever the message quotes them;
//   - what looks like an Authorization credential (scrub.AuthCredentials):
//     "Bearer <token>", "Basic <base64 of user:password>", a JWT. This is
//     for the credentials a grpc.PerRPCCredentials adds (the dial option
//     or the call option), which no stats handler sees: grpc writes them
//     into the HTTP/2 headers itself, and the stats.OutHeader it reports
//     holds the context's metadata and user-agent only (grpc 1.84,
//     http2Client.NewStream). grpc's own per-RPC credentials (oauth, jwt,
//     Google default, STS) all send "authorization: Bearer …".
//
// It also records a call to a method it does not recognise (methods) as
// the server does (see TagRPC).
type clientHandler struct {
	stats.Handler
	methods *methodSet
}

// TagRPC hands otelgrpc the call, as _OTHER when the method is neither in
// the protobuf registry nor named with WithMethods (see methods.go): the
// program chooses the method it calls, but a proxy that forwards whatever
// method it is sent (grpc.UnknownServiceHandler, then ClientConn.NewStream)
// lets its clients choose, and otelgrpc makes the method the span name and
// a metric attribute.
func (h clientHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	if h.methods.known(info.FullMethodName) != nil {
		return h.Handler.TagRPC(ctx, info)
	}
	other := *info
	other.FullMethodName = otherFullMethod
	ctx = h.Handler.TagRPC(ctx, &other)
	markOther(trace.SpanFromContext(ctx), reqscope.Truncate(info.FullMethodName))
	return ctx
}

func (h clientHandler) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	if end, ok := rs.(*stats.End); ok && end.Error != nil {
		md, _ := metadata.FromOutgoingContext(ctx)
		rs = scrubbedEndOf(end, credentials(md))
	}
	h.Handler.HandleRPC(ctx, rs)
}

// scrubbedEndOf returns end, or a copy whose error is scrubbedStatus's
// when that scrubs anything.
func scrubbedEndOf(end *stats.End, secrets []string) *stats.End {
	clean := scrubbedStatus(secrets, end.Error)
	if clean == nil {
		return end
	}
	e := *end
	e.Error = clean
	return &e
}

// scrubbedStatus returns err with secrets, URL user info and what looks
// like an Authorization credential scrubbed from its message, or nil when
// it quotes none. A message that quotes no secret (the usual case) costs
// no Scrubber (scrub.NewFor).
func scrubbedStatus(secrets []string, err error) error {
	st := status.Convert(err)
	msg := scrub.AuthCredentials(scrub.NewFor(secrets, st.Message()).String(st.Message()))
	if msg == st.Message() {
		return nil
	}
	return status.Error(st.Code(), msg)
}

// credentials returns the values of md's credential-like keys
// (redact.CredentialHeader), which httpmw.Transport applies to headers.
func credentials(md metadata.MD) []string { return redact.AppendHeaderCredentials(nil, md) }

// credentialKey is the rule credentials applies to a metadata key.
var credentialKey = redact.CredentialHeader
