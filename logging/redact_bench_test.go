package logging_test

import (
	"io"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// BenchmarkRedaction: a JSON line with five per-call fields, without key
// redaction (WithoutKeyRedaction, the baseline) and with it (the default):
// innocent keys, long innocent keys (attribute-style names), one
// credential among them, and an object whose members are checked.
func BenchmarkRedaction(b *testing.B) {
	fields := func(key string) []zap.Field {
		return []zap.Field{zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.String(key, "v-123"),
			zap.Bool("cached", true), zap.Float64("ratio", 0.25)}
	}
	object := []zap.Field{zap.String("order_id", "ord-1234"), zap.Int("items", 3),
		zap.Object("user", zap.DictObject(zap.String("name", "bob"), zap.String("password", "pw"))),
		zap.Bool("cached", true), zap.Float64("ratio", 0.25)}
	long := []zap.Field{zap.String("http.response.header.x-request-id", "r-1"), zap.Int("gen_ai.usage.output_tokens", 3),
		zap.String("messaging.kafka.message.key", "k-1"), zap.Bool("kubernetes.deployment.hidden", true),
		zap.String("user_authentication_method_order", "otp")}
	for _, tc := range []struct {
		name   string
		opts   []logging.Option
		fields []zap.Field
	}{
		{"off/innocent", []logging.Option{logging.WithoutKeyRedaction()}, fields("user_id")},
		{"on/innocent", nil, fields("user_id")},
		{"off/long_innocent", []logging.Option{logging.WithoutKeyRedaction()}, long},
		{"on/long_innocent", nil, long},
		{"off/credential", []logging.Option{logging.WithoutKeyRedaction()}, fields("password")},
		{"on/credential", nil, fields("password")},
		{"off/object", []logging.Option{logging.WithoutKeyRedaction()}, object},
		{"on/object", nil, object},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := append([]logging.Option{logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(io.Discard)),
				logging.WithEnvLookup(noEnv)}, tc.opts...)
			l, err := logging.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			z := l.Zap()
			b.ReportAllocs()
			for b.Loop() {
				z.Info("order_loaded", tc.fields...)
			}
		})
	}
}
