package tracing

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

const invalid = "\xff\xfe"

// hostileSpans ends n ordinary spans and one with invalid UTF-8 in its
// name, attributes (nested too), event, link, status and scope.
func hostileSpans(tp trace.TracerProvider, n int) {
	ctx := context.Background()
	for i := 0; i < n; i++ {
		_, span := tp.Tracer("ok").Start(ctx, "GET /orders/{id}", trace.WithAttributes(attribute.String("url.path", "/orders/1")))
		span.End()
	}
	tracer := tp.Tracer("scope"+invalid, trace.WithInstrumentationVersion(invalid))
	link := trace.Link{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}}),
		Attributes: []attribute.KeyValue{attribute.String("l", invalid)}}
	_, span := tracer.Start(ctx, "GET /orders/"+invalid, trace.WithLinks(link), trace.WithAttributes(
		attribute.String("url.path", "/orders/"+invalid),
		attribute.String("user_agent.original", "agent"+invalid),
		attribute.StringSlice("list", []string{invalid}),
		attribute.KeyValue{Key: "map" + invalid, Value: attribute.MapValue(attribute.String(invalid, invalid))},
	))
	span.AddEvent("event"+invalid, trace.WithAttributes(attribute.String("e", invalid)))
	span.SetStatus(codes.Error, invalid)
	span.End()
}

// TestOTLPExportSurvivesInvalidUTF8: through the real OTLP/HTTP exporter
// to a fake collector, one span with invalid text no longer fails the
// batch it is exported with; the resource may be invalid too.
func TestOTLPExportSurvivesInvalidUTF8(t *testing.T) {
	fake := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{})
	res := resource.NewSchemaless(attribute.String("service.name", "svc"+invalid))
	tp := newTP(t, nil, WithEndpoint(fake.Endpoint), WithProtocol("http/protobuf"), WithResource(res))
	hostileSpans(tp, 10)
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if _, items := fake.Count(fakeotlp.Traces); items != 11 {
		t.Errorf("the collector accepted %d spans, want 11", items)
	}
}

// strictExporter fails a batch with invalid text, as the OTLP exporters do.
type strictExporter struct{ spans []sdktrace.ReadOnlySpan }

func (e *strictExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description, s.InstrumentationScope().Name, s.InstrumentationScope().Version}
		for _, kv := range s.Attributes() {
			texts = append(texts, string(kv.Key), kv.Value.String())
		}
		for _, ev := range s.Events() {
			texts = append(texts, ev.Name)
			for _, kv := range ev.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for _, l := range s.Links() {
			for _, kv := range l.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for _, kv := range s.Resource().Attributes() {
			texts = append(texts, kv.Value.String())
		}
		for _, text := range texts {
			if !utf8.ValidString(text) {
				return errors.New("string field contains invalid UTF-8: " + text)
			}
		}
	}
	e.spans = append(e.spans, spans...)
	return nil
}

func (*strictExporter) Shutdown(context.Context) error { return nil }

// TestUserSpanExporterGetsValidText: an exporter passed with
// WithSpanExporter is guarded like the ones otelkit builds, and sees the
// invalid bytes as U+FFFD.
func TestUserSpanExporterGetsValidText(t *testing.T) {
	exp := &strictExporter{}
	res := resource.NewSchemaless(attribute.String("service.name", "svc"+invalid))
	tp := newTP(t, nil, WithSpanExporter(exp), WithResource(res))
	hostileSpans(tp, 2)
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if len(exp.spans) != 3 {
		t.Fatalf("exporter got %d spans, want 3", len(exp.spans))
	}
	if name := exp.spans[2].Name(); name != "GET /orders/\uFFFD\uFFFD" {
		t.Errorf("name = %q", name)
	}
}
