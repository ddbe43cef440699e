package grpcmw

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc/metadata"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/w3c"
)

// propagatorOf is the configured propagators (the global one, looked up per
// RPC, by default) behind internal/w3c, which reads every traceparent,
// tracestate and baggage value as W3C Trace Context Level 2 and W3C Baggage
// say, drops oversized fields before they are parsed, and bounds what is
// sent on. See the package documentation, "Trace context".
func propagatorOf(cfg config) propagation.TextMapPropagator {
	return w3c.Configured(cfg.propagators)
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
	st.carrier = c
	st.w3cKeys = w3cKeysOf(c)
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

// Get returns the first value of key, from otelgrpc's copy of the metadata.
func (c incoming) Get(key string) string { return c.st.carrier.Get(key) }

// Values returns every value of key in the incoming metadata. A W3C field
// that the metadata does not hold (w3cKeys) is answered without a lookup:
// metadata.ValueFromIncomingContext scans the whole map for a key it does
// not find, and tracestate and baggage are absent from most RPCs.
func (c incoming) Values(key string) []string {
	if bit := w3cKeyBit(key); bit != 0 && c.st.w3cKeys&bit == 0 {
		return nil
	}
	return metadata.ValueFromIncomingContext(c.st.Context, key)
}

// w3cKeyBit is key's bit in rpcState.w3cKeys when key is one of the W3C
// fields' names as internal/w3c asks for them, 0 otherwise.
func w3cKeyBit(key string) uint8 {
	switch key {
	case "traceparent":
		return 1
	case "tracestate":
		return 2
	case "baggage":
		return 4
	}
	return 0
}

// w3cKeysOf returns which W3C fields the incoming metadata holds under any
// spelling, in one pass over the keys of otelgrpc's copy of it (c), which
// grpc has lower-cased (strings.ToLower). A key matches a field exactly
// when metadata.ValueFromIncomingContext would find it (strings.EqualFold):
// the lower-cased key is the name itself, or, for tracestate, spelled with
// U+017F (ſ, which folds to s and stays as it is when lower-cased; no
// other letter of the three names has a non-ASCII fold).
func w3cKeysOf(c interface{ Keys() []string }) uint8 {
	var m uint8
	for _, k := range c.Keys() {
		if bit := w3cKeyBit(k); bit != 0 {
			m |= bit
		} else if len(k) == len("tracestate")+1 && strings.EqualFold(k, "tracestate") {
			m |= 2
		}
	}
	return m
}

// Set sets key in otelgrpc's copy of the metadata.
func (c incoming) Set(key, value string) { c.st.carrier.Set(key, value) }

// Keys lists the metadata keys.
func (c incoming) Keys() []string { return c.st.carrier.Keys() }

// clientPropagator is what the client's otelgrpc handler injects with: the
// propagators, then the request ID of the call's context (RequestID) as
// x-request-id, unless the call's outgoing metadata already holds one.
type clientPropagator struct{ next propagation.TextMapPropagator }

var _ propagation.TextMapPropagator = clientPropagator{}

// Inject implements propagation.TextMapPropagator.
func (p clientPropagator) Inject(ctx context.Context, c propagation.TextMapCarrier) {
	p.next.Inject(ctx, c)
	if id := reqscope.ID(ctx); id != "" && c.Get(RequestIDMetadataKey) == "" {
		c.Set(RequestIDMetadataKey, id)
	}
}

// Extract implements propagation.TextMapPropagator.
func (p clientPropagator) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	return p.next.Extract(ctx, c)
}

// Fields implements propagation.TextMapPropagator.
func (p clientPropagator) Fields() []string { return p.next.Fields() }
