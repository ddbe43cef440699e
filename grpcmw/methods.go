package grpcmw

import (
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// What an RPC to a method the server (or, for its client span, the client)
// does not recognise is recorded as, as the RPC semantic conventions ask:
// rpc.method is _OTHER (on spans and metrics), the span is named after
// rpc.system.name, and the method as sent goes, cut to reqscope.MaxText,
// into rpc.method_original on the span and rpc_method_original on the
// server's lines. So a client that makes up method names creates no metric
// series and no span name.
const (
	otherMethod     = "_OTHER"
	otherFullMethod = "/" + otherMethod // what otelgrpc is given instead
	otherSpanName   = "grpc"            // rpc.system.name
)

// markOther names span as an RPC to a method not recognised, with original
// (the method as sent, cut with reqscope.Truncate) in rpc.method_original.
func markOther(span trace.Span, original string) {
	span.SetName(otherSpanName)
	span.SetAttributes(attribute.String("rpc.method_original", original))
}

// maxMethodLen bounds the full method looked up in the protobuf registry;
// a longer one is not recognised (no registered name is that long).
const maxMethodLen = 1024

// methodSet decides which full methods ("/pkg.Service/Method") the server,
// or the client, recognises: those given with WithMethods, and those of the services in
// the protobuf registry (protoregistry.GlobalFiles, where generated code
// registers its descriptors), which are remembered once found. The set only
// grows by what the registry holds, so it stays bounded whatever clients
// send.
type methodSet struct {
	extra map[string]*method

	mu    sync.Mutex                         // serialises writers of found
	found atomic.Pointer[map[string]*method] // copy on write; read without lock
}

// method is a method the server recognises. A recognised method need not
// be served (a registry service this server does not register): grpc then
// answers its RPCs itself, and one whose client is gone before that answer
// gets no end from grpc (see TagRPC). served is set by the first RPC of
// the method that grpc runs a handler for (stats.Begin); from then on
// grpc reports the end of every RPC of it.
type method struct{ served atomic.Bool }

func newMethodSet(extra map[string]struct{}) *methodSet {
	m := &methodSet{extra: make(map[string]*method, len(extra))}
	for name := range extra {
		m.extra[name] = &method{}
	}
	m.found.Store(&map[string]*method{})
	return m
}

// known returns the method fullMethod names if the server recognises it,
// or nil.
func (m *methodSet) known(fullMethod string) *method {
	if k, ok := m.extra[fullMethod]; ok {
		return k
	}
	if k, ok := (*m.found.Load())[fullMethod]; ok {
		return k
	}
	if !inRegistry(fullMethod) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.found.Load()
	if k, ok := old[fullMethod]; ok {
		return k // found by another RPC since the lookup above
	}
	next := make(map[string]*method, len(old)+1)
	for name, k := range old {
		next[name] = k
	}
	k := &method{}
	next[fullMethod] = k
	m.found.Store(&next)
	return k
}

// inRegistry reports whether fullMethod names a method of a service in the
// protobuf registry.
func inRegistry(fullMethod string) bool {
	if len(fullMethod) > maxMethodLen || !strings.HasPrefix(fullMethod, "/") {
		return false
	}
	i := strings.LastIndexByte(fullMethod, '/')
	if i < 1 {
		return false
	}
	service, method := fullMethod[1:i], fullMethod[i+1:]
	if service == "" || method == "" {
		return false
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return false
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	return ok && sd.Methods().ByName(protoreflect.Name(method)) != nil
}
