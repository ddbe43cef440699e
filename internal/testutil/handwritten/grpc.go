package handwritten

import (
	"context"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/internal/requestid"
)

// GRPCServerOptions is the gRPC stack a user writes without otelkit: the
// otelgrpc stats handler with tp, mp and prop, and a unary and a stream
// interceptor that take the caller's x-request-id metadata if it is valid
// (one value, requestid's rules) or make one, answer with it in the
// response header, bind logger with trace_id, span_id, trace_flags,
// request_id and rpc_method, put it in the context (see Logger), and write
// one "grpc_request" access line per RPC with code and duration_ms (and
// messages_received and messages_sent for a stream), at info for OK, error
// for the codes the RPC semantic conventions count as server errors, warn
// otherwise.
func GRPCServerOptions(logger *zap.Logger, tp trace.TracerProvider, mp metric.MeterProvider, prop propagation.TextMapPropagator) []grpc.ServerOption {
	sh, unary, stream := GRPCServerParts(logger, tp, mp, prop)
	return []grpc.ServerOption{grpc.StatsHandler(sh), grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(stream)}
}

// GRPCServerParts returns what GRPCServerOptions installs, for a benchmark
// that drives them without a transport.
func GRPCServerParts(logger *zap.Logger, tp trace.TracerProvider, mp metric.MeterProvider, prop propagation.TextMapPropagator) (stats.Handler, grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	a := grpcAccess{logger: logger}
	sh := otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithMeterProvider(mp), otelgrpc.WithPropagators(prop))
	return sh, a.unary, a.stream
}

type grpcAccess struct{ logger *zap.Logger }

// begin resolves the request ID, answers with it and binds the logger.
func (a grpcAccess) begin(ctx context.Context, method string, setHeader func(metadata.MD) error) (context.Context, *zap.Logger) {
	ids := metadata.ValueFromIncomingContext(ctx, "x-request-id")
	var id string
	if len(ids) == 1 && requestid.Valid(ids[0]) {
		id = ids[0]
	} else {
		id = requestid.New()
	}
	_ = setHeader(metadata.Pairs("x-request-id", id))
	sc := trace.SpanContextFromContext(ctx)
	l := a.logger.With(
		zap.String("trace_id", sc.TraceID().String()),
		zap.String("span_id", sc.SpanID().String()),
		zap.String("trace_flags", sc.TraceFlags().String()),
		zap.String("request_id", id),
		zap.String("rpc_method", method[1:]),
	)
	return context.WithValue(context.WithValue(ctx, ridKey{}, id), loggerKey{}, l), l
}

func (a grpcAccess) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	ctx, l := a.begin(ctx, info.FullMethod, func(md metadata.MD) error { return grpc.SetHeader(ctx, md) })
	resp, err := handler(ctx, req)
	code := status.Code(err)
	l.Log(grpcLevel(code), "grpc_request",
		zap.String("code", code.String()),
		zap.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	)
	return resp, err
}

// countingStream hands the handler the bound context and counts messages.
type countingStream struct {
	grpc.ServerStream
	ctx            context.Context
	received, sent int64
}

func (s *countingStream) Context() context.Context { return s.ctx }
func (s *countingStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.received++
	}
	return err
}
func (s *countingStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.sent++
	}
	return err
}

func (a grpcAccess) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	ctx, l := a.begin(ss.Context(), info.FullMethod, ss.SetHeader)
	cs := &countingStream{ServerStream: ss, ctx: ctx}
	err := handler(srv, cs)
	code := status.Code(err)
	l.Log(grpcLevel(code), "grpc_request",
		zap.String("code", code.String()),
		zap.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		zap.Int64("messages_received", cs.received),
		zap.Int64("messages_sent", cs.sent),
	)
	return err
}

func grpcLevel(c codes.Code) zapcore.Level {
	switch c {
	case codes.OK:
		return zapcore.InfoLevel
	case codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss:
		return zapcore.ErrorLevel
	}
	return zapcore.WarnLevel
}
