package logging_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/paired"
	"github.com/otelkit/otelkit/logging"
)

// The cost of the reserved-key guard (reserved.go), each case against the
// same call on plain zap (trace fields and request ID bound in advance),
// which writes the user's field a second time under the line's key:
//
//   - none: three fields, none reserved (the guard's only cost is the
//     check; no allocation);
//   - collision: the same with a fourth field named "level" (renamed
//     "level_": the fields are copied into a pooled slice);
//   - inline: a zap.Inline field of the user's, whose keys are renamed
//     as it writes them (a pooled wrapper);
//   - ecs: the line in the ecs profile, with its service fields (and
//     more reserved keys to compare against).
func BenchmarkReservedKeys(b *testing.B) {
	ctx, sc := requestCtx(b)
	three := []zap.Field{zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond)}
	collide := append(append([]zap.Field(nil), three...), zap.String("level", "user"))
	inline := append(append([]zap.Field(nil), three...), zap.Inline(benchInline{}))
	ecs, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(discard{})), logging.WithEnvLookup(noEnv),
		logging.WithProfile("ecs"), fullService)
	if err != nil {
		b.Fatal(err)
	}
	ecsCtx := logging.With(logging.NewContext(ctx, ecs.Zap()), zap.String("request_id", "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"))
	zl := prebound(baselineZap(), sc, "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b")
	for _, c := range []struct {
		name   string
		ctx    context.Context
		fields []zap.Field
	}{{"none", ctx, three}, {"collision", ctx, collide}, {"inline", ctx, inline}, {"ecs", ecsCtx, three}} {
		b.Run(c.name+"/zap_prebound", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				zl.Info("order_loaded", c.fields...)
			}
		})
		b.Run(c.name+"/fromcontext", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				logging.FromContext(c.ctx).Info("order_loaded", c.fields...)
			}
		})
	}
}

type benchInline struct{}

func (benchInline) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("sku", "a-1")
	enc.AddInt("qty", 2)
	return nil
}

// A line whose user fields collide with the line's keys, or carry a
// zap.Inline of the user's, allocates no more than plain zap writing the
// same fields (duplicates included).
func TestReservedKeysAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ctx, sc := requestCtx(t)
	zl := prebound(baselineZap(), sc, "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b")
	for name, fs := range map[string][]zap.Field{
		"collision": {zap.String("order_id", "o"), zap.String("level", "user"), zap.String("trace_id", "user")},
		"inline":    {zap.String("order_id", "o"), zap.Inline(benchInline{})},
	} {
		ours := testing.AllocsPerRun(200, func() { logging.FromContext(ctx).Info("x", fs...) })
		base := testing.AllocsPerRun(200, func() { zl.Info("x", fs...) })
		if ours > base {
			t.Errorf("%s: %v allocations, zap %v", name, ours, base)
		}
	}
}

// TestPerfReservedKeys measures, paired like TestPerfRatios (and apart
// from it, for the same reason as TestPerfRequestSetup), a line whose
// fields collide with the line's keys, or carry a user's zap.Inline,
// against plain zap writing the same fields. OTELKIT_PERF=1 only.
func TestPerfReservedKeys(t *testing.T) {
	if os.Getenv("OTELKIT_PERF") != "1" {
		t.Skip("set OTELKIT_PERF=1 to measure")
	}
	ctx, sc := requestCtx(t)
	zl := prebound(baselineZap(), sc, "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b")
	three := []zap.Field{zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond)}
	for _, c := range []struct {
		name string
		fs   []zap.Field
	}{
		{"3 fields + one reserved (renamed)", append(append([]zap.Field(nil), three...), zap.String("level", "user"))},
		{"3 fields + a user's zap.Inline", append(append([]zap.Field(nil), three...), zap.Inline(benchInline{}))},
	} {
		r := paired.Measure(200, 600, func(int) { logging.FromContext(ctx).Info("order_loaded", c.fs...) }, func(int) { zl.Info("order_loaded", c.fs...) })
		fmt.Printf("%-45s ratio %v\n", c.name, r)
	}
}
