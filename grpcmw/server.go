package grpcmw

import (
	"context"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/w3c"
)

// ServerOptions returns the options for grpc.NewServer that give every RPC
// a server span, the RPC duration metric, a request ID, a request-scoped
// logger, an access line and panic recovery. See the package documentation
// for what each part does and the options that change it.
//
//	srv := grpc.NewServer(grpcmw.ServerOptions()...)
//
// Put them before interceptors of your own, so that a panic in those is
// recovered too and they see the request's logger.
func ServerOptions(opts ...Option) []grpc.ServerOption {
	h := newServerHandler(newConfig(opts))
	return []grpc.ServerOption{
		grpc.StatsHandler(h),
		grpc.ChainUnaryInterceptor(h.unary),
		grpc.ChainStreamInterceptor(h.stream),
	}
}

var _ stats.Handler = (*serverHandler)(nil)

// serverHandler is the stats handler ServerOptions installs. It wraps
// otelgrpc's, which makes the span and the metric; around it, it keeps each
// RPC's state (rpcState) and writes the access line when the RPC ends.
type serverHandler struct {
	cfg     config
	otel    stats.Handler
	methods *methodSet
	access  reqscope.AccessLog
}

func newServerHandler(cfg config) *serverHandler {
	h := &serverHandler{cfg: cfg, methods: newMethodSet(cfg.methods)}
	h.access.Message = "grpc_request"
	cfg.Settings.Apply(&h.access)
	oo := []otelgrpc.Option{
		otelgrpc.WithTracerProvider(cfg.TracerProvider),
		otelgrpc.WithMeterProvider(cfg.MeterProvider),
		otelgrpc.WithPropagators(serverPropagator{next: propagatorOf(cfg)}),
	}
	if fn := cfg.publicEndpoint; fn != nil {
		oo = append(oo, otelgrpc.WithPublicEndpointFn(func(ctx context.Context, info *stats.RPCTagInfo) bool {
			if st, ok := ctx.Value(stateKey{h}).(*rpcState); ok {
				return fn(ctx, st.fullMethod)
			}
			return fn(ctx, info.FullMethodName)
		}))
	}
	h.otel = otelgrpc.NewServerHandler(oo...)
	return h
}

// rpcState is everything about one RPC, in one allocation: its scope
// (request ID, logger, access line), what the access line reports, and the
// RPC's context as grpc handed it to TagRPC, which rpcState is itself a
// child of (Value finds it under stateKey), so finding it again costs no
// context of its own.
type rpcState struct {
	context.Context

	h          *serverHandler
	scope      reqscope.Scope
	fullMethod string       // as the client sent it
	method     *method      // nil: a method the server does not recognise
	in         incomingKeys // the incoming metadata, read once (incoming.go)
	// attr is the request ID TagRPC sets on the span: here rather than in
	// a slice of its own, which would escape. Written once per RPC, so a
	// provider that keeps the slice sees the same value.
	attr [1]attribute.KeyValue

	access         reqscope.Access // the access line's fields (access.go)
	code           codes.Code
	received, sent atomic.Int64 // messages
	clientStream   bool         // from stats.Begin
	serverStream   bool
	// nested: another set of ServerOptions on this server tagged the RPC
	// first; its request ID is this RPC's too, and its interceptor
	// answers it (header).
	nested bool
	// hideIncoming hides the incoming metadata from otelgrpc's copy of it
	// (see TagRPC). Atomic: a span processor or sampler may hand the
	// context to a goroutine of its own while otelgrpc's TagRPC runs.
	hideIncoming atomic.Bool
	// begun is claimed once, by grpc's stats.Begin or by the grace timer
	// of an RPC grpc may leave unended (TagRPC), whichever comes first:
	// the timer ends the RPC only if it claims it, and a Begin that comes
	// later writes nothing the timer's access line reads.
	begun, ended atomic.Bool
	// carrier is otelgrpc's carrier of the incoming metadata, which
	// serverPropagator hands on (incoming) for what it cannot read from
	// the metadata itself.
	carrier propagation.TextMapCarrier
	w3c     w3c.Carrier
	// otelCtx is the context otelgrpc's TagRPC returned, which its
	// HandleRPC gets back: its span is the current one there, whatever
	// another stats handler added after it.
	otelCtx context.Context
	// outer is the context TagRPC returns.
	outer rpcOuter
}

// rpcOuter is the context TagRPC returns, which HandleRPC and the
// interceptors get back (the latter as its child): the RPC's bound context,
// with the state one step away instead of at the bottom of the chain.
type rpcOuter struct {
	context.Context
	st *rpcState
}

// Value returns the state for its handler's stateKey (and for any
// handler's, stateKey{}), the RPC's scope for reqscope's key (TagRPC binds
// it with BindBelow), and what the bound context holds otherwise.
func (o *rpcOuter) Value(key any) any {
	if k, ok := key.(stateKey); ok && (k.h == o.st.h || k.h == nil) {
		return o.st
	}
	if reqscope.IsKey(key) {
		return &o.st.scope
	}
	return o.Context.Value(key)
}

// stateKey is the context key of the state a handler keeps: per handler,
// so that two sets of ServerOptions on one server keep apart. The outer
// context (rpcOuter) also answers stateKey{} with its state, by which a
// second set finds the first's.
type stateKey struct{ h *serverHandler }

// Value returns the state itself for its handler's stateKey, the RPC's
// scope for reqscope's key (from the RPC's start on: TagRPC binds it with
// BindBelow), and what the context it was made from holds otherwise.
func (st *rpcState) Value(key any) any {
	if k, ok := key.(stateKey); ok && k.h == st.h {
		return st
	}
	if reqscope.IsKey(key) {
		return &st.scope
	}
	if key == incomingKey && st.hideIncoming.Load() {
		return nil
	}
	return st.Context.Value(key)
}

// stateOf returns the state h keeps for the RPC whose context (or a child)
// ctx is, or nil.
func (h *serverHandler) stateOf(ctx context.Context) *rpcState {
	st, _ := ctx.Value(stateKey{h}).(*rpcState)
	return st
}

// TagRPC starts the RPC: its scope (request ID, fields), then otelgrpc's
// span, under the method's name when the server recognises it and _OTHER
// otherwise, then binds the scope in the span's context, which is the
// context the handler gets.
func (h *serverHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	st := &rpcState{Context: ctx, h: h, fullMethod: info.FullMethodName}
	reqscope.Enter() // Leave in end, once the span ended
	st.method = h.methods.known(info.FullMethodName)
	known := st.method != nil
	tag, fields, n := info, [2]zap.Field{}, 1
	if known {
		fields[0] = zap.String("rpc_method", info.FullMethodName[1:])
	} else {
		other := *info // an allocation only for a method not recognised
		other.FullMethodName = otherFullMethod
		tag = &other
		fields[0] = zap.String("rpc_method", otherMethod)
		fields[1] = zap.String("rpc_method_original", reqscope.Truncate(info.FullMethodName))
		n = 2
	}
	st.in = scanIncoming(ctx)
	ids := st.in.values(ctx, RequestIDMetadataKey)
	if outer, ok := ctx.Value(stateKey{}).(*rpcState); ok {
		ids, st.nested = outer.scope.IDValues(), true // one ID per RPC
	}
	st.scope.Begin(ids, h.cfg.Logger, nil, fields[:n]...)

	// otelgrpc's TagRPC first copies the whole incoming metadata
	// (metadata.FromIncomingContext) for its carrier, then calls the
	// propagators, whose carrier (serverPropagator) reads the metadata
	// scanIncoming found instead. The copy is hidden: the metadata reads
	// as absent from st until serverPropagator.Extract runs (and, should a
	// later otelgrpc not call it, from its TagRPC's return on). That saves
	// one map and a slice per key on every RPC; every other reader
	// (propagators, samplers, WithPublicEndpointFn, the handler) sees the
	// metadata.
	st.hideIncoming.Store(st.in.md != nil)
	ctx = h.otel.TagRPC(st, tag)
	st.hideIncoming.Store(false)
	st.otelCtx = ctx
	span := trace.SpanFromContext(ctx)
	st.attr[0] = RequestIDAttribute.String(st.scope.ID())
	span.SetAttributes(st.attr[:]...)
	if !known {
		// Not st.attr again: a provider other than the SDK may keep the
		// slice it was given.
		markOther(span, fields[1].String)
	}
	st.outer = rpcOuter{Context: st.scope.BindBelow(ctx), st: st}
	if !known || !st.method.served.Load() {
		// grpc answers a method it does not serve itself (see OutTrailer
		// in HandleRPC): a made-up one, or one the server recognises but
		// has not been seen to serve; a client that cancels before that
		// answer gets neither OutTrailer nor End. So the RPC also ends a
		// moment after its context does (grpc may end the context just
		// before it reports the answer), and its span, access line and
		// in-flight count end with it; end runs once. Registered last:
		// end reads everything above.
		context.AfterFunc(st.Context, func() {
			time.AfterFunc(unansweredGrace, func() {
				if st.begun.CompareAndSwap(false, true) {
					h.end(st, &stats.End{BeginTime: time.Now().Add(-st.scope.Elapsed()), EndTime: time.Now(), Error: errCancelledUnregistered})
				}
			})
		})
	}
	return &st.outer
}

// HandleRPC counts messages and ends the RPC on stats.End; otelgrpc sees
// every event.
func (h *serverHandler) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	st := h.stateOf(ctx)
	if st == nil {
		h.otel.HandleRPC(ctx, rs)
		return
	}
	switch rs := rs.(type) {
	case *stats.Begin:
		if st.begun.CompareAndSwap(false, true) {
			st.clientStream, st.serverStream = rs.IsClientStream, rs.IsServerStream
		}
		if m := st.method; m != nil && !m.served.Load() {
			m.served.Store(true)
		}
	case *stats.InPayload:
		st.received.Add(1)
	case *stats.OutPayload:
		st.sent.Add(1)
	case *stats.OutTrailer:
		if !st.begun.Load() {
			// grpc answered an unregistered method with Unimplemented
			// itself: no handler ran and no stats.End will come.
			h.otel.HandleRPC(st.otelCtx, rs)
			h.end(st, &stats.End{
				BeginTime: time.Now().Add(-st.scope.Elapsed()),
				EndTime:   time.Now(),
				Error:     errUnregistered,
			})
			return
		}
	case *stats.End:
		h.end(st, rs)
		return
	}
	h.otel.HandleRPC(st.otelCtx, rs)
}

// errUnregistered is the status of an RPC to a method the server has not
// registered, which grpc answers itself.
var errUnregistered = status.Error(codes.Unimplemented, "unknown service or method")

// unansweredGrace is how long after an unregistered method's context ends
// its RPC is ended as cancelled, unless grpc's answer ended it first.
const unansweredGrace = 250 * time.Millisecond

// errCancelledUnregistered is the status of an RPC to a method the server
// has not registered that the client cancelled before grpc answered.
var errCancelledUnregistered = status.Error(codes.Canceled, "cancelled before the answer to an unknown service or method")

// end writes the access line, then lets otelgrpc end the span and record
// the metric. It runs once per RPC.
func (h *serverHandler) end(st *rpcState, rs *stats.End) {
	if !st.ended.CompareAndSwap(false, true) {
		return
	}
	st.code = codeOf(rs.Error)
	h.accessLine(st)
	h.otel.HandleRPC(st.otelCtx, scrubbedEnd(st, rs))
	reqscope.Leave()
}

// receivedCredentials is credentials for the metadata a client sent,
// which the client chooses: a value shorter than a credential is or
// without a letter or digit (" ", ":", "1") is left out, or a client could
// blank every space or colon of its RPCs' statuses.
func receivedCredentials(md metadata.MD) []string {
	vs := credentials(md)
	kept := vs[:0]
	for _, v := range vs {
		if len(v) >= minReceivedCredential && strings.IndexFunc(v, isLetterOrDigit) >= 0 {
			kept = append(kept, v)
		}
	}
	return kept
}

// minReceivedCredential is the shortest received value receivedCredentials
// keeps.
const minReceivedCredential = 8

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// scrubbedEnd returns rs, or a copy whose status no longer quotes a
// credential the client sent: otelgrpc makes a server error's message the
// span's status, and a handler may quote what it rejected ("upstream
// refused \"Bearer …\""). Read only for the codes whose message reaches
// the span (outcomeOf's server errors), so an RPC that succeeds, or fails
// by the client's doing, pays nothing. The client's answer is unchanged.
func scrubbedEnd(st *rpcState, rs *stats.End) *stats.End {
	if outcomeOf(st.code) != reqscope.ServerError || rs.Error == nil {
		return rs
	}
	md, _ := metadata.FromIncomingContext(st.Context)
	return scrubbedEndOf(rs, receivedCredentials(md))
}

// codeOf returns the status code of an RPC that ended with err.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	return status.Code(err)
}

// TagConn implements stats.Handler.
func (h *serverHandler) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	return h.otel.TagConn(ctx, info)
}

// HandleConn implements stats.Handler.
func (h *serverHandler) HandleConn(ctx context.Context, cs stats.ConnStats) {
	h.otel.HandleConn(ctx, cs)
}
