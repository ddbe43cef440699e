package logroute

import (
	"context"
	"testing"

	"go.uber.org/zap"
)

func TestRoute(t *testing.T) {
	base, other := zap.NewNop(), zap.NewExample()
	type key struct{}
	if got := Route(context.Background(), base); got != base {
		t.Fatal("no router: base expected")
	}
	prev := Set(func(ctx context.Context, b *zap.Logger) *zap.Logger {
		if ctx.Value(key{}) != nil && b == base {
			return other
		}
		return nil
	})
	defer func() { Set(prev) }()
	if got := Route(context.WithValue(context.Background(), key{}, 1), base); got != other {
		t.Error("router not consulted")
	}
	if got := Route(context.Background(), base); got != base {
		t.Error("a nil answer must keep base")
	}
	//lint:ignore SA1012 a nil context is tolerated, and that is what this checks
	if got := Route(nil, base); got != base {
		t.Error("nil ctx")
	}
	if Set(nil) == nil {
		t.Error("Set returns the router it replaced")
	}
}
