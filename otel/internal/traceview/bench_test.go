package traceview

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// BenchmarkSpan: what keeping a span in the viewer adds to starting and
// ending it, against the same provider without the viewer, in one run.
func BenchmarkSpan(b *testing.B) {
	attrs := trace.WithAttributes(attribute.String("http.route", "/orders/{id}"), attribute.Int("http.response.status_code", 200),
		attribute.String("request.id", "01JABCDEFGHJKMNPQRSTVWXYZ0"))
	for _, bc := range []struct {
		name string
		opts []sdktrace.TracerProviderOption
	}{
		{"sdk_only", nil},
		{"with_viewer", []sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(New(Config{}).SpanProcessor())}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tp := sdktrace.NewTracerProvider(bc.opts...)
			defer func() { _ = tp.Shutdown(context.Background()) }()
			tr := tp.Tracer("bench")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A trace each: the store evicts as it would under load.
				_, sp := tr.Start(context.Background(), "GET /orders/{id}", attrs)
				sp.End()
			}
		})
	}
}

// nopProcessor is the least a logger provider can run: the baseline.
type nopProcessor struct{}

func (nopProcessor) OnEmit(context.Context, *sdklog.Record) error           { return nil }
func (nopProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (nopProcessor) Shutdown(context.Context) error                         { return nil }
func (nopProcessor) ForceFlush(context.Context) error                       { return nil }

// BenchmarkLogRecord: what keeping a log record in the viewer adds to
// emitting it, against a provider whose processor does nothing.
func BenchmarkLogRecord(b *testing.B) {
	// A trace each 4 records: the store evicts as it would under load.
	ctxs := make([]context.Context, 1024)
	for i := range ctxs {
		ctxs[i] = trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{1, byte(i >> 8), byte(i)}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled}))
	}
	for _, bc := range []struct {
		name string
		p    sdklog.Processor
	}{{"sdk_nop_processor", nopProcessor{}}, {"with_viewer", New(Config{}).LogProcessor()}} {
		b.Run(bc.name, func(b *testing.B) {
			lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(bc.p))
			defer func() { _ = lp.Shutdown(context.Background()) }()
			l := lp.Logger("bench")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var r otellog.Record
				r.SetTimestamp(time.Now())
				r.SetSeverity(otellog.SeverityInfo)
				r.SetBody(attribute.StringValue("order_loaded"))
				r.AddAttributes(attribute.String("request_id", "01JABCDEFGHJKMNPQRSTVWXYZ0"), attribute.String("order_id", "42"), attribute.Int("items", 2))
				l.Emit(ctxs[i/4%len(ctxs)], r)
			}
		})
	}
}
