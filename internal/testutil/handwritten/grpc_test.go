package handwritten

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
)

type grpcService struct {
	testpb.UnimplementedTestServiceServer
}

func (grpcService) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	Logger(ctx).Info("unary_called")
	if st := req.GetResponseStatus(); st != nil {
		return nil, status.Error(codes.Code(st.GetCode()), "asked for")
	}
	return &testpb.SimpleResponse{}, nil
}

func (grpcService) FullDuplexCall(stream grpc.BidiStreamingServer[testpb.StreamingOutputCallRequest, testpb.StreamingOutputCallResponse]) error {
	Logger(stream.Context()).Info("bidi_called")
	for {
		if _, err := stream.Recv(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if err := stream.Send(&testpb.StreamingOutputCallResponse{}); err != nil {
			return err
		}
	}
}

func TestGRPCServerOptions(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	core, logs := observer.New(zapcore.InfoLevel)

	srv := grpc.NewServer(GRPCServerOptions(zap.New(core), tp, mp, propagation.TraceContext{})...)
	testpb.RegisterTestServiceServer(srv, grpcService{})
	ln := bufconn.Listen(1 << 16)
	go func() { _ = srv.Serve(ln) }()
	conn, err := grpc.NewClient("passthrough:///hw", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	c := testpb.NewTestServiceClient(conn)

	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "req-hw",
		"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	var hdr metadata.MD
	if _, err := c.UnaryCall(ctx, &testpb.SimpleRequest{}, grpc.Header(&hdr)); err != nil {
		t.Fatal(err)
	}
	_, err = c.UnaryCall(ctx, &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.Internal)}})
	if status.Code(err) != codes.Internal {
		t.Fatalf("got %v", err)
	}
	s, err := c.FullDuplexCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_ = s.Send(&testpb.StreamingOutputCallRequest{})
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.CloseSend()
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	_ = conn.Close()
	srv.GracefulStop()

	if got := hdr.Get("x-request-id"); len(got) != 1 || got[0] != "req-hw" {
		t.Errorf("answered %q", got)
	}
	access := logs.FilterMessage("grpc_request").All()
	if len(access) != 3 {
		t.Fatalf("access lines %v", access)
	}
	levels := map[zapcore.Level]int{}
	for _, e := range access {
		f := e.ContextMap()
		if f["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" || f["request_id"] != "req-hw" || f["rpc_method"] == nil {
			t.Errorf("access line %v", f)
		}
		if f["rpc_method"] == "grpc.testing.TestService/FullDuplexCall" && (f["messages_received"] != int64(2) || f["messages_sent"] != int64(2)) {
			t.Errorf("stream line %v", f)
		}
		levels[e.Level]++
	}
	if levels[zapcore.InfoLevel] != 2 || levels[zapcore.ErrorLevel] != 1 {
		t.Errorf("levels %v", levels)
	}
	if logs.FilterMessage("unary_called").Len() != 2 || logs.FilterMessage("bidi_called").Len() != 1 {
		t.Errorf("handler lines %v", logs.All())
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(spans.Ended()) < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := len(spans.Ended()); n != 3 {
		t.Errorf("%d spans", n)
	}
}
