// Package handwritten is the stack a user writes without otelkit to get
// what httpmw.Handler gives: a request-ID middleware, otelhttp.NewHandler,
// and inside it a middleware that binds a zap logger with the trace fields
// and the request ID (zap's With), hands it to the handler in the request
// context and writes the access line. GRPCServerOptions is the same for
// what grpcmw.ServerOptions gives: the otelgrpc stats handler and
// interceptors that do the request ID, the bound logger and the access
// line. It is the baseline that otelkit is measured against, in the same
// run: httpmw's and grpcmw's benchmarks (bench_test.go in each) and the
// whole-service load benchmark (package loadbench). One copy, so that all
// measure against the same stack.
//
// It imports no otelkit package but internal/requestid, whose acceptance
// rules it shares with httpmw so that both do the same work on a request
// ID; it must not import httpmw, grpcmw, logging or otel, which it is
// compared with.
package handwritten
