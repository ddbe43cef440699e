package grpcmw

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"
)

// Reading the incoming metadata. The server reads four keys of every RPC's
// metadata: x-request-id, traceparent, tracestate and baggage, the last
// three usually absent. metadata.ValueFromIncomingContext copies the values
// it finds and, for a key that is absent, walks the whole map comparing
// every key without regard to case; metadata.FromIncomingContext copies the
// whole map. TagRPC instead reads the map grpc keeps in the context once
// (scanIncoming), and later lookups take the values from it as they are,
// with the same results: a key spelled in another case (only a hand-made
// context holds one; grpc's transport lower-cases every key) is still
// looked up by metadata.ValueFromIncomingContext.

// incomingKey is the context key grpc keeps the incoming metadata under,
// learnt once by handing metadata.FromIncomingContext a context that
// records the key it asks for (keySpy), and checked against a context made
// by metadata.NewIncomingContext; nil when grpc does not work that way,
// and then every lookup goes through metadata.ValueFromIncomingContext.
var incomingKey = learnIncomingKey()

func learnIncomingKey() any {
	spy := &keySpy{Context: context.Background()}
	if _, ok := metadata.FromIncomingContext(spy); !ok || spy.asked != 1 {
		return nil
	}
	want := metadata.MD{"k": {"v"}}
	got, ok := metadata.NewIncomingContext(context.Background(), want).Value(spy.key).(metadata.MD)
	if !ok || len(got) != 1 || len(got["k"]) != 1 || got["k"][0] != "v" {
		return nil
	}
	return spy.key
}

// keySpy is a context that records the key it is asked for and answers
// with empty metadata.
type keySpy struct {
	context.Context
	key   any
	asked int
}

func (s *keySpy) Value(key any) any {
	s.key = key
	s.asked++
	return metadata.MD{}
}

// The keys scanIncoming looks for, as bits.
const (
	keyTraceParent uint8 = 1 << iota
	keyTraceState
	keyBaggage
	keyRequestID
)

// incomingKeyBit is key's bit, for the lower-case names only.
func incomingKeyBit(key string) uint8 {
	switch key {
	case "traceparent":
		return keyTraceParent
	case "tracestate":
		return keyTraceState
	case "baggage":
		return keyBaggage
	case RequestIDMetadataKey:
		return keyRequestID
	}
	return 0
}

// incomingKeys is what TagRPC learns of an RPC's incoming metadata: the map
// itself (nil: unknown, or none) and which of the keys it holds exactly as
// named, or only in another spelling.
type incomingKeys struct {
	md             metadata.MD
	exact, variant uint8
	mixed          bool // some key is not lower-case ASCII
}

// scanIncoming reads ctx's incoming metadata in one pass over its keys.
func scanIncoming(ctx context.Context) incomingKeys {
	if incomingKey == nil {
		return incomingKeys{}
	}
	md, _ := ctx.Value(incomingKey).(metadata.MD)
	in := incomingKeys{md: md}
	for k := range md {
		if bit := incomingKeyBit(k); bit != 0 {
			in.exact |= bit
		} else if !isLowerASCII(k) {
			in.variant |= variantBit(k)
			in.mixed = true
		}
	}
	return in
}

// variantBit is the bit of the key that k matches without regard to case
// (strings.EqualFold, as metadata.ValueFromIncomingContext compares), or 0.
func variantBit(k string) uint8 {
	for _, name := range [...]string{"traceparent", "tracestate", "baggage", RequestIDMetadataKey} {
		if strings.EqualFold(k, name) {
			return incomingKeyBit(name)
		}
	}
	return 0
}

// isLowerASCII reports whether s has no upper-case and no non-ASCII byte:
// such a key matches a lower-case name without regard to case only if it
// is that name.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// values returns what metadata.ValueFromIncomingContext(ctx, key) returns,
// where ctx is the RPC's context that in was read from, without a copy
// (the caller only reads them) for a key in.md holds as named.
func (in *incomingKeys) values(ctx context.Context, key string) []string {
	bit := incomingKeyBit(key)
	switch {
	case bit == 0 || in.md == nil || (in.variant&bit != 0 && in.exact&bit == 0):
		return metadata.ValueFromIncomingContext(ctx, key)
	case in.exact&bit != 0:
		return in.md[key]
	}
	return nil
}

// keys returns the keys of the incoming metadata of ctx, the RPC's context
// that in was read from, as metadata.FromIncomingContext(ctx) holds them:
// lower-cased, each once.
func (in *incomingKeys) keys(ctx context.Context) []string {
	md := in.md
	if in.mixed {
		// Two spellings may become one key: only a hand-made context
		// holds such keys, so the copy is no loss here.
		md, _ = metadata.FromIncomingContext(ctx)
	}
	out := make([]string, 0, len(md))
	for k := range md {
		out = append(out, k)
	}
	return out
}
