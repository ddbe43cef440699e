package logprovider

import (
	"context"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/noop"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/otlpconf"
)

// BenchmarkEmitNone compares the bridge's path (Enabled, then Emit) on the
// provider NewLoggerProvider returns for "none" with the OpenTelemetry
// no-op logger.
func BenchmarkEmitNone(b *testing.B) {
	p, err := NewLoggerProvider(context.Background(), lookup(nil), WithOTLPOverrides(otlpconf.Overrides{Exporter: "none"}))
	if err != nil {
		b.Fatal(err)
	}
	lp := p.LoggerProvider()
	defer func() { _ = lp.Shutdown(context.Background()) }()
	ctx := context.Background()
	run := func(b *testing.B, l otellog.Logger) {
		b.ReportAllocs()
		for b.Loop() {
			if l.Enabled(ctx, otellog.EnabledParameters{Severity: otellog.SeverityInfo}) {
				var rec otellog.Record
				rec.SetBody(attribute.StringValue("m"))
				l.Emit(ctx, rec)
			}
		}
	}
	b.Run("baseline_noop", func(b *testing.B) { run(b, noop.NewLoggerProvider().Logger("b")) })
	b.Run("provider_none", func(b *testing.B) { run(b, lp.Logger("b")) })
}

// BenchmarkEmit compares the bridge's path (Enabled, then Emit) on the
// logger Provider.Logger gives, which counts the records emitted after
// Shutdown (aftershutdown.go), with the SDK provider's own logger (what the
// bridge used before), in the same run: with the logger obtained once
// (Logger's own core) and per line (a named zap logger's), serially and
// from all CPUs. Both go through otelkit's batch processor to an exporter
// that keeps nothing, exporting only full batches (no timer wakes the
// worker during a run), so that the difference is not lost in its noise.
func BenchmarkEmit(b *testing.B) {
	p, err := NewLoggerProvider(context.Background(), lookup(map[string]string{"OTEL_BLRP_SCHEDULE_DELAY": "3600000"}),
		WithOTLPOverrides(otlpconf.Overrides{Exporter: "console", Console: &syncBuffer{}}),
		WithExporterWrapper(func(sdklog.Exporter) sdklog.Exporter { return discardExporter{} }))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	impls := []struct {
		name string
		lp   otellog.LoggerProvider
	}{{"sdk", p.LoggerProvider()}, {"otelkit", p}}
	emit := func(ctx context.Context, l otellog.Logger) {
		if l.Enabled(ctx, otellog.EnabledParameters{Severity: otellog.SeverityInfo}) {
			var rec otellog.Record
			rec.SetBody(attribute.StringValue("order_loaded"))
			rec.SetSeverity(otellog.SeverityInfo)
			rec.AddAttributes(attribute.String("order_id", "ord-1234"), attribute.Int("items", 3))
			l.Emit(ctx, rec)
		}
	}
	for _, impl := range impls {
		b.Run("logger_once/"+impl.name, func(b *testing.B) {
			l, ctx := impl.lp.Logger("bench"), context.Background()
			b.ReportAllocs()
			for b.Loop() {
				emit(ctx, l)
			}
		})
		b.Run("logger_per_line/"+impl.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				emit(ctx, impl.lp.Logger("bench"))
			}
		})
		b.Run("parallel/"+impl.name, func(b *testing.B) {
			l := impl.lp.Logger("bench")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					emit(ctx, l)
				}
			})
		})
	}
}

// discardExporter accepts every batch and keeps nothing.
type discardExporter struct{}

func (discardExporter) Export(context.Context, []sdklog.Record) error { return nil }
func (discardExporter) ForceFlush(context.Context) error              { return nil }
func (discardExporter) Shutdown(context.Context) error                { return nil }

// BenchmarkBatchLogProcessor compares otelkit's batch log processor with
// the SDK's (the baseline a user would otherwise get), in the same run: a
// record with 3 attributes (kept inline in the record, the clone copies
// no slice) and with 8 (the clone copies the overflow), serially and from
// all CPUs.
func BenchmarkBatchLogProcessor(b *testing.B) {
	procs := []struct {
		name string
		new  func() sdklog.Processor
	}{
		{"sdk", func() sdklog.Processor { return sdklog.NewBatchProcessor(discardExporter{}) }},
		{"otelkit", func() sdklog.Processor {
			c := batchDefaults
			c.OnDrop = []func(string, int){func(string, int) {}}
			return newLogProcessor(discardExporter{}, c)
		}},
	}
	for _, attrs := range []int{3, 8} {
		rec := benchRecord(b, attrs)
		for _, p := range procs {
			name := p.name + "/attrs=" + strconv.Itoa(attrs)
			b.Run("on_emit/"+name, func(b *testing.B) {
				proc := p.new()
				defer func() { _ = proc.Shutdown(context.Background()) }()
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					_ = proc.OnEmit(ctx, &rec)
				}
			})
			b.Run("on_emit_parallel/"+name, func(b *testing.B) {
				proc := p.new()
				defer func() { _ = proc.Shutdown(context.Background()) }()
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					r := rec.Clone()
					for pb.Next() {
						_ = proc.OnEmit(ctx, &r)
					}
				})
			})
		}
	}
}

// benchRecord returns an SDK record with n attributes, as a logger built
// with the SDK hands it to processors.
func benchRecord(b *testing.B, n int) sdklog.Record {
	b.Helper()
	var got sdklog.Record
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(captureProcessor{&got}))
	defer func() { _ = lp.Shutdown(context.Background()) }()
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("order_loaded"))
	for i := range n {
		rec.AddAttributes(attribute.Int("k"+strconv.Itoa(i), i))
	}
	lp.Logger("bench").Emit(context.Background(), rec)
	return got
}

type captureProcessor struct{ r *sdklog.Record }

func (c captureProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	*c.r = r.Clone()
	return nil
}
func (captureProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (captureProcessor) Shutdown(context.Context) error                         { return nil }
func (captureProcessor) ForceFlush(context.Context) error                       { return nil }
