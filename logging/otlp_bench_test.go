package logging_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// BenchmarkOTLPLine measures issue 19's goal 1 in one run: one line
// through logging.FromContext in the request span (request ID bound), for
// 3 and 8 call fields, with
//
//   - impl=stdout: the line written, no OTLP (the output is io.Discard, so
//     no write syscall on any side);
//   - impl=otelkit: the line written and exported over OTLP by the logger's
//     bridge (WithLoggerProvider);
//   - impl=otelzap: the same logger teed by hand with the contrib otelzap
//     core, the record's context passed as a field (what a user would
//     write, and what the logger used before its own bridge);
//   - impl=floor: the stdout line plus the SDK's own Logger.Emit of the
//     equivalent record, built by hand: the same body, severity, time,
//     trace context and attributes (request_id, the three code.*
//     attributes of the caller, the call's fields).
//
// Every OTLP case goes through the SDK's batch processor to an exporter
// that drops what it gets.
func BenchmarkOTLPLine(b *testing.B) {
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(dropExporter{})))
	defer func() { _ = lp.Shutdown(context.Background()) }()
	for _, n := range []int{3, 8} {
		for _, c := range otlpLineCases(b, lp, n) {
			b.Run(fmt.Sprintf("attrs=%d/impl=%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					c.run()
				}
			})
		}
	}
}

// TestPerfOTLPRatios pairs BenchmarkOTLPLine's cases block by block
// against the floor and prints the medians of the per-block ratios, in
// wall time and in the CPU time of the measuring thread (see
// pairedRatios). It runs only with OTELKIT_PERF=1.
func TestPerfOTLPRatios(t *testing.T) {
	if os.Getenv("OTELKIT_PERF") != "1" {
		t.Skip("set OTELKIT_PERF=1 to measure")
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(dropExporter{})))
	defer func() { _ = lp.Shutdown(context.Background()) }()
	for _, n := range []int{3, 8} {
		runs := map[string]func(){}
		for _, c := range otlpLineCases(t, lp, n) {
			runs[c.name] = c.run
		}
		for _, pair := range [][2]string{{"otelkit", "floor"}, {"otelzap", "floor"}, {"stdout", "floor"}} {
			fmt.Printf("attrs=%d %-8s vs %-6s ratio %v  allocs %.0f vs %.0f\n", n, pair[0], pair[1], pairedRatio(runs[pair[0]], runs[pair[1]]),
				testing.AllocsPerRun(500, runs[pair[0]]), testing.AllocsPerRun(500, runs[pair[1]]))
		}
	}
}

type otlpLineCase struct {
	name string
	run  func()
}

// otlpLineCases returns the cases of BenchmarkOTLPLine for n call fields,
// every OTLP one on lp.
func otlpLineCases(tb testing.TB, lp *sdklog.LoggerProvider, n int) []otlpLineCase {
	sctx, _ := spanCtx(context.Background(), 0xab, 0xcd)
	const req = "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"
	zf, kv := otlpBenchFields(n)
	bind := func(l *zap.Logger) context.Context {
		return logging.With(logging.NewContext(sctx, l), zap.String("request_id", req))
	}
	line := func(ctx context.Context) func() {
		return func() { logging.FromContext(ctx).Info("order_loaded", zf...) }
	}
	ol, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(io.Discard)), logging.WithEnvLookup(noEnv), logging.WithLoggerProvider(lp))
	if err != nil {
		tb.Fatal(err)
	}
	tee := zapcore.NewTee(benchLogger(tb).Zap().Core(), otelzap.NewCore(logging.DefaultName, otelzap.WithLoggerProvider(lp)))
	stdout := line(bind(benchLogger(tb).Zap()))
	emit := lp.Logger(logging.DefaultName)
	_, file, lineNo, _ := runtime.Caller(0)
	fn := "github.com/otelkit/otelkit/logging_test.otlpLineCases.func2"
	return []otlpLineCase{
		{"stdout", stdout},
		{"otelkit", line(bind(ol.Zap()))},
		{"otelzap", line(bind(zap.New(tee, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))))},
		{"floor", func() {
			stdout()
			var r otellog.Record
			r.SetTimestamp(time.Now())
			r.SetBody(attribute.StringValue("order_loaded"))
			r.SetSeverity(otellog.SeverityInfo)
			r.SetSeverityText("info")
			r.AddAttributes(attribute.String("request_id", req),
				attribute.String("code.file.path", file), attribute.Int("code.line.number", lineNo), attribute.String("code.function.name", fn))
			r.AddAttributes(kv...)
			emit.Emit(sctx, r)
		}},
	}
}

// BenchmarkOTLPEmit is the SDK's Logger.Emit alone, of records with 3 and
// 8 attributes (the call's fields of BenchmarkOTLPLine, nothing else),
// through the same batch processor: the figures issue 19 quotes.
func BenchmarkOTLPEmit(b *testing.B) {
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(dropExporter{})))
	defer func() { _ = lp.Shutdown(context.Background()) }()
	sctx, _ := spanCtx(context.Background(), 0xab, 0xcd)
	ol := lp.Logger(logging.DefaultName)
	for _, n := range []int{3, 8} {
		_, kv := otlpBenchFields(n)
		b.Run(map[int]string{3: "attrs=3", 8: "attrs=8"}[n], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var r otellog.Record
				r.SetTimestamp(time.Now())
				r.SetBody(attribute.StringValue("order_loaded"))
				r.SetSeverity(otellog.SeverityInfo)
				r.SetSeverityText("info")
				r.AddAttributes(kv...)
				ol.Emit(sctx, r)
			}
		})
	}
}

// otlpBenchFields returns n call fields (3 or 8) and the attributes
// otelzap converts them to.
func otlpBenchFields(n int) ([]zap.Field, []attribute.KeyValue) {
	zf := []zap.Field{
		zap.String("order_id", "ord-1234"), zap.Int("items", 3), zap.Duration("took", 1500*time.Microsecond),
		zap.String("customer", "cus-987"), zap.Float64("total", 129.95), zap.Bool("paid", true),
		zap.String("currency", "EUR"), zap.Int64("warehouse", 12),
	}
	kv := []attribute.KeyValue{
		attribute.String("order_id", "ord-1234"), attribute.Int("items", 3), attribute.Int64("took", (1500 * time.Microsecond).Nanoseconds()),
		attribute.String("customer", "cus-987"), attribute.Float64("total", 129.95), attribute.Bool("paid", true),
		attribute.String("currency", "EUR"), attribute.Int64("warehouse", 12),
	}
	return zf[:n], kv[:n]
}

// dropExporter is an OTLP exporter that drops every batch: the cost of a
// record up to the export, without serialization or network.
type dropExporter struct{}

func (dropExporter) Export(context.Context, []sdklog.Record) error { return nil }
func (dropExporter) Shutdown(context.Context) error                { return nil }
func (dropExporter) ForceFlush(context.Context) error              { return nil }
