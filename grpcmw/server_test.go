package grpcmw

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/requestid"
)

const (
	traceHex     = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentSpan   = "00f067aa0ba902b7"
	validParent  = "00-" + traceHex + "-" + parentSpan + "-01"
	otherTrace   = "0af7651916cd43dd8448eb211c80319c"
	otherParent  = "00-" + otherTrace + "-b7ad6b7169203331-01"
	unaryName    = "grpc.testing.TestService/UnaryCall"
	serverMetric = "rpc.server.call.duration"
)

var newIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// withMD returns a context whose outgoing metadata holds kv.
func withMD(kv ...string) context.Context {
	return metadata.NewOutgoingContext(context.Background(), metadata.Pairs(kv...))
}

// The server span is named as the RPC semantic conventions say, continues
// the caller's trace, carries the request ID, and is the span the handler
// and both lines see.
func TestUnaryRPCContinuesTheTrace(t *testing.T) {
	e := newTestEnv(t)
	svc := &testService{}
	c := e.serveTest(t, svc)
	var hdr metadata.MD
	_, err := c.UnaryCall(withMD("traceparent", validParent, "baggage", "tenant=acme", RequestIDMetadataKey, "req-42"),
		&testpb.SimpleRequest{}, grpc.Header(&hdr))
	if err != nil {
		t.Fatal(err)
	}
	s := e.ended(t, 1)[0]
	if s.Name() != unaryName || s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q kind %v, want %q server", s.Name(), s.SpanKind(), unaryName)
	}
	if s.SpanContext().TraceID().String() != traceHex || s.Parent().SpanID().String() != parentSpan || !s.Parent().IsRemote() {
		t.Errorf("span %v parent %v: want a child of the caller's span", s.SpanContext(), s.Parent())
	}
	for key, want := range map[string]string{
		"rpc.method": unaryName, "rpc.system.name": "grpc", "request.id": "req-42", "rpc.response.status_code": "OK",
	} {
		if v, ok := spanAttr(s, attributeKey(key)); !ok || v.AsString() != want {
			t.Errorf("span %s = %v, want %q", key, v.String(), want)
		}
	}
	if got := hdr.Get(RequestIDMetadataKey); len(got) != 1 || got[0] != "req-42" {
		t.Errorf("response header x-request-id = %q", got)
	}
	seen := svc.last()
	if seen.requestID != "req-42" || !seen.span.Equal(s.SpanContext()) {
		t.Errorf("handler saw request ID %q, span %v; want req-42 and the server span", seen.requestID, seen.span)
	}
	handler, access := e.oneLine(t, "unary_called"), e.accessLines(t, 1)[0]
	for name, l := range map[string]map[string]any{"unary_called": handler, "grpc_request": access} {
		if l["trace_id"] != traceHex || l["span_id"] != s.SpanContext().SpanID().String() || l["trace_flags"] != "01" ||
			l["request_id"] != "req-42" || l["rpc_method"] != unaryName {
			t.Errorf("%s line %v: want the server span's trace fields, request_id and rpc_method", name, l)
		}
	}
	if access["level"] != "info" || access["code"] != "OK" || access["caller"] != nil || access["stacktrace"] != nil {
		t.Errorf("access line %v: want info, code OK, no caller or stack", access)
	}
	if d, ok := access["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("duration_ms = %v", access["duration_ms"])
	}
	if _, ok := access["messages_received"]; ok {
		t.Errorf("a unary RPC's access line carries message counts: %v", access)
	}
	bag := baggageOf(t, e, svc)
	if bag != "tenant=acme" {
		t.Errorf("baggage in the handler = %q", bag)
	}
}

// baggageOf calls EmptyCall with baggage and returns what the handler saw.
func baggageOf(t *testing.T, e *testEnv, _ *testService) string {
	t.Helper()
	var got string
	svc := &baggageService{got: &got}
	c := e.serveTest(t, svc)
	if _, err := c.EmptyCall(withMD("traceparent", validParent, "baggage", "tenant=acme"), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	return got
}

type baggageService struct {
	testpb.UnimplementedTestServiceServer
	got *string
}

func (s *baggageService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	*s.got = baggage.FromContext(ctx).String()
	return &testpb.Empty{}, nil
}

// An incoming request ID is kept under httpmw's rules (requestid): exactly
// one value of 1 to 128 allowed characters; otherwise a new one is made.
// Either way it is answered, on the span, on every line, and in the
// handler's context.
func TestRequestIDKeptOrMade(t *testing.T) {
	long := strings.Repeat("a", requestid.MaxLen)
	for _, tc := range []struct {
		name string
		md   []string
		keep string
	}{
		{"valid", []string{RequestIDMetadataKey, "req-0123456789"}, "req-0123456789"},
		{"max length", []string{RequestIDMetadataKey, long}, long},
		{"absent", nil, ""},
		{"too long", []string{RequestIDMetadataKey, long + "a"}, ""},
		{"forged JSON", []string{RequestIDMetadataKey, `x","msg":"forged`}, ""},
		{"space", []string{RequestIDMetadataKey, "a b"}, ""},
		{"two values", []string{RequestIDMetadataKey, "one", RequestIDMetadataKey, "two"}, ""},
		{"empty", []string{RequestIDMetadataKey, ""}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			svc := &testService{}
			c := e.serveTest(t, svc)
			var hdr metadata.MD
			if _, err := c.UnaryCall(withMD(tc.md...), &testpb.SimpleRequest{}, grpc.Header(&hdr)); err != nil {
				t.Fatal(err)
			}
			got := hdr.Get(RequestIDMetadataKey)
			if len(got) != 1 {
				t.Fatalf("response header x-request-id = %q, want one value", got)
			}
			id := got[0]
			if tc.keep != "" && id != tc.keep {
				t.Errorf("answered %q, want the incoming %q kept", id, tc.keep)
			}
			if tc.keep == "" && !newIDPattern.MatchString(id) {
				t.Errorf("answered %q, want a new 32-hex ID", id)
			}
			if svc.last().requestID != id {
				t.Errorf("handler's RequestID = %q, answered %q", svc.last().requestID, id)
			}
			if v, _ := spanAttr(e.ended(t, 1)[0], reqscope.IDAttribute); v.AsString() != id {
				t.Errorf("span request.id = %q, answered %q", v.AsString(), id)
			}
			for _, l := range append(e.linesWithMsg(t, "unary_called"), e.accessLines(t, 1)...) {
				if l["request_id"] != id {
					t.Errorf("%s request_id = %v, answered %q", l["msg"], l["request_id"], id)
				}
			}
		})
	}
}

// The access line's level follows the status code as the semantic
// conventions judge a server span: server faults are error, client faults
// warn, OK info (see outcomeOf). Every code gRPC defines, and one it does
// not, over a real RPC.
func TestAccessLineLevelByCode(t *testing.T) {
	e := newTestEnv(t)
	c := e.serveTest(t, &testService{})
	want := map[codes.Code]string{
		codes.OK: "info", codes.Canceled: "warn", codes.Unknown: "error", codes.InvalidArgument: "warn",
		codes.DeadlineExceeded: "error", codes.NotFound: "warn", codes.AlreadyExists: "warn",
		codes.PermissionDenied: "warn", codes.ResourceExhausted: "warn", codes.FailedPrecondition: "warn",
		codes.Aborted: "warn", codes.OutOfRange: "warn", codes.Unimplemented: "error", codes.Internal: "error",
		codes.Unavailable: "error", codes.DataLoss: "error", codes.Unauthenticated: "warn", codes.Code(42): "error",
	}
	spanError := map[string]bool{"UNKNOWN": true, "DEADLINE_EXCEEDED": true, "UNIMPLEMENTED": true, "INTERNAL": true, "UNAVAILABLE": true, "DATA_LOSS": true}
	for code := range want {
		req := &testpb.SimpleRequest{}
		if code != codes.OK {
			req.ResponseStatus = &testpb.EchoStatus{Code: int32(code), Message: "asked for"}
		}
		_, err := c.UnaryCall(withMD(RequestIDMetadataKey, "code-"+strconv.Itoa(int(code))), req)
		if status.Code(err) != code {
			t.Fatalf("code %v: call returned %v", code, err)
		}
	}
	lines := e.accessLines(t, len(want))
	spans := e.ended(t, len(want))
	for _, l := range lines {
		name, _ := l["code"].(string)
		var code codes.Code
		found := false
		for c := range want {
			if codeName(c) == name {
				code, found = c, true
			}
		}
		if !found || l["request_id"] != "code-"+strconv.Itoa(int(code)) {
			t.Errorf("access line %v: unknown code or request ID", l)
			continue
		}
		if l["level"] != want[code] {
			t.Errorf("code %s logged at %v, want %s", name, l["level"], want[code])
		}
	}
	// The level agrees with the span status otelgrpc sets by the same
	// conventions, except for codes gRPC does not define.
	for _, s := range spans {
		v, _ := spanAttr(s, "rpc.response.status_code")
		if v.AsString() == "CODE(42)" {
			continue
		}
		if isErr := s.Status().Code == otelcodes.Error; isErr != spanError[v.AsString()] {
			t.Errorf("span with %s has status %v", v.AsString(), s.Status())
		}
	}
	if codeName(codes.Code(42)) != "CODE(42)" {
		t.Errorf("codeName(42) = %q", codeName(codes.Code(42)))
	}
}

func TestRequestIDAttributeIsTheScopes(t *testing.T) {
	if RequestIDAttribute != reqscope.IDAttribute {
		t.Errorf("RequestIDAttribute %q, the request scope's %q", RequestIDAttribute, reqscope.IDAttribute)
	}
}

// upstreamAuthService fails with a server error whose message quotes the
// credentials its caller sent, as a handler passing on an upstream's
// rejection does.
type upstreamAuthService struct {
	testpb.UnimplementedTestServiceServer
	code codes.Code
}

func (s upstreamAuthService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	return nil, status.Errorf(s.code, "upstream refused %q with key %q", md.Get("authorization"), md.Get("x-api-key"))
}

// TestServerSpanStatusWithoutReceivedCredentials: a server error whose
// message quotes the credentials the client sent (its metadata's
// credential-like keys, or anything written like an Authorization
// credential) reaches the server span's status without them; the client
// gets the handler's answer as it was.
func TestServerSpanStatusWithoutReceivedCredentials(t *testing.T) {
	const tok, key = "Bearer sk-live-SERVERSIDE123", "k-SRVAPIKEY98765"
	for _, code := range []codes.Code{codes.Internal, codes.Unavailable, codes.Unknown} {
		t.Run(code.String(), func(t *testing.T) {
			e := newTestEnv(t)
			client := e.serveTest(t, upstreamAuthService{code: code})
			ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", tok, "x-api-key", key)
			_, err := client.EmptyCall(ctx, &testpb.Empty{})
			if status.Code(err) != code || !strings.Contains(err.Error(), "SERVERSIDE") || !strings.Contains(err.Error(), key) {
				t.Fatalf("call: %v, want the handler's answer unchanged", err)
			}
			server := e.endedOfKind(t, 1, trace.SpanKindServer)
			if want := `upstream refused ["REDACTED"] with key ["REDACTED"]`; server.Status().Description != want {
				t.Errorf("server span status %q, want %q", server.Status().Description, want)
			}
			if out := e.out.String(); strings.Contains(out, "SERVERSIDE") || strings.Contains(out, key) {
				t.Errorf("a line holds the credential:\n%s", out)
			}
		})
	}
}

// TestServerSpanStatusNotBlankedByClient: values a client sends under
// credential-like keys that no credential is (" ", ":", "1", short words)
// do not blank their occurrences in a server error's span status; URL user
// info there goes even so.
func TestServerSpanStatusNotBlankedByClient(t *testing.T) {
	e := newTestEnv(t)
	client := e.serveTest(t, fixedErrService{err: status.Error(codes.Internal, "db: connection refused at 10.0.0.1:5432 by postgres://app:dbpass99@db")})
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-api-key", " ", "x-api-key", ":", "authorization", "1", "x-token", "refused")
	if _, err := client.EmptyCall(ctx, &testpb.Empty{}); status.Code(err) != codes.Internal {
		t.Fatalf("call: %v", err)
	}
	server := e.endedOfKind(t, 1, trace.SpanKindServer)
	if want := "db: connection refused at 10.0.0.1:5432 by postgres://REDACTED@db"; server.Status().Description != want {
		t.Fatalf("server span status %q, want %q", server.Status().Description, want)
	}
}

// fixedErrService answers EmptyCall with err.
type fixedErrService struct {
	testpb.UnimplementedTestServiceServer
	err error
}

func (s fixedErrService) EmptyCall(context.Context, *testpb.Empty) (*testpb.Empty, error) {
	return nil, s.err
}
