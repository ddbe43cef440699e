package grpcmw

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc/metadata"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/requestid"
	"github.com/otelkit/otelkit/internal/w3c"
)

// propagatorOf is the configured propagators (the global one, looked up per
// RPC, by default) behind internal/w3c, which reads every traceparent,
// tracestate and baggage value as W3C Trace Context Level 2 and W3C Baggage
// say, drops oversized fields before they are parsed, and bounds what is
// sent on. See the package documentation, "Trace context".
func propagatorOf(cfg config) propagation.TextMapPropagator {
	return w3c.Configured(cfg.Propagators)
}

// serverPropagator is what the server's otelgrpc handler extracts with.
// otelgrpc's own carrier gives only the first value of a metadata key;
// serverPropagator hands the propagators a carrier that also gives every
// value (propagation.ValuesGetter), read from the RPC's incoming metadata,
// so that internal/w3c sees every line of a field as it does over HTTP.
type serverPropagator struct{ next propagation.TextMapPropagator }

var _ propagation.TextMapPropagator = serverPropagator{}

// Extract implements propagation.TextMapPropagator. otelgrpc calls it in
// TagRPC with the RPC's state as ctx.
func (p serverPropagator) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	st, ok := ctx.(*rpcState)
	if !ok {
		return p.next.Extract(ctx, c)
	}
	// p.next is Propagator's (propagatorOf), which takes the state's
	// w3c.Carrier as it is.
	st.hideIncoming.Store(false) // otelgrpc has made its copy (TagRPC)
	st.carrier = c
	st.w3c.Wrap(incoming{st})
	ctx = p.next.Extract(ctx, &st.w3c)
	st.carrier = nil
	return ctx
}

// Inject implements propagation.TextMapPropagator (a server injects
// nothing; it is here for the interface).
func (p serverPropagator) Inject(ctx context.Context, c propagation.TextMapCarrier) {
	p.next.Inject(ctx, c)
}

// Fields implements propagation.TextMapPropagator.
func (p serverPropagator) Fields() []string { return p.next.Fields() }

// incoming is the carrier serverPropagator hands on (inside w3c.Carrier):
// the RPC's state, in a struct of one pointer so that passing it costs no
// allocation (and it is no context.Context, which the state is).
type incoming struct{ st *rpcState }

var (
	_ propagation.TextMapCarrier = incoming{}
	_ propagation.ValuesGetter   = incoming{}
)

// Get returns the first value of key as otelgrpc's copy of the incoming
// metadata would. grpc's transport writes every key in lower case, and then
// the metadata TagRPC found holds the copy's keys. A key in another case
// (only a hand-made context holds one) makes a copy here; without
// metadata TagRPC hid nothing, and otelgrpc's copy answers.
func (c incoming) Get(key string) string {
	var v []string
	switch in := &c.st.in; {
	case in.md == nil:
		return c.st.carrier.Get(key)
	case in.mixed:
		md, _ := metadata.FromIncomingContext(c.st.Context)
		v = md.Get(key)
	default:
		v = in.md[strings.ToLower(key)]
	}
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Values returns every value of key in the incoming metadata, as
// metadata.ValueFromIncomingContext does, from what TagRPC read of it
// (incoming.go). The slices are grpc's own, not copies, as http.Header's
// are over HTTP: a propagator reads them and must not change them.
func (c incoming) Values(key string) []string {
	return c.st.in.values(c.st.Context, key)
}

// Set sets key in otelgrpc's copy of the metadata, which Get does not read
// back: a propagator sets nothing while it extracts.
func (c incoming) Set(key, value string) { c.st.carrier.Set(key, value) }

// Keys lists the metadata keys, lower-cased, as otelgrpc's copy of the
// metadata would.
func (c incoming) Keys() []string {
	if c.st.in.md == nil {
		return c.st.carrier.Keys()
	}
	return c.st.in.keys(c.st.Context)
}

// clientPropagator is what the client's otelgrpc handler injects with: the
// propagators, then the request ID of the call's context (RequestID) as
// x-request-id, unless the call's outgoing metadata already holds one valid
// request ID (requestid.ReplaceOutgoing).
type clientPropagator struct{ next propagation.TextMapPropagator }

var _ propagation.TextMapPropagator = clientPropagator{}

// Inject implements propagation.TextMapPropagator. c is otelgrpc's copy of
// the call's outgoing metadata; its Get gives only the first value of a
// key, and its Set replaces every value. The first value decides when it
// is missing, empty or invalid (the context's ID replaces it) or the
// context's ID itself (which goes out alone whatever follows it). Only a
// valid first value of another ID needs the others (one valid value is
// kept, several are replaced): they are read from ctx, which holds the
// same metadata, at the cost of a copy of it, as grpc offers no look-up
// of one outgoing key.
func (p clientPropagator) Inject(ctx context.Context, c propagation.TextMapCarrier) {
	p.next.Inject(ctx, c)
	id := reqscope.ID(ctx)
	if id == "" {
		return
	}
	if first := c.Get(RequestIDMetadataKey); first != "" && first != id && requestid.Valid(first) {
		md, _ := metadata.FromOutgoingContext(ctx)
		if !requestid.ReplaceOutgoing(md[RequestIDMetadataKey], id) {
			return
		}
	}
	c.Set(RequestIDMetadataKey, id)
}

// Extract implements propagation.TextMapPropagator.
func (p clientPropagator) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	return p.next.Extract(ctx, c)
}

// Fields implements propagation.TextMapPropagator.
func (p clientPropagator) Fields() []string { return p.next.Fields() }
