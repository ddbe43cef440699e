package logging

import (
	"io"
	"testing"

	"go.uber.org/zap/zapcore"
)

// BenchmarkOutputWrite shows what the guarded output (output.go) costs a
// line over zap's own lock: a deferred unlock and recover, and the check
// for a short write. With a copy (WithOutputCopy) each writer is guarded
// on its own (tee); a Logger without copies does not use tee.
func BenchmarkOutputWrite(b *testing.B) {
	line := make([]byte, 200)
	for _, c := range []struct {
		name string
		w    zapcore.WriteSyncer
	}{
		{"impl=zapcore.Lock", zapcore.Lock(zapcore.AddSync(io.Discard))},
		{"impl=otelkit", newOutput(zapcore.AddSync(io.Discard))},
		{"impl=otelkit/copies=1", newOutput(tee{zapcore.AddSync(io.Discard), zapcore.AddSync(io.Discard)})},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.w.Write(line)
			}
		})
	}
}
