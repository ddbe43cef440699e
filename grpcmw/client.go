package grpcmw

import (
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// DialOptions returns the options for grpc.NewClient that give every call a
// client span and the client duration metric (from otelgrpc), inject the
// trace context and baggage (see WithPropagators), and send the request ID
// of the call's context (RequestID: the RPC's or HTTP request's being
// served, or ContextWithRequestID's) as x-request-id metadata, unless the
// call's outgoing metadata already holds one.
//
//	conn, err := grpc.NewClient(target, append(grpcmw.DialOptions(), grpc.WithTransportCredentials(creds))...)
//
// Server-side options are ignored.
func DialOptions(opts ...Option) []grpc.DialOption {
	return []grpc.DialOption{grpc.WithStatsHandler(newClientHandler(newConfig(opts)))}
}

// newClientHandler is otelgrpc's client stats handler, injecting through
// clientPropagator.
func newClientHandler(cfg config) stats.Handler {
	return otelgrpc.NewClientHandler(
		otelgrpc.WithTracerProvider(cfg.TracerProvider),
		otelgrpc.WithMeterProvider(cfg.MeterProvider),
		otelgrpc.WithPropagators(clientPropagator{next: propagatorOf(cfg)}),
	)
}
