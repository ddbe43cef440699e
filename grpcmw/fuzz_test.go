package grpcmw

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc/metadata"

	"github.com/otelkit/otelkit/internal/requestid"
)

// fuzzMetadata builds incoming metadata from lines of "key:value", keys
// kept as written (any case, repeated, "-bin"), as only a hand-made
// context holds them, plus every value of ids under x-request-id.
func fuzzMetadata(lines string, ids []string) metadata.MD {
	md := metadata.MD{}
	for _, l := range strings.Split(lines, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			md[k] = append(md[k], v)
		}
	}
	if len(ids) > 0 {
		md[RequestIDMetadataKey] = append(md[RequestIDMetadataKey], ids...)
	}
	return md
}

// FuzzIncomingMetadata serves one RPC, without a network, of an arbitrary
// method with arbitrary incoming metadata. It must not panic; the RPC has
// one span and one access line, which carry the same valid request ID:
// the one x-request-id value when it is valid (in any spelling of the
// key), a new one otherwise; a method the server does not know never
// names the span, and its rpc.method_original (cut) stays valid UTF-8 if
// the method is; the lines are valid UTF-8 whatever the metadata held.
func FuzzIncomingMetadata(f *testing.F) {
	f.Add(benchMethod, "traceparent:"+validParent, "req-1")
	f.Add("/made.Up/X", "X-Request-ID:abc\nx-request-id:def", "")
	f.Add("/grpc.testing.TestService/\xff", "X-REQUEST-ID:ok-1\nTraceParent:"+validParent, "")
	f.Add(benchMethod, "tracestate:a=b,c=\xff\nbaggage:k=%zz\nkey-bin:\x00\x01", "a,b")
	f.Add("/"+strings.Repeat("é", 600), "traceparent:ff-0-0-0\nbaggage:"+strings.Repeat("k=v,", 200), "\xc3")
	f.Add(benchMethod, "", "")
	f.Fuzz(func(t *testing.T, method, lines, ids string) {
		e := newTestEnv(t)
		h := newServerHandler(newConfig(e.opts()))
		md := fuzzMetadata(lines, strings.FieldsFunc(ids, func(r rune) bool { return r == ',' }))
		var incoming []string // every x-request-id value, in any spelling of the key
		for k, v := range md {
			if strings.EqualFold(k, RequestIDMetadataKey) {
				incoming = append(incoming, v...)
			}
		}
		stack{h, h.unary}.serveMethod(method, md, emptyHandler, nil)

		if out := e.out.String(); !utf8.ValidString(out) {
			t.Fatalf("lines not valid UTF-8: %q", out)
		}
		// Served directly, the RPC has ended on return: nothing to wait for.
		line := e.oneLine(t, "grpc_request")
		id, _ := line["request_id"].(string)
		// An incoming traceparent whose flags say not sampled makes the
		// span a non-recording one (parent-based sampling): no span ends,
		// and the line says so in its trace_flags.
		spans := e.sr.Ended()
		if line["trace_flags"] == "00" {
			if len(spans) != 0 {
				t.Fatalf("%d spans ended for an unsampled parent", len(spans))
			}
			if !requestid.Valid(id) {
				t.Fatalf("request ID %q", id)
			}
			return
		}
		if len(spans) != 1 {
			t.Fatalf("%d spans ended (line %v)", len(spans), line)
		}
		span := spans[0]
		if !requestid.Valid(id) || !newIDPattern.MatchString(id) && !slices.Contains(incoming, id) {
			t.Fatalf("request ID %q from %q", id, incoming)
		}
		if exact := md[RequestIDMetadataKey]; len(exact) == 1 && requestid.Valid(exact[0]) && id != exact[0] {
			t.Fatalf("request ID %q, want the incoming %q", id, exact[0])
		}
		if v, _ := spanAttr(span, RequestIDAttribute); v.AsString() != id {
			t.Fatalf("span request.id %q, line %q", v.AsString(), id)
		}
		if h.methods.known(method) == nil && span.Name() != otherSpanName {
			t.Fatalf("unknown method %q named the span %q", method, span.Name())
		}
		if v, _ := spanAttr(span, "rpc.method_original"); utf8.ValidString(method) && !utf8.ValidString(v.AsString()) {
			t.Fatalf("rpc.method_original %q of a valid method is not UTF-8", v.AsString())
		}
	})
}
