package grpcmw

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/redact"
	"github.com/otelkit/otelkit/logging"
)

// serveWithClient serves testService with grpcmw's server options and dials
// it with grpcmw's dial options, both on e's providers.
func (e *testEnv) serveWithClient(t testing.TB, svc testpb.TestServiceServer) testpb.TestServiceClient {
	t.Helper()
	s := serve(t, ServerOptions(e.opts()...), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, svc) },
		DialOptions(e.opts()...)...)
	return testpb.NewTestServiceClient(s.conn)
}

// A client made with DialOptions makes a client span, injects the trace
// context and baggage, and forwards the context's request ID.
func TestClientForwardsTraceAndRequestID(t *testing.T) {
	e := newTestEnv(t)
	svc := &testService{}
	c := e.serveWithClient(t, svc)
	ctx, parent := e.tp.Tracer("test").Start(ContextWithRequestID(context.Background(), "job-7"), "job")
	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	ctx = baggage.ContextWithBaggage(ctx, b)
	var hdr metadata.MD
	if _, err := c.UnaryCall(ctx, &testpb.SimpleRequest{}, grpc.Header(&hdr)); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := e.ended(t, 3)
	var client, server trace.SpanContext
	var serverParent trace.SpanID
	for _, s := range spans {
		switch s.SpanKind() {
		case trace.SpanKindClient:
			client = s.SpanContext()
			if s.Name() != unaryName || s.Parent().SpanID() != parent.SpanContext().SpanID() {
				t.Errorf("client span %q under %v", s.Name(), s.Parent())
			}
		case trace.SpanKindServer:
			server, serverParent = s.SpanContext(), s.Parent().SpanID()
		}
	}
	if !client.IsValid() || serverParent != client.SpanID() {
		t.Errorf("server span's parent %v, want the client span %v", serverParent, client.SpanID())
	}
	if !server.IsValid() || server.TraceID() != parent.SpanContext().TraceID() {
		t.Fatalf("server span %v not in the caller's trace", server)
	}
	if svc.last().baggage != "tenant=acme" {
		t.Errorf("server saw baggage %q", svc.last().baggage)
	}
	if svc.last().requestID != "job-7" || hdr.Get(RequestIDMetadataKey)[0] != "job-7" {
		t.Errorf("server saw request ID %q, answered %q; want job-7", svc.last().requestID, hdr.Get(RequestIDMetadataKey))
	}
	if n := len(e.durationSeries(t, "rpc.client.call.duration", 1)); n != 1 {
		t.Errorf("%d client duration series", n)
	}
}

// A valid request ID the caller put in the outgoing metadata itself wins; a call
// with no request ID in its context sends none (the server makes one).
func TestClientKeepsAnExplicitRequestID(t *testing.T) {
	e := newTestEnv(t)
	svc := &testService{}
	c := e.serveWithClient(t, svc)
	ctx := metadata.AppendToOutgoingContext(ContextWithRequestID(context.Background(), "from-context"), RequestIDMetadataKey, "explicit")
	if _, err := c.EmptyCall(ctx, &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if got := svc.last().requestID; got != "explicit" {
		t.Errorf("server saw %q, want the explicit one", got)
	}
	if _, err := c.EmptyCall(context.Background(), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if got := svc.last().requestID; !newIDPattern.MatchString(got) {
		t.Errorf("server saw %q, want a new one", got)
	}
}

// A gRPC call made from an HTTP handler behind httpmw carries the HTTP
// request's request ID and trace: both transports keep the ID in the same
// place (internal/reqscope).
func TestHTTPHandlerCallsGRPC(t *testing.T) {
	e := newTestEnv(t)
	svc := &testService{}
	c := e.serveWithClient(t, svc)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		if _, err := c.UnaryCall(r.Context(), &testpb.SimpleRequest{}); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		logging.FromContext(r.Context()).Info("checkout_done")
		_, _ = io.WriteString(w, "ok")
	})
	h := httpmw.Handler(mux, httpmw.WithTracerProvider(e.tp), httpmw.WithMeterProvider(e.mp),
		httpmw.WithLogger(e.log), httpmw.WithPropagators(testPropagator))
	r := httptest.NewRequest("GET", "/checkout", nil)
	r.Header.Set("X-Request-ID", "http-req-1")
	r.Header.Set("traceparent", validParent)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("HTTP %d %s", w.Code, w.Body)
	}
	spans := e.ended(t, 3) // HTTP server, gRPC client, gRPC server
	for _, s := range spans {
		if s.SpanContext().TraceID().String() != traceHex {
			t.Errorf("span %q in trace %s", s.Name(), s.SpanContext().TraceID())
		}
	}
	if svc.last().requestID != "http-req-1" {
		t.Errorf("gRPC handler saw request ID %q", svc.last().requestID)
	}
	for _, msg := range []string{"unary_called", "grpc_request", "checkout_done", "http_request"} {
		if l := e.oneLine(t, msg); l["request_id"] != "http-req-1" || l["trace_id"] != traceHex {
			t.Errorf("%s line %v", msg, l)
		}
	}
}

// httpCaller is a gRPC service whose handler calls an HTTP server through
// httpmw.Transport.
type httpCaller struct {
	testpb.UnimplementedTestServiceServer
	client *http.Client
	url    string
}

func (s *httpCaller) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	_ = resp.Body.Close()
	return &testpb.Empty{}, nil
}

// An HTTP call made through httpmw.Transport from an RPC handler carries
// the RPC's request ID and trace.
func TestGRPCHandlerCallsHTTP(t *testing.T) {
	e := newTestEnv(t)
	var gotID, gotParent string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotID, gotParent = r.Header.Get("X-Request-ID"), r.Header.Get("traceparent")
	}))
	defer backend.Close()
	client := &http.Client{Transport: httpmw.Transport(nil, httpmw.WithTracerProvider(e.tp), httpmw.WithPropagators(testPropagator))}
	defer client.CloseIdleConnections()
	c := e.serveTest(t, &httpCaller{client: client, url: backend.URL})
	if _, err := c.EmptyCall(withMD(RequestIDMetadataKey, "rpc-req-9", "traceparent", validParent), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	if gotID != "rpc-req-9" || !strings.Contains(gotParent, traceHex) {
		t.Errorf("HTTP backend got X-Request-ID %q, traceparent %q", gotID, gotParent)
	}
}

// echoAuthService quotes the credential it rejects, as many servers do.
type echoAuthService struct {
	testpb.UnimplementedTestServiceServer
}

func (echoAuthService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	return nil, status.Errorf(codes.Unauthenticated, "invalid authorization %q, key %q", strings.Join(md.Get("authorization"), ","), strings.Join(md.Get("x-api-key"), ","))
}

// TestClientSpanStatusWithoutSentCredentials: the credentials a call sends
// in its metadata are not in the client span's status when the server
// quotes them back; the caller's error is left as it is.
func TestClientSpanStatusWithoutSentCredentials(t *testing.T) {
	const tok, key = "Bearer sk-live-CLIENTSECRET123", "k-APIKEY987654"
	e := newTestEnv(t)
	s := serve(t, nil, func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, echoAuthService{}) }, DialOptions(e.opts()...)...)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", tok, "x-api-key", key, "tenant", "t1")
	_, err := testpb.NewTestServiceClient(s.conn).EmptyCall(ctx, &testpb.Empty{})
	if status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "CLIENTSECRET") {
		t.Fatalf("call: %v, want the server's answer unchanged", err)
	}
	client := e.endedOfKind(t, 1, trace.SpanKindClient)
	d := client.Status().Description
	if strings.Contains(d, "CLIENTSECRET") || strings.Contains(d, "APIKEY") || !strings.Contains(d, "REDACTED") {
		t.Errorf("client span status %q", d)
	}
}

// quotingService fails every call with code, its message quoting the
// value each of keys has in the caller's metadata, as a server that names
// what it rejects does.
type quotingService struct {
	testpb.UnimplementedTestServiceServer
	code codes.Code
	keys []string
}

func (s quotingService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	return nil, status.Error(s.code, quotedValues(s.keys, func(k string) string { return strings.Join(md.Get(k), ",") }))
}

// quotedValues is quotingService's message: each key with its value.
func quotedValues(keys []string, value func(key string) string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %q", k, value(k))
	}
	return "rejected " + strings.Join(parts, ", ")
}

// TestSpanStatusWithoutCredentialsOfSharedKeyRule: the values a call sends
// under metadata keys that the project's key rule (redact.Keys, the rule
// of log fields and span attributes) counts as credentials, and that
// grpcmw's own broader checks (*key, *token*, …) miss, are not in the
// client's or the server's span status when the server quotes them back;
// the caller's error is left as it is.
func TestSpanStatusWithoutCredentialsOfSharedKeyRule(t *testing.T) {
	sent := map[string]string{
		"x-forwarded-authorization": "fwd-AUTHVALUE-0001",
		"x-session-cookie":          "sid-COOKIEVALUE-0002",
		"x-db-passwd":               "pw-PASSWDVALUE-0003",
		"x-passphrase":              "pp-PHRASEVALUE-0004",
		"x-client-credentials":      "cc-CREDVALUE-0005",
		"pwd":                       "pwd-PWDVALUE-0006",
		"jwt":                       "jwt-JWTVALUE-0007",
	}
	keys := slices.Sorted(maps.Keys(sent))
	ctx := context.Background()
	for _, k := range keys {
		ctx = metadata.AppendToOutgoingContext(ctx, k, sent[k])
	}
	e := newTestEnv(t)
	client := e.serveWithClient(t, quotingService{code: codes.Internal, keys: keys})
	_, err := client.EmptyCall(ctx, &testpb.Empty{})
	if want := quotedValues(keys, func(k string) string { return sent[k] }); status.Convert(err).Message() != want {
		t.Fatalf("call: %v, want the server's answer %q unchanged", err, want)
	}
	want := quotedValues(keys, func(string) string { return "REDACTED" })
	for _, kind := range []trace.SpanKind{trace.SpanKindClient, trace.SpanKindServer} {
		if d := e.endedOfKind(t, 2, kind).Status().Description; d != want {
			t.Errorf("%s span status %q, want %q", kind, d, want)
		}
	}
}

// TestCredentialKey: a metadata key is a credential's when the project's
// key rule says so (each of its whole keys, and each of its words as the
// last word of a key) or when grpcmw's broader checks do (a key ending in
// key, or holding token, secret or password, which the rule leaves to
// their last word); other keys are not.
func TestCredentialKey(t *testing.T) {
	whole, words := redact.KeyNames()
	var yes []string
	for _, w := range whole {
		yes = append(yes, metadataKey(w))
	}
	for _, w := range words {
		yes = append(yes, metadataKey(w), "x-"+metadataKey(w))
	}
	yes = append(yes, "proxy-authorization", "x-custom-key", "x-token-id",
		"x-secret-id", "x-password-hint")
	for _, k := range yes {
		if !credentialKey(k) {
			t.Errorf("credentialKey(%q) = false", k)
		}
	}
	for _, k := range []string{"x-request-id", "tenant", "user-agent", "content-type", "traceparent",
		"x-author", "x-pwd-dir", "x-jwt-issuer", "x-keys"} {
		if credentialKey(k) {
			t.Errorf("credentialKey(%q) = true", k)
		}
	}
}

// metadataKey writes a key of the rule as gRPC metadata has it: lower case,
// "-" between words.
func metadataKey(k string) string { return strings.ReplaceAll(strings.ToLower(k), "_", "-") }

// testPerRPCCreds is a grpc.PerRPCCredentials that sends fixed metadata,
// also over an insecure connection.
type testPerRPCCreds map[string]string

func (c testPerRPCCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return c, nil
}

func (testPerRPCCreds) RequireTransportSecurity() bool { return false }

// TestClientSpanStatusWithoutPerRPCCredentials: the credentials a
// grpc.PerRPCCredentials adds, given as a dial option or as a call option,
// never reach the exported spans or the lines when the server quotes them
// back (grpc shows their values to no stats handler); the rest of the
// server's message stays, and the caller's error is left as it is.
func TestClientSpanStatusWithoutPerRPCCredentials(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJKV1RTRUNSRVQifQ.c2lnbmF0dXJlLUpXVFNFQ1JFVA"
	cases := []struct {
		name, auth, secret, want string
		callOption               bool
	}{
		{"dial option", "Bearer ya29.PERRPCSECRET-0123456789", "PERRPCSECRET", `invalid authorization "Bearer REDACTED", key ""`, false},
		{"call option", "Bearer CALLOPTSECRET.abc_def-ghi", "CALLOPTSECRET", `invalid authorization "Bearer REDACTED", key ""`, true},
		// base64 of "svc:BASICSECRET"
		{"basic", "Basic c3ZjOkJBU0lDU0VDUkVU", "c3ZjOkJBU0lDU0VDUkVU", `invalid authorization "Basic REDACTED", key ""`, false},
		{"jwt without scheme", jwt, "c2lnbmF0dXJl", `invalid authorization "REDACTED", key ""`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			exp := tracetest.NewInMemoryExporter()
			e.tp.RegisterSpanProcessor(sdktrace.NewSimpleSpanProcessor(exp))
			creds := testPerRPCCreds{"authorization": tc.auth}
			dial := DialOptions(e.opts()...)
			var callOpts []grpc.CallOption
			if tc.callOption {
				callOpts = append(callOpts, grpc.PerRPCCredsCallOption{Creds: creds})
			} else {
				dial = append(dial, grpc.WithPerRPCCredentials(creds))
			}
			s := serve(t, ServerOptions(e.opts()...), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, echoAuthService{}) }, dial...)
			_, err := testpb.NewTestServiceClient(s.conn).EmptyCall(context.Background(), &testpb.Empty{}, callOpts...)
			if status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), tc.secret) {
				t.Fatalf("call: %v, want the server's answer with the credential, unchanged", err)
			}
			e.ended(t, 2)
			e.accessLines(t, 1)
			var client *tracetest.SpanStub
			spans := exp.GetSpans()
			for i := range spans {
				if spans[i].SpanKind == trace.SpanKindClient {
					client = &spans[i]
				}
			}
			if client == nil {
				t.Fatalf("no exported client span among %d", len(spans))
			}
			if d := client.Status.Description; d != tc.want {
				t.Errorf("client span status %q, want %q", d, tc.want)
			}
			if all := fmt.Sprintf("%+v", spans); strings.Contains(all, tc.secret) {
				t.Errorf("an exported span holds the credential: %s", all)
			}
			if out := e.out.String(); strings.Contains(out, tc.secret) {
				t.Errorf("a line holds the credential:\n%s", out)
			}
		})
	}
}
