package grpcmw

import (
	"context"
	"runtime/debug"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// unary is the unary server interceptor ServerOptions installs: it returns
// the request ID in the response header and recovers a panic of the
// handler (or of an interceptor after it).
func (h *serverHandler) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	st := h.stateOf(ctx)
	if st == nil {
		return handler(ctx, req)
	}
	if !st.nested {
		_ = grpc.SetHeader(ctx, st.header())
	}
	defer func() {
		if v := recover(); v != nil {
			resp, err = nil, recovered(ctx, st, v, debug.Stack())
		}
	}()
	return handler(ctx, req)
}

// stream is unary for streaming RPCs.
func (h *serverHandler) stream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	ctx := ss.Context()
	st := h.stateOf(ctx)
	if st == nil {
		return handler(srv, ss)
	}
	if !st.nested {
		_ = ss.SetHeader(st.header())
	}
	defer func() {
		if v := recover(); v != nil {
			err = recovered(ctx, st, v, debug.Stack())
		}
	}()
	return handler(srv, ss)
}

// header is the response header metadata that returns the request ID.
func (st *rpcState) header() metadata.MD {
	return metadata.MD{RequestIDMetadataKey: st.scope.IDValues()}
}

// errPanic is what the client gets for a recovered panic: the panic's text
// may hold anything, so it stays in the log and on the span.
var errPanic = status.Error(codes.Internal, "internal error")

// recovered records the panic v of the RPC of st, recovered with the stack
// of where it happened, in ctx, the handler's context, and returns the
// status the client gets.
func recovered(ctx context.Context, st *rpcState, v any, stack []byte) error {
	st.scope.RecordPanic(ctx, trace.SpanFromContext(ctx), v, stack)
	return errPanic
}
