package grpcmw

import (
	"context"
	"errors"
	"io"
	"sync"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/logging"
)

// testService is grpc's interop test service, doing what each request asks:
// answer with a status (ResponseStatus), panic (FillUsername), stream
// (ResponseParameters). Each handler writes one line through the RPC's
// logger and records what its context carries.
type testService struct {
	testpb.UnimplementedTestServiceServer

	mu   sync.Mutex
	seen []seenRPC
}

// seenRPC is what a handler found in its context.
type seenRPC struct {
	requestID string
	span      trace.SpanContext
	baggage   string
}

func (s *testService) record(ctx context.Context, msg string) {
	logging.FromContext(ctx).Info(msg, zap.String("handler", "test"))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, seenRPC{requestID: RequestID(ctx), span: trace.SpanContextFromContext(ctx), baggage: baggage.FromContext(ctx).String()})
}

func (s *testService) last() seenRPC {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == 0 {
		return seenRPC{}
	}
	return s.seen[len(s.seen)-1]
}

// outcome returns the error or panic a request asks for.
func outcome(st *testpb.EchoStatus, panics bool) error {
	if panics {
		panic("boom: " + "handler gave up")
	}
	if st != nil {
		return status.Error(codes.Code(st.GetCode()), st.GetMessage())
	}
	return nil
}

func (s *testService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	s.record(ctx, "empty_called")
	return &testpb.Empty{}, nil
}

func (s *testService) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	s.record(ctx, "unary_called")
	if err := outcome(req.GetResponseStatus(), req.GetFillUsername()); err != nil {
		return nil, err
	}
	return &testpb.SimpleResponse{Username: "u"}, nil
}

func (s *testService) StreamingOutputCall(req *testpb.StreamingOutputCallRequest, stream grpc.ServerStreamingServer[testpb.StreamingOutputCallResponse]) error {
	s.record(stream.Context(), "server_stream_called")
	for range req.GetResponseParameters() {
		if err := stream.Send(&testpb.StreamingOutputCallResponse{}); err != nil {
			return err
		}
	}
	return outcome(req.GetResponseStatus(), req.GetPayload().GetType() == testpb.PayloadType_COMPRESSABLE && len(req.GetPayload().GetBody()) > 0)
}

func (s *testService) StreamingInputCall(stream grpc.ClientStreamingServer[testpb.StreamingInputCallRequest, testpb.StreamingInputCallResponse]) error {
	s.record(stream.Context(), "client_stream_called")
	var n int32
	for {
		_, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: n})
		}
		if err != nil {
			return err
		}
		n++
	}
}

func (s *testService) FullDuplexCall(stream grpc.BidiStreamingServer[testpb.StreamingOutputCallRequest, testpb.StreamingOutputCallResponse]) error {
	s.record(stream.Context(), "bidi_called")
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := outcome(req.GetResponseStatus(), false); err != nil {
			return err
		}
		if err := stream.Send(&testpb.StreamingOutputCallResponse{}); err != nil {
			return err
		}
	}
}
