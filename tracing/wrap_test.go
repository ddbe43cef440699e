package tracing

import (
	"context"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

type countingWrap struct {
	sdktrace.SpanExporter
	n *int
}

func (c countingWrap) ExportSpans(ctx context.Context, s []sdktrace.ReadOnlySpan) error {
	*c.n += len(s)
	return c.SpanExporter.ExportSpans(ctx, s)
}

func TestExporterWrapper(t *testing.T) {
	ctx := context.Background()
	mem := tracetest.NewInMemoryExporter()
	var wrapped, exported int
	tp, err := NewTracerProvider(ctx, WithSpanExporter(mem), WithExporterWrapper(func(e sdktrace.SpanExporter) sdktrace.SpanExporter {
		wrapped++
		return countingWrap{SpanExporter: e, n: &exported}
	}))
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.TracerProvider().Tracer("t").Start(ctx, "s")
	span.End()
	if err := tp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if wrapped != 1 || exported != 1 || len(mem.GetSpans()) != 1 {
		t.Errorf("wrapped %d, counted %d, exported %d; want 1 each", wrapped, exported, len(mem.GetSpans()))
	}
	_ = tp.Shutdown(ctx)

	// "none": nothing to wrap.
	called := false
	tp, err = NewTracerProvider(ctx, WithExporter("none"), WithExporterWrapper(func(e sdktrace.SpanExporter) sdktrace.SpanExporter {
		called = true
		return e
	}))
	if err != nil || called {
		t.Errorf("none: err %v, wrapper called %v", err, called)
	}
	_ = tp.Shutdown(ctx)

	// A wrapper that loses the exporter is an error.
	_, err = NewTracerProvider(ctx, WithSpanExporter(mem), WithExporterWrapper(func(sdktrace.SpanExporter) sdktrace.SpanExporter { return nil }))
	if err == nil || !strings.Contains(err.Error(), "WithExporterWrapper") {
		t.Errorf("nil wrapper result: err = %v", err)
	}
}
