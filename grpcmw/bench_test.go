package grpcmw

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/otelkit/otelkit/internal/testutil/handwritten"
	"github.com/otelkit/otelkit/logging"
)

// The benchmarks compare, in one run, the server side of one unary RPC
// behind: nothing (bare); the stack a user writes by hand
// (internal/testutil/handwritten: otelgrpc's stats handler and interceptors
// for the request ID, a zap logger bound with the trace fields via
// logger.With, and the access line); and grpcmw.ServerOptions. Direct drives
// the stats handler and the interceptor as grpc's server does for one RPC,
// without a transport, so it shows what the middleware costs; RPC makes
// real calls over an in-memory connection (bufconn), so it shows what that
// cost is next to grpc's own. The variants: -newid (no x-request-id
// metadata), -unsampled, -logline (the handler writes one line through the
// context's logger, with a plain zap logger), -loglines (handLines lines),
// -logline-otelkit (one line, with the logger otel.Init builds).
// TestPerfServerDirect (perf_test.go) measures the pairs as paired ratios.

const benchMethod = "/grpc.testing.TestService/UnaryCall"

type benchProviders struct {
	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
}

func newBenchProviders(tb testing.TB, sampler sdktrace.Sampler) benchProviders {
	p := benchProviders{
		tp: sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler)),
		mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
	}
	tb.Cleanup(func() {
		_ = p.tp.Shutdown(context.Background())
		_ = p.mp.Shutdown(context.Background())
	})
	return p
}

func benchLogger() *zap.Logger {
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel))
}

// otelkitLogger is the logger otel.Init builds (logging.New), JSON to
// io.Discard.
func otelkitLogger(tb testing.TB) *zap.Logger {
	l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(io.Discard)),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		tb.Fatal(err)
	}
	return l.Zap()
}

// stack is a server stack taken apart: what grpc's server calls per RPC.
type stack struct {
	sh    stats.Handler // nil: bare
	unary grpc.UnaryServerInterceptor
}

func handWrittenStack(p benchProviders, logger *zap.Logger) stack {
	sh, unary, _ := handwritten.GRPCServerParts(logger, p.tp, p.mp, testPropagator)
	return stack{sh, unary}
}

func grpcmwStack(p benchProviders, logger *zap.Logger, extra ...Option) stack {
	h := newServerHandler(newConfig(append([]Option{
		WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(testPropagator), WithLogger(logger),
	}, extra...)))
	return stack{h, h.unary}
}

// transportStream is what grpc's server puts in the handler's context for
// grpc.SetHeader: it keeps the header as grpc's does (metadata.Join).
type transportStream struct {
	method string
	header metadata.MD
}

func (s *transportStream) Method() string { return s.method }
func (s *transportStream) SetHeader(md metadata.MD) error {
	s.header = metadata.Join(s.header, md)
	return nil
}
func (s *transportStream) SendHeader(md metadata.MD) error { return s.SetHeader(md) }
func (s *transportStream) SetTrailer(metadata.MD) error    { return nil }

var benchAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50051}

// serveOne does what grpc's server does for one unary RPC of benchMethod
// with incoming metadata md (handleStream, processRPC): tag it, report its
// header, begin, payloads, end, and run the interceptor around handler in
// between.
func (s stack) serveOne(md metadata.MD, handler grpc.UnaryHandler, req any) {
	s.serveMethod(benchMethod, md, handler, req)
}

// serveMethod is serveOne for an RPC of fullMethod.
func (s stack) serveMethod(fullMethod string, md metadata.MD, handler grpc.UnaryHandler, req any) {
	ctx := metadata.NewIncomingContext(context.Background(), md)
	info := &grpc.UnaryServerInfo{FullMethod: fullMethod}
	if s.sh == nil {
		_, _ = handler(ctx, req)
		return
	}
	ctx = s.sh.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: fullMethod})
	hdr, _ := metadata.FromIncomingContext(ctx)
	s.sh.HandleRPC(ctx, &stats.InHeader{FullMethod: fullMethod, RemoteAddr: benchAddr, LocalAddr: benchAddr, Header: hdr})
	begin := &stats.Begin{BeginTime: time.Now()}
	s.sh.HandleRPC(ctx, begin)
	ts := &transportStream{method: fullMethod}
	ctx = grpc.NewContextWithServerTransportStream(ctx, ts)
	s.sh.HandleRPC(ctx, &stats.InPayload{Length: 5, RecvTime: time.Now()})
	resp, err := s.unary(ctx, req, info, handler)
	s.sh.HandleRPC(ctx, &stats.OutHeader{Header: ts.header})
	if resp != nil {
		s.sh.HandleRPC(ctx, &stats.OutPayload{Length: 5, SentTime: time.Now()})
	}
	s.sh.HandleRPC(ctx, &stats.OutTrailer{})
	s.sh.HandleRPC(ctx, &stats.End{BeginTime: begin.BeginTime, EndTime: time.Now(), Error: err})
}

func emptyHandler(context.Context, any) (any, error) { return &testpb.Empty{}, nil }

// benchMD is the incoming metadata of the benchmarks' RPCs: a trace
// context, a request ID and what grpc-go's client sends besides.
var benchMD = metadata.Pairs("traceparent", validParent, RequestIDMetadataKey, "req-0123456789",
	"user-agent", "grpc-go/1.84.0", ":authority", "bufconn", "content-type", "application/grpc")

// lineHandlers returns handlers that write one line through the request's
// logger: the hand-written stack's, and grpcmw's.
func lineHandlers() (hw, mw grpc.UnaryHandler) {
	hw = func(ctx context.Context, _ any) (any, error) {
		handwritten.Logger(ctx).Info("order_loaded", zap.String("order_id", "42"))
		return &testpb.Empty{}, nil
	}
	mw = func(ctx context.Context, _ any) (any, error) {
		logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "42"))
		return &testpb.Empty{}, nil
	}
	return hw, mw
}

func runDirect(b *testing.B, s stack, md metadata.MD, handler grpc.UnaryHandler) {
	req := &testpb.Empty{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.serveOne(md, handler, req)
	}
}

func BenchmarkServerDirect(b *testing.B) {
	logger := benchLogger()
	withID := benchMD
	noID := metadata.Pairs("traceparent", validParent,
		"user-agent", "grpc-go/1.84.0", ":authority", "bufconn", "content-type", "application/grpc")
	sampled := newBenchProviders(b, sdktrace.AlwaysSample())
	unsampled := newBenchProviders(b, sdktrace.NeverSample())
	hwLine, mwLine := lineHandlers()
	hwLines, mwLines := manyLines(handwritten.Logger), manyLines(logging.FromContext)

	b.Run("bare", func(b *testing.B) { runDirect(b, stack{}, withID, emptyHandler) })
	b.Run("handwritten", func(b *testing.B) { runDirect(b, handWrittenStack(sampled, logger), withID, emptyHandler) })
	b.Run("grpcmw", func(b *testing.B) { runDirect(b, grpcmwStack(sampled, logger), withID, emptyHandler) })
	b.Run("handwritten-newid", func(b *testing.B) { runDirect(b, handWrittenStack(sampled, logger), noID, emptyHandler) })
	b.Run("grpcmw-newid", func(b *testing.B) { runDirect(b, grpcmwStack(sampled, logger), noID, emptyHandler) })
	b.Run("handwritten-unsampled", func(b *testing.B) { runDirect(b, handWrittenStack(unsampled, logger), withID, emptyHandler) })
	b.Run("grpcmw-unsampled", func(b *testing.B) { runDirect(b, grpcmwStack(unsampled, logger), withID, emptyHandler) })
	b.Run("handwritten-logline", func(b *testing.B) { runDirect(b, handWrittenStack(sampled, logger), withID, hwLine) })
	b.Run("grpcmw-logline", func(b *testing.B) { runDirect(b, grpcmwStack(sampled, logger), withID, mwLine) })
	b.Run("handwritten-loglines", func(b *testing.B) { runDirect(b, handWrittenStack(sampled, logger), withID, hwLines) })
	b.Run("grpcmw-loglines", func(b *testing.B) { runDirect(b, grpcmwStack(sampled, logger), withID, mwLines) })
	ok := otelkitLogger(b)
	b.Run("handwritten-logline-otelkit", func(b *testing.B) { runDirect(b, handWrittenStack(sampled, ok), withID, hwLine) })
	b.Run("grpcmw-logline-otelkit", func(b *testing.B) { runDirect(b, grpcmwStack(sampled, ok), withID, mwLine) })
}

// handLines is how many lines manyLines' handler writes.
const handLines = 8

// manyLines returns a handler that writes handLines lines through the
// logger logger returns for its context, taken once as a user would.
func manyLines(logger func(context.Context) *zap.Logger) grpc.UnaryHandler {
	return func(ctx context.Context, _ any) (any, error) {
		l := logger(ctx)
		for i := 0; i < handLines; i++ {
			l.Info("item_checked", zap.Int("item", i))
		}
		return &testpb.Empty{}, nil
	}
}

// ---- over a connection ----

type benchService struct {
	testpb.UnimplementedTestServiceServer
	line func(context.Context)
}

func (s *benchService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	if s.line != nil {
		s.line(ctx)
	}
	return &testpb.Empty{}, nil
}

func runRPC(b *testing.B, opts []grpc.ServerOption, svc *benchService, ctx context.Context) {
	srv := grpc.NewServer(opts...)
	testpb.RegisterTestServiceServer(srv, svc)
	ln := bufconn.Listen(1 << 20)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	conn, err := grpc.NewClient("passthrough:///bench", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = conn.Close(); srv.Stop(); <-done }()
	c := testpb.NewTestServiceClient(conn)
	req := &testpb.Empty{}
	if _, err := c.EmptyCall(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.EmptyCall(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServerRPC(b *testing.B) {
	logger := benchLogger()
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", validParent, RequestIDMetadataKey, "req-0123456789")
	hw := handwritten.GRPCServerOptions(logger, p.tp, p.mp, testPropagator)
	mw := ServerOptions(WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(testPropagator), WithLogger(logger))
	hwLine := &benchService{line: func(ctx context.Context) { handwritten.Logger(ctx).Info("order_loaded", zap.String("order_id", "42")) }}
	mwLine := &benchService{line: func(ctx context.Context) { logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "42")) }}

	b.Run("bare", func(b *testing.B) { runRPC(b, nil, &benchService{}, ctx) })
	b.Run("handwritten", func(b *testing.B) { runRPC(b, hw, &benchService{}, ctx) })
	b.Run("grpcmw", func(b *testing.B) { runRPC(b, mw, &benchService{}, ctx) })
	b.Run("handwritten-logline", func(b *testing.B) { runRPC(b, hw, hwLine, ctx) })
	b.Run("grpcmw-logline", func(b *testing.B) { runRPC(b, mw, mwLine, ctx) })
}

// ---- client side ----

// hwClientRID is what a user writes to forward the request ID: a unary
// client interceptor that appends it to the outgoing metadata.
func hwClientRID(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if id := RequestID(ctx); id != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, RequestIDMetadataKey, id)
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// callOne does what grpc's client does for one unary call: run the
// interceptor (if any), tag the call, read the outgoing metadata as the
// transport does, and report its events.
func callOne(ctx context.Context, sh stats.Handler, ic grpc.UnaryClientInterceptor) {
	invoke := func(ctx context.Context, method string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
		ctx = sh.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: method})
		begin := &stats.Begin{Client: true, BeginTime: time.Now()}
		sh.HandleRPC(ctx, begin)
		md, _ := metadata.FromOutgoingContext(ctx)
		sh.HandleRPC(ctx, &stats.OutHeader{Client: true, Header: md, FullMethod: method, RemoteAddr: benchAddr})
		sh.HandleRPC(ctx, &stats.OutPayload{Client: true, Length: 5, SentTime: time.Now()})
		sh.HandleRPC(ctx, &stats.InHeader{Client: true})
		sh.HandleRPC(ctx, &stats.InPayload{Client: true, Length: 5, RecvTime: time.Now()})
		sh.HandleRPC(ctx, &stats.InTrailer{Client: true})
		sh.HandleRPC(ctx, &stats.End{Client: true, BeginTime: begin.BeginTime, EndTime: time.Now()})
		return nil
	}
	if ic == nil {
		_ = invoke(ctx, benchMethod, nil, nil, nil)
		return
	}
	_ = ic(ctx, benchMethod, nil, nil, nil, invoke)
}

func runClient(b *testing.B, ctx context.Context, sh stats.Handler, ic grpc.UnaryClientInterceptor) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		callOne(ctx, sh, ic)
	}
}

func BenchmarkClientDirect(b *testing.B) {
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	ctx, span := p.tp.Tracer("bench").Start(ContextWithRequestID(context.Background(), "req-0123456789"), "parent")
	defer span.End()
	plain := otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(p.tp), otelgrpc.WithMeterProvider(p.mp), otelgrpc.WithPropagators(testPropagator))
	mw := newClientHandler(newConfig([]Option{WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(testPropagator)}))

	b.Run("otelgrpc", func(b *testing.B) { runClient(b, ctx, plain, nil) })
	b.Run("handwritten", func(b *testing.B) { runClient(b, ctx, plain, hwClientRID) })
	b.Run("grpcmw", func(b *testing.B) { runClient(b, ctx, mw, nil) })
	// A gateway that copies its client's metadata to the call: the ID its
	// server kept (the context's), another valid one (kept), an invalid
	// one (replaced by the context's).
	for _, c := range []struct{ name, id string }{
		{"grpcmw-explicit-same", "req-0123456789"},
		{"grpcmw-explicit-valid", "edge-42"},
		{"grpcmw-explicit-invalid", "edge 42"},
	} {
		explicit := metadata.AppendToOutgoingContext(ctx, RequestIDMetadataKey, c.id, "x-tenant", "acme", "x-client", "web/1.2")
		b.Run(c.name, func(b *testing.B) { runClient(b, explicit, mw, nil) })
	}
}

// BenchmarkClientStatusScrub is the guard a failed call pays before
// otelgrpc sees its status (clientHandler; a call that succeeds pays
// nothing): a message with no credential and no credential in the
// metadata, one that quotes a per-RPC bearer token, and one that quotes
// the metadata's authorization value.
func BenchmarkClientStatusScrub(b *testing.B) {
	plain := status.Error(codes.NotFound, "order 4711 not found in warehouse eu-west-1")
	quoted := status.Error(codes.Unauthenticated, `invalid authorization "Bearer ya29.a0AfB_byC-0123456789abcdef"`)
	withMD := metadata.NewOutgoingContext(context.Background(), metadata.Pairs("authorization", "Bearer ya29.a0AfB_byC-0123456789abcdef"))
	for _, bc := range []struct {
		name string
		ctx  context.Context
		err  error
	}{
		{"none", context.Background(), plain},
		{"per-rpc-bearer", context.Background(), quoted},
		{"metadata", withMD, quoted},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				md, _ := metadata.FromOutgoingContext(bc.ctx)
				_ = scrubbedStatus(credentials(md), bc.err)
			}
		})
	}
}

// BenchmarkServerStatusScrub is what a server error pays before otelgrpc
// sees its status (scrubbedEnd; an RPC that succeeds or fails by the
// client's doing pays nothing): a client that sent authorization and an
// outage message that quotes nothing (the usual case, cheap by
// scrub.MayQuote), and a message that quotes it.
func BenchmarkServerStatusScrub(b *testing.B) {
	md := metadata.Pairs("authorization", "Bearer ya29.a0AfB_byC-0123456789abcdef", "x-request-id", "r1")
	outage := status.Error(codes.Unavailable, "db: connection refused at 10.0.0.1:5432")
	quoted := status.Error(codes.Internal, `upstream refused "Bearer ya29.a0AfB_byC-0123456789abcdef"`)
	for _, bc := range []struct {
		name string
		err  error
	}{{"outage", outage}, {"quoted", quoted}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = scrubbedStatus(receivedCredentials(md), bc.err)
			}
		})
	}
}
