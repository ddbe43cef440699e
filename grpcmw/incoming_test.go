package grpcmw

import (
	"context"
	"slices"
	"strings"
	"testing"

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
