package grpcmw

import (
	"context"
	"io"
	"strings"
	"testing"

	otelcodes "go.opentelemetry.io/otel/codes"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
)

// A panic in a handler, unary or streaming, becomes codes.Internal with a
// message that says nothing of the panic; it is logged as panic_recovered
// with its stack, marks the span as an error, makes the access line an
// error, and the server goes on serving.
func TestPanicRecovered(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(testpb.TestServiceClient) error
		span string
	}{
		{"unary", func(c testpb.TestServiceClient) error {
			_, err := c.UnaryCall(withMD(RequestIDMetadataKey, "req-panic"), &testpb.SimpleRequest{FillUsername: true})
			return err
		}, unaryName},
		{"server stream", func(c testpb.TestServiceClient) error {
			stream, err := c.StreamingOutputCall(withMD(RequestIDMetadataKey, "req-panic"), &testpb.StreamingOutputCallRequest{
				ResponseParameters: []*testpb.ResponseParameters{{}},
				Payload:            &testpb.Payload{Type: testpb.PayloadType_COMPRESSABLE, Body: []byte("panic")},
			})
			if err != nil {
				return err
			}
			for {
				if _, err := stream.Recv(); err != nil {
					if err == io.EOF {
						return nil
					}
					return err
				}
			}
		}, "grpc.testing.TestService/StreamingOutputCall"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			c := e.serveTest(t, &testService{})
			err := tc.call(c)
			if status.Code(err) != codes.Internal || status.Convert(err).Message() != "internal error" {
				t.Fatalf("client got %v, want Internal \"internal error\"", err)
			}
			if strings.Contains(err.Error(), "boom") {
				t.Errorf("the panic's text reached the client: %v", err)
			}
			s := e.ended(t, 1)[0]
			p := e.oneLine(t, "panic_recovered")
			if p["level"] != "error" || p["panic"] != "boom: handler gave up" || p["error_type"] != "string" ||
				p["request_id"] != "req-panic" || p["span_id"] != s.SpanContext().SpanID().String() || p["rpc_method"] != tc.span {
				t.Errorf("panic_recovered line %v", p)
			}
			if stack, _ := p["stack"].(string); !strings.Contains(stack, "grpcmw.outcome") {
				t.Errorf("stack does not show where the panic happened:\n%s", stack)
			}
			if p["stacktrace"] != nil {
				t.Errorf("panic_recovered carries zap's stack of the recovery point too")
			}
			a := e.accessLines(t, 1)[0]
			if a["level"] != "error" || a["code"] != "INTERNAL" || a["request_id"] != "req-panic" {
				t.Errorf("access line %v", a)
			}
			if s.Name() != tc.span || s.Status().Code != otelcodes.Error {
				t.Errorf("span %q status %v", s.Name(), s.Status())
			}
			var exc bool
			for _, ev := range s.Events() {
				if ev.Name == "exception" {
					exc = true
				}
			}
			if !exc {
				t.Errorf("span has no exception event: %v", s.Events())
			}
			if _, err := c.EmptyCall(context.Background(), &testpb.Empty{}); err != nil {
				t.Errorf("server does not serve after the panic: %v", err)
			}
		})
	}
}
