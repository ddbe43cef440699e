package tracing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/otlpconf"
)

// spanBatchRecorder keeps the names of the spans of each export it gets;
// the first failFirst exports fail.
type spanBatchRecorder struct {
	exports   [][]string
	sizes     []int
	failFirst int
}

func (e *spanBatchRecorder) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	var names []string
	size := 0
	for i := range spans {
		names = append(names, spans[i].Name())
		size += spanSize(&spans[i])
	}
	e.exports, e.sizes = append(e.exports, names), append(e.sizes, size)
	if len(e.exports) <= e.failFirst {
		return errors.New("refused")
	}
	return nil
}

func (*spanBatchRecorder) Shutdown(context.Context) error { return nil }

// TestSizeBoundedSplitsAndDropsOnlyTheHugeSpan: a batch whose spans
// together exceed the limit goes in several exports under it, in order;
// a span over the limit alone (by one event's attribute) is not exported
// but counted as too_large, and its neighbours go; an export that fails
// does not stop the others. Exported whole, the collector refused the
// batch and every span in it was lost.
func TestSizeBoundedSplitsAndDropsOnlyTheHugeSpan(t *testing.T) {
	const limit = 1000
	var want []string
	var spans []sdktrace.ReadOnlySpan
	add := func(stub tracetest.SpanStub, fits bool) {
		spans = append(spans, stub.Snapshot())
		if fits {
			want = append(want, stub.Name)
		}
	}
	for i := range 6 {
		add(tracetest.SpanStub{Name: string(rune('a' + i)), Attributes: []attribute.KeyValue{
			attribute.String("db.statement", strings.Repeat(".", 300))}}, true)
	}
	add(tracetest.SpanStub{Name: "huge", Events: []sdktrace.Event{{Name: "exception", Attributes: []attribute.KeyValue{
		attribute.String("exception.stacktrace", strings.Repeat(".", 5000))}}}}, false)
	for i := range 4 {
		add(tracetest.SpanStub{Name: string(rune('p' + i))}, true)
	}
	rec := &spanBatchRecorder{failFirst: 1}
	drops := map[string]int{}
	exp := sizeBounded(rec, limit, func(reason string, n int) { drops[reason] += n })

	err := exp.ExportSpans(context.Background(), spans)

	var got []string
	for i, names := range rec.exports {
		if rec.sizes[i] > limit {
			t.Errorf("export %d: %d bytes estimated, over the limit %d", i, rec.sizes[i], limit)
		}
		got = append(got, names...)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("exported %q, want %q: all but the huge span, in order", got, want)
	}
	if len(rec.exports) < 3 || drops[exportsize.TooLarge] != 1 || len(drops) != 1 {
		t.Errorf("%d exports, drops %v; want several and one too_large", len(rec.exports), drops)
	}
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %v, want the failed export's", err)
	}
}

// TestSizeBoundedOneExportUnderTheLimit: a batch under the limit is one
// export of the same spans.
func TestSizeBoundedOneExportUnderTheLimit(t *testing.T) {
	spans := []sdktrace.ReadOnlySpan{tracetest.SpanStub{Name: "a"}.Snapshot(), tracetest.SpanStub{Name: "b"}.Snapshot()}
	rec := &spanBatchRecorder{}
	limit := exportsize.Limit(otlpconf.Resolved{Exporter: otlpconf.ExporterOTLP, Protocol: otlpconf.ProtocolGRPC})
	exp := sizeBounded(rec, limit, func(string, int) { t.Error("dropped") })
	if err := exp.ExportSpans(context.Background(), spans); err != nil || len(rec.exports) != 1 || len(rec.exports[0]) != 2 {
		t.Errorf("err %v, exports %v", err, rec.exports)
	}
}

// TestSpanSizeCountsEverything: the estimate grows with every text of a
// span (name, attributes, events and links with theirs, status, trace
// states, scope), never below the text it holds.
func TestSpanSizeCountsEverything(t *testing.T) {
	const size = 1 << 12
	big := strings.Repeat("x", size)
	ts, err := trace.ParseTraceState("k=" + strings.Repeat("v", 200))
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceState: ts})
	stub := tracetest.SpanStub{
		Name:        big,
		SpanContext: sc,
		Attributes:  []attribute.KeyValue{attribute.String("a", big)},
		Events:      []sdktrace.Event{{Name: big, Attributes: []attribute.KeyValue{attribute.StringSlice("e", []string{big})}}},
		Links: []sdktrace.Link{{SpanContext: sc, Attributes: []attribute.KeyValue{
			attribute.Slice("l", attribute.StringValue(big))}}},
		Status:               sdktrace.Status{Code: codes.Error, Description: big},
		InstrumentationScope: instrumentation.Scope{Name: big, Attributes: attribute.NewSet(attribute.String("s", big))},
	}
	const texts, states = 8, 2
	span := stub.Snapshot()
	if n := spanSize(&span); n < texts*size+states*200 || n > texts*size+states*200+1000 {
		t.Errorf("estimate %d for %d texts of %d bytes and %d trace states of 200", n, texts, size, states)
	}
}

// BenchmarkSizeBoundedExport shows what the size bound costs an export of
// 512 typical server spans (10 attributes, an event with 2) that needs no
// split, next to the same export unbounded; the estimate runs on the
// batch processor's goroutine.
func BenchmarkSizeBoundedExport(b *testing.B) {
	spans := make([]sdktrace.ReadOnlySpan, 512)
	for i := range spans {
		spans[i] = tracetest.SpanStub{
			Name: "GET /orders/{id}",
			Attributes: []attribute.KeyValue{
				attribute.String("http.request.method", "GET"), attribute.String("url.path", "/orders/1234"),
				attribute.String("http.route", "/orders/{id}"), attribute.Int("http.response.status_code", 200),
				attribute.String("server.address", "checkout.internal"), attribute.Int("server.port", 8080),
				attribute.String("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)"),
				attribute.String("client.address", "10.0.0.12"), attribute.String("network.protocol.version", "1.1"),
				attribute.String("request_id", "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"),
			},
			Events: []sdktrace.Event{{Name: "order_loaded", Attributes: []attribute.KeyValue{
				attribute.String("order_id", "ord-1234"), attribute.Int("items", i)}}},
			InstrumentationScope: instrumentation.Scope{Name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", Version: "0.64.0"},
		}.Snapshot()
	}
	limit := exportsize.Limit(otlpconf.Resolved{Exporter: otlpconf.ExporterOTLP, Protocol: otlpconf.ProtocolGRPC})
	for _, c := range []struct {
		name string
		exp  sdktrace.SpanExporter
	}{
		{"bounded", sizeBounded(nopSpanExporter{}, limit, func(string, int) {})},
		{"unbounded", nopSpanExporter{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.exp.ExportSpans(context.Background(), spans)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
		})
	}
}

type nopSpanExporter struct{}

func (nopSpanExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (nopSpanExporter) Shutdown(context.Context) error                             { return nil }
