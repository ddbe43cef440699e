package grpcmw

import (
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// What an RPC to a method the server does not recognise is recorded as, as
// the RPC semantic conventions ask: rpc.method is _OTHER (on spans and
// metrics), the span is named after rpc.system.name, and the method the
// client sent goes, cut to reqscope.MaxText, into rpc.method_original on the
// span and rpc_method_original on the lines. So a client that makes up
// method names creates no metric series and no span name.
const (
	otherMethod     = "_OTHER"
	otherFullMethod = "/" + otherMethod // what otelgrpc is given instead
	otherSpanName   = "grpc"            // rpc.system.name
)

// maxMethodLen bounds the full method looked up in the protobuf registry;
// a longer one is not recognised (no registered name is that long).
const maxMethodLen = 1024

// methodSet decides which full methods ("/pkg.Service/Method") the server
// recognises: those given with WithMethods, and those of the services in
// the protobuf registry (protoregistry.GlobalFiles, where generated code
// registers its descriptors), which are remembered once found. The set only
// grows by what the registry holds, so it stays bounded whatever clients
// send.
type methodSet struct {
	extra map[string]struct{}

	mu    sync.Mutex                          // serialises writers of found
	found atomic.Pointer[map[string]struct{}] // copy on write; read without lock
}

func newMethodSet(extra map[string]struct{}) *methodSet {
	m := &methodSet{extra: extra}
	m.found.Store(&map[string]struct{}{})
	return m
}

// known reports whether the server recognises fullMethod.
func (m *methodSet) known(fullMethod string) bool {
	if _, ok := m.extra[fullMethod]; ok {
		return true
	}
	if _, ok := (*m.found.Load())[fullMethod]; ok {
		return true
	}
	if !inRegistry(fullMethod) {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.found.Load()
	next := make(map[string]struct{}, len(old)+1)
	for k := range old {
		next[k] = struct{}{}
	}
	next[fullMethod] = struct{}{}
	m.found.Store(&next)
	return true
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
