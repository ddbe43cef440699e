package sanitize

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/redact"
)

// spanSink keeps what it is given and fails, like the OTLP exporter, on
// invalid text.
type spanSink struct {
	mu    sync.Mutex
	got   [][]sdktrace.ReadOnlySpan
	calls int
}

func (s *spanSink) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.got = append(s.got, spans)
	for _, sp := range spans {
		if err := checkSpan(sp); err != nil {
			return err
		}
	}
	return nil
}

func (*spanSink) Shutdown(context.Context) error { return nil }

func checkSpan(s sdktrace.ReadOnlySpan) error {
	errs := []error{
		checkString("name", s.Name()),
		checkKVs(s.Attributes()),
		checkString("status", s.Status().Description),
		checkScope(s.InstrumentationScope()),
		//lint:ignore SA1019 exporters may still call the deprecated name: it must be clean too
		checkScope(s.InstrumentationLibrary()),
		checkResource(s.Resource()),
	}
	for _, e := range s.Events() {
		errs = append(errs, checkString("event name", e.Name), checkKVs(e.Attributes))
	}
	for _, l := range s.Links() {
		errs = append(errs, checkKVs(l.Attributes))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("span %q: %w", s.Name(), err)
	}
	return nil
}

// recordSpans returns the spans ended by run on a real SDK provider with
// the given resource.
func recordSpans(t *testing.T, res *resource.Resource, run func(trace.TracerProvider)) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := &spanRecorder{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSpanProcessor(rec))
	run(tp)
	_ = tp.Shutdown(context.Background())
	return rec.spans
}

// hostileSpans returns a span with invalid text in every field a span
// exporter reads, then a valid span from another provider.
func hostileSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	res := resource.NewWithAttributes("", attribute.String("service.name", bad), attribute.String("host.name", "ok"))
	spans := recordSpans(t, res, func(tp trace.TracerProvider) { hostileSpan(tp) })
	valid := recordSpans(t, resource.NewSchemaless(attribute.String("service.name", "ok")), func(tp trace.TracerProvider) {
		_, span := tp.Tracer("ok").Start(context.Background(), "valid", trace.WithAttributes(attribute.String("a", "ü")))
		span.AddEvent("e")
		span.End()
	})
	return append(spans, valid...)
}

func hostileSpan(tp trace.TracerProvider) {
	tracer := tp.Tracer(bad, trace.WithInstrumentationVersion(bad), trace.WithSchemaURL(bad),
		trace.WithInstrumentationAttributes(attribute.String("scope."+bad, bad)))
	linked := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
	_, span := tracer.Start(context.Background(), "GET /orders/"+bad,
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("link", bad)}}))
	span.SetAttributes(
		attribute.String("url.path", "/orders/"+bad),
		attribute.String("user_agent."+bad, "ok"),
		attribute.StringSlice("x.list", []string{"ok", bad}),
		attribute.KeyValue{Key: "x.map", Value: attribute.MapValue(attribute.String(bad, bad),
			attribute.KeyValue{Key: "deep", Value: attribute.SliceValue(attribute.StringValue(bad))})},
		attribute.Int("n", 1),
	)
	span.AddEvent("event "+bad, trace.WithAttributes(attribute.String("e", bad)))
	span.RecordError(errors.New("boom " + bad))
	span.SetStatus(codes.Error, "failed: "+bad)
	span.End()
}

type spanRecorder struct{ spans []sdktrace.ReadOnlySpan }

func (r *spanRecorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (r *spanRecorder) OnEnd(s sdktrace.ReadOnlySpan)                   { r.spans = append(r.spans, s) }
func (r *spanRecorder) Shutdown(context.Context) error                  { return nil }
func (r *spanRecorder) ForceFlush(context.Context) error                { return nil }

func TestSpanExporterCleansEveryField(t *testing.T) {
	spans := hostileSpans(t)
	if err := checkSpan(spans[0]); err == nil {
		t.Fatal("the hostile span is valid: the test proves nothing")
	}
	sink := &spanSink{}
	if err := SpanExporter(sink, redact.Keys()).ExportSpans(context.Background(), spans); err != nil {
		t.Fatalf("export failed: %v", err)
	}
	out := sink.got[0]
	if len(out) != 2 {
		t.Fatalf("%d spans exported, want 2", len(out))
	}
	s := out[0]
	if s.Name() != "GET /orders/"+good {
		t.Errorf("name = %q", s.Name())
	}
	want := map[attribute.Key]string{
		"url.path":           "/orders/" + good,
		"user_agent." + good: "ok",
		"x.list":             `["ok","` + good + `"]`,
		"n":                  "1",
	}
	for _, kv := range s.Attributes() {
		if w, ok := want[kv.Key]; ok && kv.Value.String() != w {
			t.Errorf("%s = %s, want %s", kv.Key, kv.Value.String(), w)
		}
		delete(want, kv.Key)
	}
	delete(want, "x.map")
	if len(want) != 0 {
		t.Errorf("attributes missing: %v", want)
	}
	if s.Status().Description != "failed: "+good || s.Status().Code != codes.Error {
		t.Errorf("status = %+v", s.Status())
	}
	if len(s.Events()) != 2 || s.Events()[0].Name != "event "+good {
		t.Errorf("events = %+v", s.Events())
	}
	if sc := s.InstrumentationScope(); sc.Name != good || sc.Version != good || sc.SchemaURL != good {
		t.Errorf("scope = %+v", sc)
	}
	if v, _ := s.Resource().Set().Value("service.name"); v.AsString() != good {
		t.Errorf("resource service.name = %q", v.AsString())
	}
	// What the wrapper does not change comes through.
	if !s.SpanContext().Equal(spans[0].SpanContext()) || s.EndTime() != spans[0].EndTime() ||
		len(s.Links()) != 1 || !s.Links()[0].SpanContext.Equal(spans[0].Links()[0].SpanContext) {
		t.Error("IDs, times or links changed")
	}
	// The valid span is passed on as it was; the input is untouched.
	if out[1] != spans[1] {
		t.Error("the valid span was replaced")
	}
	if spans[0].Name() != "GET /orders/"+bad {
		t.Error("the original span changed")
	}
}

func TestSpanExporterPassesValidBatchAsIs(t *testing.T) {
	spans := hostileSpans(t)[1:]
	sink := &spanSink{}
	if err := SpanExporter(sink, redact.Keys()).ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	if &sink.got[0][0] != &spans[0] {
		t.Error("a valid batch was copied")
	}
	if SpanExporter(nil, redact.Keys()) != nil {
		t.Error("SpanExporter(nil, …) is not nil")
	}
}
