package traceview

import (
	"context"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// SpanProcessor returns an sdktrace.SpanProcessor that keeps every ended
// span in s. It works beside any exporter, or none.
func (s *Store) SpanProcessor() sdktrace.SpanProcessor { return spanProcessor{s} }

type spanProcessor struct{ s *Store }

var _ sdktrace.SpanProcessor = spanProcessor{}

func (spanProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (p spanProcessor) OnEnd(sp sdktrace.ReadOnlySpan) {
	sc := sp.SpanContext()
	if !sc.IsValid() {
		return
	}
	r, reqID := newSpanRecord(sp, p.s.keys)
	p.s.addSpan(sc.TraceID(), r, reqID)
}

func (spanProcessor) Shutdown(context.Context) error   { return nil }
func (spanProcessor) ForceFlush(context.Context) error { return nil }

// LogProcessor returns an sdklog.Processor that keeps in s every log
// record that carries a trace ID (records without one are not about a
// trace and are left alone).
func (s *Store) LogProcessor() sdklog.Processor { return logProcessor{s} }

type logProcessor struct{ s *Store }

var _ sdklog.Processor = logProcessor{}

func (p logProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	if !r.TraceID().IsValid() {
		return nil
	}
	l, reqID := newLogRecord(r, p.s.keys)
	p.s.addLog(r.TraceID(), l, reqID)
	return nil
}

func (logProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (logProcessor) Shutdown(context.Context) error                         { return nil }
func (logProcessor) ForceFlush(context.Context) error                       { return nil }
