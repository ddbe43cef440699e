package logging_test

import (
	"context"
	"io"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/logging"
)

// The baseline is what a user would write without otelkit: zap's JSON
// encoder with the same keys, RFC 3339 nanosecond time, short caller, stack
// traces from error, a locked writer, and the trace fields and request ID
// bound in advance with With.

func baselineZap() *zap.Logger {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey = "time"
	cfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	cfg.EncodeDuration = zapcore.StringDurationEncoder
	c := zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.Lock(zapcore.AddSync(io.Discard)), zapcore.InfoLevel)
	return zap.New(c, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
}

func prebound(l *zap.Logger, sc trace.SpanContext, reqID string) *zap.Logger {
	return l.With(
		zap.String("trace_id", sc.TraceID().String()),
		zap.String("span_id", sc.SpanID().String()),
		zap.String("trace_flags", sc.TraceFlags().String()),
		zap.String("request_id", reqID),
	)
}

func benchLogger(b testing.TB) *logging.Logger {
	l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(io.Discard)), logging.WithEnvLookup(noEnv))
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func spanCtx(parent context.Context, tid byte, sid byte) (context.Context, trace.SpanContext) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{tid, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		SpanID:     trace.SpanID{sid, 1, 2, 3, 4, 5, 6, 7},
		TraceFlags: trace.FlagsSampled,
	})
	return trace.ContextWithSpanContext(parent, sc), sc
}

// requestCtx is the context the middleware hands a handler: the server span
// current, then the request ID bound.
func requestCtx(b testing.TB) (context.Context, trace.SpanContext) {
	ctx, sc := spanCtx(context.Background(), 0xab, 0xcd)
	ctx = logging.NewContext(ctx, benchLogger(b).Zap())
	return logging.With(ctx, zap.String("request_id", "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b")), sc
}

// BenchmarkRequestLine: FromContext(ctx).Info(msg, 3 fields) in the request
// span vs the same call on a zap logger with the trace fields bound.
func BenchmarkRequestLine(b *testing.B) {
	ctx, sc := requestCtx(b)
	b.Run("zap_prebound", func(b *testing.B) {
		l := prebound(baselineZap(), sc, "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			l.Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
	b.Run("fromcontext", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
}

// BenchmarkChildSpanLine: the same in a child span's context. "cached" logs
// repeatedly in one child span (the usual case: a function logs a few lines
// in its span); "alternating" switches between two child spans on every
// line, so each call rebuilds the span-bound logger (the worst case).
func BenchmarkChildSpanLine(b *testing.B) {
	ctx, _ := requestCtx(b)
	c1, sc1 := spanCtx(ctx, 0xab, 0x01)
	c2, _ := spanCtx(ctx, 0xab, 0x02)
	b.Run("zap_prebound", func(b *testing.B) {
		l := prebound(baselineZap(), sc1, "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			l.Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
	b.Run("fromcontext_cached", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			logging.FromContext(c1).Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
	b.Run("fromcontext_alternating", func(b *testing.B) {
		ctxs := [2]context.Context{c1, c2}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			logging.FromContext(ctxs[i&1]).Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
}

func tenFields() []zap.Field {
	return []zap.Field{
		zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond),
		zap.String("customer", "cus-987"), zap.Float64("total", 129.95), zap.Bool("paid", true),
		zap.String("currency", "EUR"), zap.Int64("warehouse", 12), zap.String("carrier", "dhl"),
		zap.Strings("tags", []string{"gift", "express"}),
	}
}

// BenchmarkTenFields: message and 10 fields through FromContext vs plain
// zap with the same fields (trace fields and request ID bound in advance).
func BenchmarkTenFields(b *testing.B) {
	ctx, sc := requestCtx(b)
	fs := tenFields()
	b.Run("zap_prebound", func(b *testing.B) {
		l := prebound(baselineZap(), sc, "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			l.Info("order_shipped", fs...)
		}
	})
	b.Run("fromcontext", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			logging.FromContext(ctx).Info("order_shipped", fs...)
		}
	})
}

// BenchmarkNoSpan: a context with a bound logger but no span vs plain zap.
func BenchmarkNoSpan(b *testing.B) {
	ctx := logging.NewContext(context.Background(), benchLogger(b).Zap())
	b.Run("zap", func(b *testing.B) {
		l := baselineZap()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			l.Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
	b.Run("fromcontext", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
}

// BenchmarkFromContext measures the lookup alone.
func BenchmarkFromContext(b *testing.B) {
	ctx, _ := requestCtx(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = logging.FromContext(ctx)
	}
}

// discardProcessor drops records (the cost of the bridge without export).
type discardProcessor struct{}

func (discardProcessor) OnEmit(context.Context, *sdklog.Record) error           { return nil }
func (discardProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (discardProcessor) Shutdown(context.Context) error                         { return nil }
func (discardProcessor) ForceFlush(context.Context) error                       { return nil }

// BenchmarkRequestLineOTLP: with the OTLP bridge on, vs the stack a user
// would write: zap's JSON core teed with the otelzap core, trace fields
// bound, and the context passed as a field so the record gets the span.
func BenchmarkRequestLineOTLP(b *testing.B) {
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(discardProcessor{}))
	defer func() { _ = lp.Shutdown(context.Background()) }()
	sctx, sc := spanCtx(context.Background(), 0xab, 0xcd)
	req := "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"
	b.Run("zap_tee_prebound", func(b *testing.B) {
		tee := zapcore.NewTee(baselineZap().Core(), otelzap.NewCore("bench", otelzap.WithLoggerProvider(lp)))
		l := prebound(zap.New(tee, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel)), sc, req)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			l.Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond), zap.Any("ctx", sctx))
		}
	})
	b.Run("fromcontext", func(b *testing.B) {
		ol, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(io.Discard)), logging.WithEnvLookup(noEnv), logging.WithLoggerProvider(lp))
		if err != nil {
			b.Fatal(err)
		}
		ctx := logging.With(logging.NewContext(sctx, ol.Zap()), zap.String("request_id", req))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond))
		}
	})
}

type userCtxKey struct{}

// BenchmarkRequestSetup: what the middleware does once per request (bind
// the request ID in the server span's context) plus the first line, vs the
// hand-written equivalent: bind trace fields and request ID with zap's With,
// put the logger in the context, take it out and log.
func BenchmarkRequestSetup(b *testing.B) {
	sctx, sc := spanCtx(context.Background(), 0xab, 0xcd)
	req := "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"
	b.Run("zap_handwritten", func(b *testing.B) {
		base := baselineZap()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ctx := context.WithValue(sctx, userCtxKey{}, prebound(base, sc, req))
			ctx.Value(userCtxKey{}).(*zap.Logger).Info("request", zap.Int("status", 200))
		}
	})
	b.Run("with_fromcontext", func(b *testing.B) {
		ctx0 := logging.NewContext(sctx, benchLogger(b).Zap())
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ctx := logging.With(ctx0, zap.String("request_id", req))
			logging.FromContext(ctx).Info("request", zap.Int("status", 200))
		}
	})
	// What httpmw does through the request scope: a request bound with
	// the span and its ID in one allocation (the reqlog.Request and the
	// field lives in the scope's own per-request allocation), then the line.
	b.Run("bindrequest", func(b *testing.B) {
		r := &reqlog.Request{Base: benchLogger(b).Zap(), ID: req}
		fs := []zap.Field{reqlog.Field(r)}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ctx := logging.With(sctx, fs...)
			logging.FromContext(ctx).Info("request", zap.Int("status", 200))
		}
	})
}

// order is a value logged with zap.Object that nests another object, as
// a domain type often does.
type order struct{ id, customer string }

func (o order) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", o.id)
	return enc.AddObject("customer", zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		enc.AddString("id", o.customer)
		return nil
	}))
}

// BenchmarkObjectField: a line with a nested zap.Object through a zap
// logger bound in advance, through the request's logger of your own zap
// logger (whose marshalers run guarded: a panic in them, or in what they
// nest, is noted and the line stays whole) and through otelkit's (guarded
// only after a panic).
func BenchmarkObjectField(b *testing.B) {
	ctx, sc := spanCtx(context.Background(), 0xab, 0xcd)
	field := zap.Object("order", order{id: "ord-1234", customer: "c-77"})
	r := &reqlog.Request{Base: baselineZap(), ID: "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"}
	foreign := logging.With(ctx, reqlog.Field(r))
	own, _ := requestCtx(b)
	for name, log := range map[string]func() *zap.Logger{
		"zap_prebound": func() *zap.Logger { return prebound(baselineZap(), sc, r.ID) },
		"foreign":      func() *zap.Logger { return logging.FromContext(foreign) },
		"otelkit":      func() *zap.Logger { return logging.FromContext(own) },
	} {
		b.Run(name, func(b *testing.B) {
			l := log()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.Info("order_loaded", field)
			}
		})
	}
}
