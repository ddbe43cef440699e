package logging_test

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/logging"
)

// A foreign request's lines are the same, byte for byte, whether the
// request's fields are encoded once by the With of its own logger
// (FromContext) or with every line (AccessLogger before FromContext: the
// template and the request's fields): for 1, 2 and 8 handler lines and the
// access line after them, with and without bound fields, a late marshaler
// (settled or not) and a field that panics, through zap's JSON and console
// encoders and a tee of both. Anything that switches a request between the
// two encodings (as one that encodes the first line per line and binds
// from the second) relies on this.
func TestForeignRequestLinesSameEncodedOnceOrPerLine(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
		SpanID:  trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}, TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	cfg := zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", NameKey: "logger", EncodeLevel: zapcore.LowercaseLevelEncoder}
	encoders := map[string]func(*syncBuffer) zapcore.Core{
		"json": func(b *syncBuffer) zapcore.Core {
			return zapcore.NewCore(zapcore.NewJSONEncoder(cfg), b, zapcore.InfoLevel)
		},
		"console": func(b *syncBuffer) zapcore.Core {
			return zapcore.NewCore(zapcore.NewConsoleEncoder(cfg), b, zapcore.InfoLevel)
		},
		"tee": func(b *syncBuffer) zapcore.Core {
			return zapcore.NewTee(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), b, zapcore.InfoLevel),
				zapcore.NewCore(zapcore.NewConsoleEncoder(cfg), b, zapcore.InfoLevel))
		},
	}
	bounds := map[string]struct {
		late   func() zapcore.ObjectMarshaler
		fields []zap.Field
	}{
		"none":      {func() zapcore.ObjectMarshaler { return nil }, nil},
		"one":       {func() zapcore.ObjectMarshaler { return nil }, []zap.Field{zap.String("rpc_method", "grpc.testing.TestService/EmptyCall")}},
		"two+late":  {func() zapcore.ObjectMarshaler { return &routeBox{route: "/orders/{id}"} }, []zap.Field{zap.String("method", "GET"), zap.String("path", "/orders/7")}},
		"settled":   {func() zapcore.ObjectMarshaler { return &settledBox{routeBox{route: "/r"}} }, []zap.Field{zap.Int("n", 3)}},
		"panicking": {func() zapcore.ObjectMarshaler { return nil }, []zap.Field{zap.String("a", "1"), zap.Object("obj", panicObject{})}},
	}
	for en, core := range encoders {
		for bn, bound := range bounds {
			for _, n := range []int{1, 2, 8} {
				t.Run(fmt.Sprintf("%s/%s/%d", en, bn, n), func(t *testing.T) {
					write := func(own bool) string {
						buf := &syncBuffer{}
						l := zap.New(core(buf)).Named("svc")
						rctx, b := bind(ctx, l, "req-0123456789", bound.late(), bound.fields...)
						line := func(msg string, fs ...zap.Field) {
							if own {
								logging.FromContext(rctx).Info(msg, fs...)
								return
							}
							al, pre := b.AccessLogger(nil)
							al.Info(msg, append(append([]zap.Field(nil), pre...), fs...)...)
						}
						for i := 0; i < n; i++ {
							line("item_checked", zap.Int("item", i), zap.String("order_id", "42"))
						}
						al, pre := b.AccessLogger(nil)
						if own && len(pre) != 0 {
							t.Fatal("AccessLogger does not reuse the request's own logger")
						}
						al.Info("grpc_request", append(append([]zap.Field(nil), pre...), zap.Inline(&reqlog.Access{Duration: 1500000, Bytes: -1}))...)
						return buf.String()
					}
					once, perLine := write(true), write(false)
					if once != perLine {
						t.Errorf("encoded once:\n%s\nper line:\n%s", once, perLine)
					}
					if want := n + 1; en == "tee" {
						want *= 2
						if got := countLines(once); got != want {
							t.Errorf("%d lines, want %d:\n%s", got, want, once)
						}
					} else if got := countLines(once); got != want {
						t.Errorf("%d lines, want %d:\n%s", got, want, once)
					}
				})
			}
		}
	}
}

func countLines(s string) int {
	n := 0
	for _, c := range s {
		if c == '\n' {
			n++
		}
	}
	return n
}
