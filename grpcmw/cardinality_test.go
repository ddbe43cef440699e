package grpcmw

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	otelcodes "go.opentelemetry.io/otel/codes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/otelkit/otelkit/internal/reqscope"
)

// madeUp are methods a client makes up: an unknown method of a served
// service, unknown services, and a name longer than any registered one.
var madeUp = []string{
	"/grpc.testing.TestService/NoSuchMethod",
	"/made.Up/One",
	"/made.Up/Two",
	"/" + strings.Repeat("x", 3000) + "/Y",
}

func invoke(conn *grpc.ClientConn, method, requestID string) error {
	return conn.Invoke(withMD(RequestIDMetadataKey, requestID), method, &testpb.Empty{}, &testpb.Empty{})
}

// A method the server does not recognise never creates a span name or a
// metric series of its own: rpc.method is _OTHER, the span is named
// "grpc" (rpc.system.name), and what the client sent is kept, cut, in
// rpc.method_original on the span and the lines. grpc answers such an RPC
// itself (UNIMPLEMENTED) without ever reporting its end; grpcmw still ends
// its span and writes its access line.
func TestMadeUpMethodsCollapse(t *testing.T) {
	e := newTestEnv(t)
	s := serve(t, ServerOptions(e.opts()...), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
	for i, m := range madeUp {
		if err := invoke(s.conn, m, "req-madeup-"+strconv.Itoa(i)); status.Code(err) != codes.Unimplemented {
			t.Fatalf("%.40s: %v, want Unimplemented", m, err)
		}
	}
	if _, err := testpb.NewTestServiceClient(s.conn).EmptyCall(context.Background(), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	spans := e.ended(t, len(madeUp)+1)
	lines := e.accessLines(t, len(madeUp)+1)
	for i, m := range madeUp {
		l := byRequestID(t, lines, "req-madeup-"+strconv.Itoa(i))
		sp := spanWithID(t, spans, l["span_id"])
		orig, _ := spanAttr(sp, "rpc.method_original")
		method, _ := spanAttr(sp, "rpc.method")
		if sp.Name() != "grpc" || method.AsString() != "_OTHER" || orig.AsString() != truncated(m) {
			t.Errorf("span %q rpc.method %q rpc.method_original %.40q, want grpc, _OTHER and %.40q", sp.Name(), method.AsString(), orig.AsString(), m)
		}
		if sp.Status().Code != otelcodes.Error {
			t.Errorf("span status %v, want error (UNIMPLEMENTED)", sp.Status())
		}
		if l["rpc_method"] != "_OTHER" || l["rpc_method_original"] != truncated(m) || l["code"] != "UNIMPLEMENTED" ||
			l["level"] != "error" {
			t.Errorf("access line %.300v", l)
		}
	}
	series := e.durationSeries(t, serverMetric, 2)
	if len(series) != 2 {
		t.Fatalf("%d duration series, want 2 (_OTHER and EmptyCall): %v", len(series), series)
	}
	var other int
	for _, set := range series {
		if v, _ := set.Value("rpc.method"); v.AsString() == "_OTHER" {
			other++
			if code, _ := set.Value("rpc.response.status_code"); code.AsString() != "UNIMPLEMENTED" {
				t.Errorf("_OTHER series %v", set)
			}
		}
		for _, kv := range set.ToSlice() {
			if strings.Contains(kv.Value.String(), "made.Up") || strings.Contains(kv.Value.String(), "NoSuchMethod") {
				t.Errorf("a made-up method in metric attribute %s", kv.Key)
			}
		}
	}
	if other != 1 {
		t.Errorf("%d _OTHER series", other)
	}
}

func truncated(s string) string {
	if len(s) > 1024 {
		return s[:1024]
	}
	return s
}

// A server that serves unknown methods itself (grpc.UnknownServiceHandler,
// given after grpcmw's options) runs them through the interceptors; they
// are still _OTHER, and a panic there is recovered.
func TestUnknownServiceHandlerStaysBounded(t *testing.T) {
	e := newTestEnv(t)
	opts := append(ServerOptions(e.opts()...), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		m, _ := grpc.MethodFromServerStream(stream)
		if strings.HasSuffix(m, "Panic") {
			panic("proxy broke")
		}
		return status.Error(codes.NotFound, "nothing here")
	}))
	s := serve(t, opts, func(srv *grpc.Server) {})
	if err := invoke(s.conn, "/made.Up/One", "req-proxy"); status.Code(err) != codes.NotFound {
		t.Fatalf("got %v", err)
	}
	if err := invoke(s.conn, "/made.Up/Panic", "req-proxy-panic"); status.Code(err) != codes.Internal {
		t.Fatalf("got %v", err)
	}
	lines := e.accessLines(t, 2)
	one, panicked := byRequestID(t, lines, "req-proxy"), byRequestID(t, lines, "req-proxy-panic")
	if one["rpc_method"] != "_OTHER" || one["code"] != "NOT_FOUND" || one["level"] != "warn" ||
		panicked["rpc_method"] != "_OTHER" || panicked["code"] != "INTERNAL" || panicked["level"] != "error" {
		t.Errorf("access lines %v", lines)
	}
	e.oneLine(t, "panic_recovered")
	for _, sp := range e.ended(t, 2) {
		if sp.Name() != "grpc" {
			t.Errorf("span %q", sp.Name())
		}
	}
	if n := len(e.durationSeries(t, serverMetric, 2)); n != 2 {
		t.Errorf("%d series, want 2 (_OTHER with NOT_FOUND and with INTERNAL)", n)
	}
}

// handWritten is a service registered without a protobuf descriptor.
var handWritten = grpc.ServiceDesc{
	ServiceName: "hand.Written",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{MethodName: "Echo", Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
		in := new(wrapperspb.StringValue)
		if err := dec(in); err != nil {
			return nil, err
		}
		echo := func(_ context.Context, req any) (any, error) { return req, nil }
		if ic == nil {
			return echo(ctx, in)
		}
		return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/hand.Written/Echo"}, echo)
	}}},
}

// Which methods are recognised: those of services in the protobuf registry
// (generated code registers them), whether this server serves them or not,
// and those named with WithMethods; a service registered without a
// descriptor is _OTHER unless named.
func TestRecognisedMethods(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []Option
		method string
		span   string
		code   codes.Code
	}{
		{"hand-written, not named", nil, "/hand.Written/Echo", "grpc", codes.OK},
		{"hand-written, named", []Option{WithMethods("hand.Written/Echo")}, "/hand.Written/Echo", "hand.Written/Echo", codes.OK},
		{"in the registry, not served", nil, "/grpc.health.v1.Health/Check", "grpc.health.v1.Health/Check", codes.Unimplemented},
		{"unknown method of a registry service", nil, "/grpc.health.v1.Health/Nope", "grpc", codes.Unimplemented},
		{"a message, not a service", nil, "/grpc.testing.Empty/X", "grpc", codes.Unimplemented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			s := serve(t, ServerOptions(e.opts(tc.opts...)...), func(srv *grpc.Server) { srv.RegisterService(&handWritten, struct{}{}) })
			var out wrapperspb.StringValue
			err := s.conn.Invoke(context.Background(), tc.method, wrapperspb.String("hi"), &out)
			if status.Code(err) != tc.code {
				t.Fatalf("got %v, want %v", err, tc.code)
			}
			if sp := e.ended(t, 1)[0]; sp.Name() != tc.span {
				t.Errorf("span %q, want %q", sp.Name(), tc.span)
			}
		})
	}
	_ = healthpb.HealthCheckResponse_SERVING // links the health service's descriptor
}

func TestInRegistryRejectsMalformedNames(t *testing.T) {
	for _, m := range []string{"", "/", "//", "/a", "a/b", "/grpc.testing.TestService/", "//UnaryCall",
		"/grpc.testing.TestService/UnaryCall/x", "/grpc.testing.TestService.UnaryCall"} {
		if inRegistry(m) {
			t.Errorf("inRegistry(%q) = true", m)
		}
	}
	if !inRegistry("/" + unaryName) {
		t.Errorf("inRegistry(%q) = false", "/"+unaryName)
	}
}

// TestMadeUpMethodCancelledEnds: a client that cancels a call to a method
// the server does not recognise before grpc answers it gets no OutTrailer
// and no End from grpc; the RPC still ends (its span, its access line, and
// the in-flight count Run waits on).
func TestMadeUpMethodCancelledEnds(t *testing.T) {
	e := newTestEnv(t)
	s := serve(t, ServerOptions(e.opts()...), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
	before := reqscope.InFlight()
	const calls = 100
	for range calls {
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		_ = s.conn.Invoke(ctx, "/made.Up/Cancelled", &wrapperspb.StringValue{}, &wrapperspb.StringValue{})
	}
	deadline := time.Now().Add(5 * time.Second)
	for reqscope.InFlight() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := reqscope.InFlight() - before; n != 0 {
		t.Errorf("%d of %d cancelled calls never ended", n, calls)
	}
}

// holdingTagger is a stats handler, installed after grpcmw's, whose TagRPC
// of method tells tagged and holds the RPC until its context ends: so the
// client's cancellation reaches the server after grpcmw's TagRPC and
// before grpc answers.
type holdingTagger struct {
	method string
	tagged chan struct{}
}

func (h holdingTagger) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	if info.FullMethodName == h.method {
		h.tagged <- struct{}{}
		<-ctx.Done()
	}
	return ctx
}

func (holdingTagger) HandleRPC(context.Context, stats.RPCStats) {}
func (holdingTagger) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (holdingTagger) HandleConn(context.Context, stats.ConnStats) {}

// TestUnservedMethodCancelledEnds: a method the server recognises but does
// not serve (one of a service in the protobuf registry, or named with
// WithMethods) is answered by grpc itself, as a made-up one is; a client
// that cancels before that answer gets neither OutTrailer nor End from grpc,
// and the RPC still ends as CANCELLED: its span, its access line and the
// in-flight count Run waits on.
func TestUnservedMethodCancelledEnds(t *testing.T) {
	for _, tc := range []struct{ name, method string }{
		{"in the registry", "/grpc.health.v1.Health/Check"},
		{"named with WithMethods", "/hand.Written/Echo"},
		{"made up", "/made.Up/Held"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			hold := holdingTagger{method: tc.method, tagged: make(chan struct{}, 1)}
			opts := append(ServerOptions(e.opts(WithMethods("/hand.Written/Echo"))...), grpc.StatsHandler(hold))
			s := serve(t, opts, func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
			before := reqscope.InFlight()
			ctx, cancel := context.WithCancel(withMD(RequestIDMetadataKey, "req-held"))
			called := make(chan error, 1)
			go func() {
				called <- s.conn.Invoke(ctx, tc.method, &wrapperspb.StringValue{}, &wrapperspb.StringValue{})
			}()
			<-hold.tagged
			cancel()
			if err := <-called; status.Code(err) != codes.Canceled {
				t.Fatalf("call: %v, want Canceled", err)
			}
			// grpc's server cancels the RPC's context before it marks the
			// stream done (closeStream), so its UNIMPLEMENTED answer may
			// still be written in between and reported (OutTrailer, End):
			// then that is the RPC's end (seen once in a CI run under
			// -race). Either way the RPC ends, once.
			if l := e.accessLines(t, 1)[0]; l["code"] != "CANCELLED" && l["code"] != "UNIMPLEMENTED" || l["request_id"] != "req-held" {
				t.Errorf("access line %v, want code CANCELLED (or UNIMPLEMENTED, grpc's answer) and request_id req-held", l)
			}
			e.ended(t, 1)
			waitFor(t, func() bool { return reqscope.InFlight() <= before })
		})
	}
}

// stallingBegin, a stats handler before grpcmw's, holds an RPC's Begin
// until the RPC's context has ended and grpcmw's grace timer has fired.
type stallingBegin struct{ holding chan struct{} }

func (s stallingBegin) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	if _, ok := rs.(*stats.Begin); ok {
		s.holding <- struct{}{}
		<-ctx.Done()
		time.Sleep(2 * unansweredGrace)
	}
}
func (stallingBegin) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (stallingBegin) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (stallingBegin) HandleConn(context.Context, stats.ConnStats) {}

// endSeen, a stats handler after grpcmw's, tells when grpc reports an
// RPC's End: grpcmw's HandleRPC has handled it by then.
type endSeen chan struct{}

func (e endSeen) HandleRPC(_ context.Context, rs stats.RPCStats) {
	if _, ok := rs.(*stats.End); ok {
		e <- struct{}{}
	}
}
func (endSeen) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (endSeen) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (endSeen) HandleConn(context.Context, stats.ConnStats) {}

// TestGraceTimerAndLateBeginClaimOnce: when grpc's Begin reaches grpcmw
// only after the grace timer ended a cancelled RPC (another stats handler
// held it), the RPC ends once, as CANCELLED, and the late Begin writes
// nothing the timer's access line read (a data race under -race before).
// The stalling handler sleeps rather than waits for the timer's line: a
// signal would order the two writes, and the race detector would see no
// race.
func TestGraceTimerAndLateBeginClaimOnce(t *testing.T) {
	e := newTestEnv(t)
	stall := stallingBegin{holding: make(chan struct{}, 1)}
	end := make(endSeen, 1)
	opts := append([]grpc.ServerOption{grpc.StatsHandler(stall)}, ServerOptions(e.opts()...)...)
	s := serve(t, append(opts, grpc.StatsHandler(end)), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
	ctx, cancel := context.WithCancel(withMD(RequestIDMetadataKey, "req-late"))
	called := make(chan error, 1)
	go func() {
		_, err := testpb.NewTestServiceClient(s.conn).UnaryCall(ctx, &testpb.SimpleRequest{})
		called <- err
	}()
	<-stall.holding
	cancel()
	if err := <-called; status.Code(err) != codes.Canceled {
		t.Fatalf("call: %v, want Canceled", err)
	}
	if l := e.accessLines(t, 1)[0]; l["code"] != "CANCELLED" || l["request_id"] != "req-late" {
		t.Errorf("access line %v", l)
	}
	e.ended(t, 1)
	<-end // the late Begin, the handler and grpc's End have reached grpcmw
	if n := len(e.linesWithMsg(t, "grpc_request")); n != 1 {
		t.Errorf("%d access lines, want 1", n)
	}
}

// A client's calls to methods it does not recognise (neither in the
// protobuf registry nor named with WithMethods) are recorded as the
// server's are: a client span named "grpc" with rpc.method _OTHER and the
// method as called, cut, in rpc.method_original, and one client metric
// series per status code. A proxy that forwards whatever method it is
// sent would otherwise make a span name and a series per made-up name.
// A recognised method keeps its name; one named with WithMethods too.
func TestClientMadeUpMethodsCollapse(t *testing.T) {
	e := newTestEnv(t)
	s := serve(t, nil, func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) },
		DialOptions(e.opts(WithMethods("/hand.Written/Method"))...)...)
	calls := append(madeUp, "no-slash", "/é/\xff")
	for _, m := range calls {
		if err := s.conn.Invoke(context.Background(), m, &testpb.Empty{}, &testpb.Empty{}); status.Code(err) != codes.Unimplemented {
			t.Fatalf("%.40q: %v, want Unimplemented", m, err)
		}
	}
	if err := s.conn.Invoke(context.Background(), "/hand.Written/Method", &testpb.Empty{}, &testpb.Empty{}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("hand-written method: %v, want Unimplemented", err)
	}
	if _, err := testpb.NewTestServiceClient(s.conn).EmptyCall(context.Background(), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	spans := e.ended(t, len(calls)+2)
	names := map[string]int{}
	for _, sp := range spans {
		names[sp.Name()]++
		method, _ := spanAttr(sp, "rpc.method")
		orig, hasOrig := spanAttr(sp, "rpc.method_original")
		switch sp.Name() {
		case "grpc":
			if method.AsString() != "_OTHER" || !hasOrig {
				t.Errorf("span grpc: rpc.method %q, rpc.method_original %.40q", method.AsString(), orig.AsString())
			}
		case "hand.Written/Method", "grpc.testing.TestService/EmptyCall":
			if method.AsString() != sp.Name() || hasOrig {
				t.Errorf("span %q: rpc.method %q, rpc.method_original %.40q", sp.Name(), method.AsString(), orig.AsString())
			}
		}
	}
	if names["grpc"] != len(calls) || names["hand.Written/Method"] != 1 || names["grpc.testing.TestService/EmptyCall"] != 1 || len(names) != 3 {
		t.Errorf("client span names %.200v", names)
	}
	originals := map[string]bool{}
	for _, sp := range spans {
		if v, ok := spanAttr(sp, "rpc.method_original"); ok {
			originals[v.AsString()] = true
		}
	}
	for _, m := range calls {
		if !originals[reqscope.Truncate(m)] {
			t.Errorf("no span with rpc.method_original %.40q", m)
		}
	}
	// By method, not by series: grpc 1.84 now and then reports a call
	// that failed with UNIMPLEMENTED as ended without error (the caller
	// still gets the status), a second _OTHER series, with code OK.
	methods := map[string]bool{}
	for _, set := range e.durationSeries(t, "rpc.client.call.duration", 3) {
		v, _ := set.Value("rpc.method")
		methods[v.AsString()] = true
	}
	if len(methods) != 3 || !methods["_OTHER"] || !methods["hand.Written/Method"] || !methods["grpc.testing.TestService/EmptyCall"] {
		t.Errorf("client series of methods %.300v; want _OTHER, the hand-written and EmptyCall", methods)
	}
}
