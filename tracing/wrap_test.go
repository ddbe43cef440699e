package tracing

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
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

// orderWrap records its name when it exports, then forwards.
type orderWrap struct {
	sdktrace.SpanExporter
	name  string
	order *[]string
}

func (w orderWrap) ExportSpans(ctx context.Context, s []sdktrace.ReadOnlySpan) error {
	*w.order = append(*w.order, w.name)
	return w.SpanExporter.ExportSpans(ctx, s)
}

// TestRepeatedHandlersAddUp: WithExporterWrapper, WithDropHandler and
// WithWarningHandler given twice (as otel.Init does after a program's own
// through otel.WithTracingOptions) keep both: wrappers nest, the first
// given innermost, and every handler is called; one that panics does not
// stop the next, nor NewTracerProvider (its panic goes to otel.Handle).
func TestRepeatedHandlersAddUp(t *testing.T) {
	ctx := context.Background()
	mem := tracetest.NewInMemoryExporter()
	var order []string
	wrap := func(name string) Option {
		return WithExporterWrapper(func(e sdktrace.SpanExporter) sdktrace.SpanExporter {
			return orderWrap{SpanExporter: e, name: name, order: &order}
		})
	}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {})) // the panics' reports
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	var drops, warnings [2]int
	tp, err := NewTracerProvider(ctx, WithSpanExporter(mem), wrap("inner"), wrap("outer"),
		WithDropHandler(func(string, int) { drops[0]++; panic("the first handler's bug") }),
		WithDropHandler(func(string, int) { drops[1]++ }),
		WithWarningHandler(func(error) { warnings[0]++; panic("the first warning handler's bug") }),
		WithWarningHandler(func(error) { warnings[1]++ }),
		lookup(map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "4", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "8"}))
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(ctx, "s")
	span.End()
	if err := tp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []string{"outer", "inner"}; !slices.Equal(order, want) || len(mem.GetSpans()) != 1 {
		t.Errorf("exports went through %v and reached %d spans; want %v, 1", order, len(mem.GetSpans()), want)
	}
	_ = tp.Shutdown(ctx)
	_, late := tp.Tracer("t").Start(ctx, "late") // after_shutdown: one drop
	late.End()
	if drops != [2]int{1, 1} {
		t.Errorf("drop handlers called %v times, want [1 1]", drops)
	}
	if warnings != [2]int{1, 1} { // the batch size cut to the queue's
		t.Errorf("warning handlers called %v times, want [1 1]", warnings)
	}
}
