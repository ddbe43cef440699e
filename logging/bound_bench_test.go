package logging_test

import (
	"context"
	"testing"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/logging"
)

// BenchmarkRequestWithBound: a handler binds a field with With inside a
// request (which follows the request's method and path, encoded on every
// line), then writes lines; against zap with the same fields bound in
// advance. "bind_and_line" binds once per line (the worst case), "line"
// binds once and writes many lines.
func BenchmarkRequestWithBound(b *testing.B) {
	sctx, sc := spanCtx(context.Background(), 0xab, 0xcd)
	const req = "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"
	r := &reqlog.Request{Base: benchLogger(b).Zap(), ID: req,
		Fields: []zap.Field{zap.String("method", "GET"), zap.String("path", "/orders/42")}}
	reqCtx := logging.With(sctx, reqlog.Field(r))
	b.Run("zap_prebound", func(b *testing.B) {
		l := prebound(baselineZap(), sc, req).With(zap.String("method", "GET"), zap.String("path", "/orders/42"),
			zap.String("tenant", "acme"))
		b.ReportAllocs()
		for b.Loop() {
			l.Info("order_loaded", zap.String("order_id", "ord-1234"))
		}
	})
	b.Run("line", func(b *testing.B) {
		ctx := logging.With(reqCtx, zap.String("tenant", "acme"))
		b.ReportAllocs()
		for b.Loop() {
			logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "ord-1234"))
		}
	})
	b.Run("zap_bind_and_line", func(b *testing.B) {
		l := prebound(baselineZap(), sc, req).With(zap.String("method", "GET"), zap.String("path", "/orders/42"))
		b.ReportAllocs()
		for b.Loop() {
			l.With(zap.String("tenant", "acme")).Info("order_loaded", zap.String("order_id", "ord-1234"))
		}
	})
	b.Run("bind_and_line", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ctx := logging.With(reqCtx, zap.String("tenant", "acme"))
			logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "ord-1234"))
		}
	})
}
