package handwritten

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ZapLogger is the JSON logger a user sets up with zap alone: the
// production encoder with a "time" key in RFC 3339 with nanoseconds,
// durations as strings, a locked writer to w, the caller, stack traces
// from error up, at info.
func ZapLogger(w io.Writer) *zap.Logger {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "time"
	cfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	cfg.EncodeDuration = zapcore.StringDurationEncoder
	c := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.Lock(zapcore.AddSync(w)), zapcore.InfoLevel)
	return zap.New(c, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
}
