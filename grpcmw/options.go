package grpcmw

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/reqscope"
)

// config is the resolved configuration of ServerOptions or DialOptions. Its
// zero value is not used; newConfig fills the defaults.
type config struct {
	reqscope.Settings // providers, propagators, logger, access-line policy

	methods        map[string]struct{} // WithMethods: "/pkg.Service/Method"
	skipMethods    map[string]struct{} // WithSkipMethods
	publicEndpoint func(ctx context.Context, fullMethod string) bool
}

// Option configures ServerOptions and DialOptions. Options that only concern
// the server side are ignored by DialOptions.
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

func newConfig(opts []Option) config {
	return option.Apply(config{}, opts, Option.apply)
}

// sharedOption is an option grpcmw shares with httpmw: the setting is
// reqscope's.
type sharedOption reqscope.Setting

func (s sharedOption) apply(c config) config { s(&c.Settings); return c }

// WithTracerProvider sets the TracerProvider for server and client spans.
// Default: the OpenTelemetry global provider (otel.GetTracerProvider) when
// ServerOptions or DialOptions is called; the global delegates to the
// provider that otel.Init installs later.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return sharedOption(reqscope.SetTracerProvider(tp))
}

// WithMeterProvider sets the MeterProvider for the RPC duration metrics
// (rpc.server.call.duration, rpc.client.call.duration). Default: the
// OpenTelemetry global provider when ServerOptions or DialOptions is called;
// the global delegates to the provider that otel.Init installs later.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return sharedOption(reqscope.SetMeterProvider(mp))
}

// WithPropagators sets the propagators that extract the incoming trace
// context and inject the outgoing one. Default: the OpenTelemetry global
// propagator (otel.GetTextMapPropagator), looked up per RPC, which otel.Init
// sets from OTEL_PROPAGATORS (this option wins over it). Either way,
// traceparent, tracestate and baggage reach them as the W3C specifications
// say (see "Trace context" in the package documentation).
func WithPropagators(p propagation.TextMapPropagator) Option {
	return sharedOption(reqscope.SetPropagators(p))
}

// WithLogger sets the logger that RPC lines are bound to and that writes the
// access line. Default: zap.L(), looked up per RPC.
func WithLogger(l *zap.Logger) Option {
	return sharedOption(reqscope.SetLogger(l))
}

// WithMethods names methods ("/package.Service/Method", as grpc's
// FullMethod) that the server (ServerOptions), or the client (DialOptions),
// recognises besides those of the services in the protobuf registry. A
// method that is in neither is recorded as _OTHER (see "Cardinality" in
// the package documentation), so list here the methods of services
// registered without a protobuf descriptor (a hand-written
// grpc.ServiceDesc, another codec). Names without the leading "/" are
// accepted. Default: the protobuf registry only.
func WithMethods(fullMethods ...string) Option {
	return optionFunc(func(c config) config {
		c.methods = addMethods(c.methods, fullMethods)
		return c
	})
}

// WithSkipMethods names methods ("/package.Service/Method") that get no
// access line, such as "/grpc.health.v1.Health/Check". They are still traced
// and measured. Default: none.
func WithSkipMethods(fullMethods ...string) Option {
	return optionFunc(func(c config) config {
		c.skipMethods = addMethods(c.skipMethods, fullMethods)
		return c
	})
}

// addMethods returns a copy of m with names added, each with its leading
// "/", so that options never share a map.
func addMethods(m map[string]struct{}, names []string) map[string]struct{} {
	out := make(map[string]struct{}, len(m)+len(names))
	for k := range m {
		out[k] = struct{}{}
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if n[0] != '/' {
			n = "/" + n
		}
		out[n] = struct{}{}
	}
	return out
}

// WithAccessLogSampling writes the access line of only one in every n RPCs
// that end OK (no panic); every other code is always logged. Default: every
// RPC (n <= 1).
func WithAccessLogSampling(n int) Option {
	return sharedOption(reqscope.SetAccessLogSampling(n))
}

// WithoutAccessLog turns the access line off. Default: on.
func WithoutAccessLog() Option {
	return sharedOption(reqscope.SetNoAccessLog())
}

// WithPublicEndpoint treats every RPC as coming from outside: the incoming
// trace context is not continued; a new trace starts, linked to the
// incoming span. Default: a valid incoming traceparent is continued.
func WithPublicEndpoint() Option {
	return WithPublicEndpointFunc(func(context.Context, string) bool { return true })
}

// WithPublicEndpointFunc is WithPublicEndpoint for the RPCs where fn,
// given the RPC's context (with its incoming metadata) and full method,
// returns true.
func WithPublicEndpointFunc(fn func(ctx context.Context, fullMethod string) bool) Option {
	return optionFunc(func(c config) config {
		c.publicEndpoint = fn
		return c
	})
}
