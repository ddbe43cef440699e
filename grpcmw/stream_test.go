package grpcmw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
)

// A streaming RPC gets one span and one access line for the whole stream,
// with the messages received and sent, at the level its status asks for.
func TestStreamingAccessLine(t *testing.T) {
	for _, tc := range []struct {
		name           string
		call           func(testpb.TestServiceClient) error
		method         string
		received, sent float64
		level, code    string
	}{
		{"server stream", func(c testpb.TestServiceClient) error {
			s, err := c.StreamingOutputCall(withMD(RequestIDMetadataKey, "req-stream"), &testpb.StreamingOutputCallRequest{
				ResponseParameters: make([]*testpb.ResponseParameters, 3),
			})
			if err != nil {
				return err
			}
			return drain(s.Recv)
		}, "grpc.testing.TestService/StreamingOutputCall", 1, 3, "info", "OK"},
		{"client stream", func(c testpb.TestServiceClient) error {
			s, err := c.StreamingInputCall(withMD(RequestIDMetadataKey, "req-stream"))
			if err != nil {
				return err
			}
			for range 4 {
				if err := s.Send(&testpb.StreamingInputCallRequest{}); err != nil {
					return err
				}
			}
			resp, err := s.CloseAndRecv()
			if err == nil && resp.GetAggregatedPayloadSize() != 4 {
				return errors.New("server counted the wrong number of messages")
			}
			return err
		}, "grpc.testing.TestService/StreamingInputCall", 4, 1, "info", "OK"},
		{"bidi", func(c testpb.TestServiceClient) error {
			s, err := c.FullDuplexCall(withMD(RequestIDMetadataKey, "req-stream"))
			if err != nil {
				return err
			}
			for range 5 {
				if err := s.Send(&testpb.StreamingOutputCallRequest{}); err != nil {
					return err
				}
				if _, err := s.Recv(); err != nil {
					return err
				}
			}
			if hdr, err := s.Header(); err != nil || len(hdr.Get(RequestIDMetadataKey)) != 1 || hdr.Get(RequestIDMetadataKey)[0] != "req-stream" {
				return fmt.Errorf("stream header %v (%v): want x-request-id req-stream", hdr, err)
			}
			if err := s.CloseSend(); err != nil {
				return err
			}
			return drain(s.Recv)
		}, "grpc.testing.TestService/FullDuplexCall", 5, 5, "info", "OK"},
		{"bidi failing", func(c testpb.TestServiceClient) error {
			s, err := c.FullDuplexCall(withMD(RequestIDMetadataKey, "req-stream"))
			if err != nil {
				return err
			}
			_ = s.Send(&testpb.StreamingOutputCallRequest{})
			if _, err := s.Recv(); err != nil {
				return err
			}
			_ = s.Send(&testpb.StreamingOutputCallRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.FailedPrecondition)}})
			return drain(s.Recv)
		}, "grpc.testing.TestService/FullDuplexCall", 2, 1, "warn", "FAILED_PRECONDITION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			c := e.serveTest(t, &testService{})
			err := tc.call(c)
			if got := codeName(status.Code(err)); got != tc.code {
				t.Fatalf("call ended with %v, want %s", err, tc.code)
			}
			s := e.ended(t, 1)[0]
			a := e.accessLines(t, 1)[0]
			if a["rpc_method"] != tc.method || a["code"] != tc.code || a["level"] != tc.level ||
				a["messages_received"] != tc.received || a["messages_sent"] != tc.sent ||
				a["request_id"] != "req-stream" || a["span_id"] != s.SpanContext().SpanID().String() {
				t.Errorf("access line %v, want %s %s at %s with %v received and %v sent", a, tc.method, tc.code, tc.level, tc.received, tc.sent)
			}
			if s.Name() != tc.method {
				t.Errorf("span %q", s.Name())
			}
			if l := e.linesWithMsg(t, "grpc_request"); len(l) != 1 {
				t.Errorf("%d access lines for one stream", len(l))
			}
		})
	}
}

// drain reads a stream to its end and returns its error (nil at io.EOF).
func drain[T any](recv func() (T, error)) error {
	for {
		if _, err := recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// A client that goes away mid-stream ends the stream as CANCELLED, a
// client fault: one warn access line.
func TestStreamCancelledByClient(t *testing.T) {
	e := newTestEnv(t)
	c := e.serveTest(t, &testService{})
	ctx, cancel := context.WithCancel(withMD(RequestIDMetadataKey, "req-gone"))
	s, err := c.FullDuplexCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&testpb.StreamingOutputCallRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	a := e.accessLines(t, 1)[0]
	if a["code"] != "CANCELLED" || a["level"] != "warn" || a["messages_received"] != 1.0 || a["messages_sent"] != 1.0 {
		t.Errorf("access line %v", a)
	}
	e.ended(t, 1)
}
