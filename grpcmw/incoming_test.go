package grpcmw

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
)

// The key is learnt from grpc as it is; if it were not, every lookup would
// take the slow path, so a grpc upgrade that breaks it shows here.
func TestIncomingKeyLearnt(t *testing.T) {
	if incomingKey == nil {
		t.Fatal("the incoming metadata's context key was not learnt")
	}
	md := metadata.MD{"traceparent": {"a", "b"}}
	in := scanIncoming(metadata.NewIncomingContext(context.Background(), md))
	if in.md == nil || in.exact != keyTraceParent || in.variant != 0 {
		t.Errorf("scanIncoming: %+v", in)
	}
}

// values answers every key as metadata.ValueFromIncomingContext does,
// whatever the spelling of the keys in the metadata: exact name first,
// another spelling (strings.EqualFold, U+017F and U+212A included) when
// there is no exact one, nothing when there is neither.
func TestIncomingValuesMatchMetadataLookup(t *testing.T) {
	spellings := []string{
		"traceparent", "TraceParent", "tracestate", "TRACESTATE", "trace\u017ftate",
		"baggage", "Baggage", "b\u00e4ggage", "x-request-id", "X-Request-ID",
		"x-request-\u0131d", "tracestatex", "traceparen", "user-agent", "\u212aey", "",
	}
	names := []string{"traceparent", "tracestate", "baggage", "x-request-id", "user-agent", "key"}
	for _, key := range spellings {
		for _, other := range append([]string{""}, spellings...) {
			md := metadata.MD{key: {"first", "second"}}
			if other != "" && other != key {
				md[other] = []string{"other"}
			}
			ctx := metadata.NewIncomingContext(context.Background(), md)
			in := scanIncoming(ctx)
			for _, name := range names {
				got := in.values(ctx, name)
				if _, exact := md[name]; !exact && len(md) == 2 && strings.EqualFold(key, name) && strings.EqualFold(other, name) {
					// Two other spellings: metadata.ValueFromIncomingContext
					// takes whichever the map's iteration meets first.
					if !slices.Equal(got, md[key]) && !slices.Equal(got, md[other]) {
						t.Errorf("keys %q, %q: values(%q) = %q", key, other, name, got)
					}
					continue
				}
				want := metadata.ValueFromIncomingContext(ctx, name)
				if !slices.Equal(got, want) || (got == nil) != (want == nil) {
					t.Errorf("keys %q, %q: values(%q) = %q, want %q", key, other, name, got, want)
				}
			}
		}
	}
	// An empty value list is present, as metadata.ValueFromIncomingContext
	// says.
	ctx := metadata.NewIncomingContext(context.Background(), metadata.MD{"baggage": {}})
	if in := scanIncoming(ctx); in.values(ctx, "baggage") == nil {
		t.Error("an empty baggage key reads as absent")
	}
	// No incoming metadata at all.
	if in := scanIncoming(context.Background()); in.values(context.Background(), "traceparent") != nil {
		t.Error("values without incoming metadata")
	}
}

// keys lists the metadata's keys as metadata.FromIncomingContext's copy
// holds them, whatever their spelling.
func TestIncomingKeysMatchMetadataCopy(t *testing.T) {
	for _, md := range []metadata.MD{
		{},
		{"traceparent": {"a"}, "x-custom": {"b", "c"}, ":authority": {"d"}},
		{"X-Custom": {"a"}, "x-custom": {"b"}, "Baggage": {"c"}},
		{"\u212aey": {"a"}, "user-agent": {"b"}},
	} {
		ctx := metadata.NewIncomingContext(context.Background(), md)
		in := scanIncoming(ctx)
		copied, _ := metadata.FromIncomingContext(ctx)
		var want []string
		for k := range copied {
			want = append(want, k)
		}
		got := in.keys(ctx)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%v: keys %q, want %q", md, got, want)
		}
	}
}

// TagRPC hides the incoming metadata from otelgrpc's copy of it, and only
// from that: the propagators (by Get, Values and Keys), the sampler, the
// public-endpoint function and the handler all read the metadata the
// client sent.
func TestIncomingMetadataSeenPastOtelgrpcsCopy(t *testing.T) {
	e := newTestEnv(t)
	seen := map[string][]string{}
	var mu sync.Mutex
	note := func(who string, vals ...string) {
		mu.Lock()
		defer mu.Unlock()
		seen[who] = append(seen[who], vals...)
	}
	custom := func(ctx context.Context) string {
		md, _ := metadata.FromIncomingContext(ctx)
		return strings.Join(md.Get("x-custom"), ",")
	}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.sr), sdktrace.WithSampler(samplerFunc(func(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
		note("sampler", custom(p.ParentContext))
		return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
	})))
	prop := propagation.NewCompositeTextMapPropagator(testPropagator, extractFunc(func(ctx context.Context, c propagation.TextMapCarrier) context.Context {
		keys := c.Keys()
		slices.Sort(keys)
		note("propagator", c.Get("x-custom"), c.Get("X-Custom"), strings.Join(c.(propagation.ValuesGetter).Values("x-custom"), ","),
			fmt.Sprint(slices.Contains(keys, "x-custom"), slices.Contains(keys, "traceparent"), slices.Contains(keys, RequestIDMetadataKey)))
		return ctx
	}))
	svc := &mdService{note: func(ctx context.Context) { note("handler", custom(ctx)) }}
	s := serve(t, ServerOptions(WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(e.log), WithPropagators(prop),
		WithPublicEndpointFunc(func(ctx context.Context, _ string) bool {
			note("public", custom(ctx))
			return false
		})), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, svc) })
	c := testpb.NewTestServiceClient(s.conn)
	ctx := withMD("traceparent", validParent, RequestIDMetadataKey, "req-seen", "x-custom", "one", "x-custom", "two")
	if _, err := c.EmptyCall(ctx, &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	span := e.ended(t, 1)[0]
	if span.SpanContext().TraceID().String() != traceHex {
		t.Errorf("the trace was not continued: %v", span.SpanContext())
	}
	want := map[string][]string{
		"propagator": {"one", "one", "one,two", "true true true"},
		"sampler":    {"one,two"},
		"public":     {"one,two"},
		"handler":    {"one,two"},
	}
	mu.Lock()
	defer mu.Unlock()
	for who, w := range want {
		if !slices.Equal(seen[who], w) {
			t.Errorf("%s saw %q, want %q", who, seen[who], w)
		}
	}
}

type samplerFunc func(sdktrace.SamplingParameters) sdktrace.SamplingResult

func (f samplerFunc) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult { return f(p) }
func (samplerFunc) Description() string                                                  { return "test" }

// extractFunc is a propagator that only extracts.
type extractFunc func(context.Context, propagation.TextMapCarrier) context.Context

func (f extractFunc) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	return f(ctx, c)
}
func (extractFunc) Inject(context.Context, propagation.TextMapCarrier) {}
func (extractFunc) Fields() []string                                   { return nil }

// mdService calls note with each handler's context.
type mdService struct {
	testpb.UnimplementedTestServiceServer
	note func(context.Context)
}

func (s *mdService) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	s.note(ctx)
	return &testpb.Empty{}, nil
}

// The carrier reads keys as otelgrpc's copy of the metadata would
// (metadata.MD.Get over metadata.FromIncomingContext), Unicode case
// folding included, whatever spelling a hand-made context holds.
func TestIncomingGetMatchesMetadataCopy(t *testing.T) {
	for _, md := range []metadata.MD{
		{},
		{"x-b3-sampled": {"0", "1"}, "other": {"x"}},
		{"X-B3-Sampled": {"1"}},
		{"uber-trace-\u0130d": {"u"}},
		{"x-b3-\u017fampled": {"1"}},
		{"traceparent": {"a"}, "Other": {"b"}},
	} {
		ctx := metadata.NewIncomingContext(context.Background(), md)
		st := &rpcState{Context: ctx, in: scanIncoming(ctx)}
		copied, _ := metadata.FromIncomingContext(ctx)
		for _, key := range []string{"x-b3-sampled", "X-B3-Sampled", "uber-trace-id", "other", "traceparent", "missing"} {
			want := ""
			if v := copied.Get(key); len(v) > 0 {
				want = v[0]
			}
			if got := (incoming{st}).Get(key); got != want {
				t.Errorf("%v: Get(%q) = %q, the copy gives %q", md, key, got, want)
			}
		}
	}
}

// TagRPC hides the metadata from otelgrpc's copy: the carrier otelgrpc
// hands the propagators holds no key, while the client sent several.
func TestOtelgrpcCopiesNoMetadata(t *testing.T) {
	e := newTestEnv(t)
	var mu sync.Mutex
	var copied []int
	prop := extractFunc(func(ctx context.Context, _ propagation.TextMapCarrier) context.Context {
		if st, ok := ctx.(*rpcState); ok {
			mu.Lock()
			defer mu.Unlock()
			copied = append(copied, len(st.carrier.Keys()))
		}
		return ctx
	})
	s := serve(t, ServerOptions(WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(e.log), WithPropagators(prop)),
		func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, &testService{}) })
	ctx := withMD("traceparent", validParent, RequestIDMetadataKey, "req-copy", "x-custom", "one")
	if _, err := testpb.NewTestServiceClient(s.conn).EmptyCall(ctx, &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(copied) != 1 || copied[0] != 0 {
		t.Errorf("otelgrpc's copy held %v keys, want none", copied)
	}
}

// A span processor may read the RPC's context from a goroutine of its own
// while otelgrpc's TagRPC runs; TagRPC's hiding of the metadata is no data
// race then (go test -race).
func TestHidingIsNoRaceForAsyncReaders(t *testing.T) {
	e := newTestEnv(t)
	var wg sync.WaitGroup
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.sr), sdktrace.WithSpanProcessor(onStart(func(parent context.Context) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = metadata.FromIncomingContext(parent)
		}()
	})))
	c := e.serveTest(t, &testService{})
	if _, err := c.EmptyCall(withMD("x-custom", "one"), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

// onStart is a span processor that calls f with each span's parent
// context.
type onStart func(parent context.Context)

func (f onStart) OnStart(parent context.Context, _ sdktrace.ReadWriteSpan) { f(parent) }
func (onStart) OnEnd(sdktrace.ReadOnlySpan)                                {}
func (onStart) Shutdown(context.Context) error                             { return nil }
func (onStart) ForceFlush(context.Context) error                           { return nil }

// TestRequestIDSeenFromTheRPCsStart: the RPC's request ID (RequestID) is
// known wherever its context goes from TagRPC on: to the sampler and the
// public-endpoint function, which see it before the span starts, and to
// the handler.
func TestRequestIDSeenFromTheRPCsStart(t *testing.T) {
	e := newTestEnv(t)
	seen := map[string]string{}
	var mu sync.Mutex
	note := func(who string, ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		seen[who] = RequestID(ctx)
	}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.sr), sdktrace.WithSampler(samplerFunc(func(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
		note("sampler", p.ParentContext)
		return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
	})))
	svc := &mdService{note: func(ctx context.Context) { note("handler", ctx) }}
	s := serve(t, ServerOptions(WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(e.log),
		WithPublicEndpointFunc(func(ctx context.Context, _ string) bool {
			note("public", ctx)
			return false
		})), func(srv *grpc.Server) { testpb.RegisterTestServiceServer(srv, svc) })
	c := testpb.NewTestServiceClient(s.conn)
	if _, err := c.EmptyCall(withMD(RequestIDMetadataKey, "req-early"), &testpb.Empty{}); err != nil {
		t.Fatal(err)
	}
	e.ended(t, 1)
	mu.Lock()
	defer mu.Unlock()
	for _, who := range []string{"sampler", "public", "handler"} {
		if seen[who] != "req-early" {
			t.Errorf("%s saw request ID %q, want req-early", who, seen[who])
		}
	}
}
