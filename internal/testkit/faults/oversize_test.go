package faults

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/otel"
)

// TestOversizedResponseBounded: a collector answering every export with a
// 256 MiB body. The exporters stop reading at their limit (4 MiB, OTLP/HTTP)
// and report an error: the bytes allocated while flushing all three
// signals stay far below what the collector sent.
func TestOversizedResponseBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	const size = 1 << 30
	c, ep := fakeFor(t, protoHTTP, fakeotlp.Behaviour{Oversize: size})
	tel := initWith(t, ep, protoHTTP, 5*time.Second)
	emit(tel, 10)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := tel.ForceFlush(ctx)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	requests, _ := c.Count("")
	record(t, "Memory", "oversized answers (%d MiB each, OTLP/HTTP): %d exports flushed in %v, %.1f MiB allocated in all, error: %.100q",
		size>>20, requests, took.Round(time.Millisecond), mib(allocated), errString(err))
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("ForceFlush error %v, want a response-too-large error", err)
	}
	if requests < 3 {
		t.Errorf("%d exports reached the collector, want one per signal", requests)
	}
	// Reading even one answer whole would allocate 1 GiB; the three
	// bounded reads allocate about 50 MiB (100 MiB under -race) (buffers growing to 4 MiB).
	if allocated > size/2 {
		t.Errorf("%.1f MiB allocated while the collector sent %d MiB per answer: the response is not bounded", mib(allocated), size>>20)
	}
}

// protocolCase is one OTLP protocol of overProtocols: its endpoint on the
// collector, and whether the collector refuses a message over 4 MiB
// (gRPC; over HTTP it takes 20 MiB).
type protocolCase struct {
	protocol, endpoint string
	hugeLost           bool
}

// overProtocols runs f as a subtest per OTLP protocol against one real
// collector (skipped in -short).
func overProtocols(t *testing.T, f func(t *testing.T, col *collector.Collector, tc protocolCase)) {
	t.Helper()
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	col := collector.Start(t)
	for _, tc := range []protocolCase{
		{protocol: protoGRPC, endpoint: "http://" + col.GRPCEndpoint(), hugeLost: true},
		{protocol: protoHTTP, endpoint: col.HTTPEndpoint()},
	} {
		t.Run(tc.protocol, func(t *testing.T) { f(t, col, tc) })
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestHugeLogRecordCostsOnlyItself: the real collector, a batch of 100
// small log lines, 400 lines with a 16 000-byte field (6.5 MB in all) and
// one line whose message is 5 MiB. Over gRPC the collector refuses a
// message over 4 MiB, and refused the whole batch (500 records, counted
// export_failed); now the batch goes in exports under 3 MiB and only the
// 5 MiB record is lost, counted too_large and reported in a
// telemetry_dropped line. Over HTTP (the collector takes 20 MiB) every
// record arrives, the huge one too.
func TestHugeLogRecordCostsOnlyItself(t *testing.T) {
	overProtocols(t, func(t *testing.T, col *collector.Collector, tc protocolCase) {
		ep := tc.endpoint
		t.Setenv("OTEL_BLRP_EXPORT_TIMEOUT", "10000")
		out := &lineBuffer{}
		tel := initWith(t, ep, tc.protocol, 5*time.Second, otel.WithMetricsExporter("none"),
			otel.WithTracesExporter("none"), otel.WithLogOutput(out))
		l, tag := tel.Logger(), strings.ReplaceAll(tc.protocol, "/", "_")
		field := strings.Repeat("x", 16000)
		for i := range 100 {
			l.Info("small_"+tag, zap.Int("i", i))
		}
		l.Info("huge_" + tag + strings.Repeat("x", 5<<20))
		for range 400 {
			l.Info("large_"+tag, zap.String("dump", field))
		}
		health, wantHuge, wantDropped := flushAndCount(t, tel, tc, out, "logs", "records",
			func() (int, int, int) { return countBodies(t, col, tag) })
		// The telemetry_dropped line is a log record too: it is counted
		// as exported once its own export ran, which may be before this
		// read or after it.
		own := int64(len(out.lines("telemetry_dropped")))
		want := int64(500 + wantHuge)
		if !reflect.DeepEqual(health.Dropped, wantDropped) || health.Exported < want || health.Exported > want+own {
			t.Errorf("health: exported %d, dropped %v; want %d (+ up to %d telemetry_dropped records), %v",
				health.Exported, health.Dropped, want, own, wantDropped)
		}
	})
}

// flushAndCount flushes tel and waits for the collector to hold the 100
// small and 400 large items count finds, and the huge one unless
// tc.hugeLost; it checks that they arrived and that a huge item lost was
// reported in a telemetry_dropped line (noun names the items). It returns
// the health of signal, the huge items wanted and the drops health must
// show.
func flushAndCount(t *testing.T, tel *otel.Telemetry, tc protocolCase, out *lineBuffer, signal, noun string,
	count func() (small, large, huge int)) (health otel.ExportStatus, wantHuge int, wantDropped map[string]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tel.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush: %v", err)
	}
	wantHuge = 1
	if tc.hugeLost {
		wantHuge = 0
	}
	var small, large, huge int
	waitFor(10*time.Second, func() bool {
		small, large, huge = count()
		return small == 100 && large == 400 && huge == wantHuge
	})
	health = tel.Health().Export[signal]
	t.Logf("%s: %d/100 small, %d/400 large, %d huge delivered; health %+v", tc.protocol, small, large, huge, health)
	if small != 100 || large != 400 || huge != wantHuge {
		t.Errorf("delivered %d/100 small, %d/400 large and %d huge %s, want %d", small, large, huge, noun, wantHuge)
	}
	if tc.hugeLost {
		wantDropped = map[string]int64{otel.DropTooLarge: 1}
		if len(out.lines(`"too_large":1`)) == 0 {
			t.Errorf("no telemetry_dropped line for the huge item: %q", out.lines("telemetry_dropped"))
		}
	}
	return health, wantHuge, wantDropped
}

// countBodies counts the log records the collector holds whose body is
// small_, large_ or starts with huge_, followed by tag.
func countBodies(t *testing.T, col *collector.Collector, tag string) (small, large, huge int) {
	t.Helper()
	ls, err := col.Logs()
	if err != nil {
		t.Fatalf("read logs: %v", err)
	}
	for _, r := range ls {
		b, _ := r.Body.(string)
		switch {
		case b == "small_"+tag:
			small++
		case b == "large_"+tag:
			large++
		case strings.HasPrefix(b, "huge_"+tag):
			huge++
		}
	}
	return small, large, huge
}

// TestLargeSpansCostOnlyThemselves: the real collector, a batch of 100
// small spans, 400 spans of 16 000 bytes within otelkit's default span
// limits (a 4000-byte db.statement and an exception event with three
// 4000-byte attributes: 6.4 MB in all) and one span of 5 MB (128
// exception events of ten 4000-byte attributes each, within the limits
// too). Over gRPC the collector refuses a message over 4 MiB, and refused
// the whole batch (501 spans, counted export_failed); now the batch goes
// in exports under 3 MiB and only the 5 MB span is lost, counted
// too_large and reported in a telemetry_dropped line. Over HTTP (the
// collector takes 20 MiB) every span arrives, the huge one too.
func TestLargeSpansCostOnlyThemselves(t *testing.T) {
	overProtocols(t, func(t *testing.T, col *collector.Collector, tc protocolCase) {
		ep := tc.endpoint
		t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "10000")
		out := &lineBuffer{}
		tel := initWith(t, ep, tc.protocol, 5*time.Second, otel.WithMetricsExporter("none"),
			otel.WithLogsExporter("none"), otel.WithLogOutput(out))
		tag := strings.ReplaceAll(tc.protocol, "/", "_")
		emitLargeSpans(tel.TracerProvider().Tracer("faults"), tag)
		health, wantHuge, wantDropped := flushAndCount(t, tel, tc, out, "traces", "spans",
			func() (int, int, int) { return countSpans(t, col, tag) })
		if !reflect.DeepEqual(health.Dropped, wantDropped) || health.Exported != int64(500+wantHuge) {
			t.Errorf("health: exported %d, dropped %v; want %d, %v", health.Exported, health.Dropped, 500+wantHuge, wantDropped)
		}
	})
}

// TestLargeJSONSpansCostNothing: the real collector over OTLP/HTTP with
// JSON, 60 spans of 120 attributes of 4000 bytes each (within the default
// limits; 29 MB as JSON). The collector refuses an HTTP body over 20 MiB,
// and refused the whole batch (60 spans, counted export_failed); now the
// batch goes in exports whose estimate stays under a sixth of 16 MiB
// (JSON writes a span in up to six times its protobuf bytes), and every
// span arrives.
func TestLargeJSONSpansCostNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	testLargeJSONSpans(t, 60, strings.Repeat("j", 4000))
}

// TestLargeEscapedJSONSpansCostNothing: as TestLargeJSONSpansCostNothing,
// with 10 spans whose attributes are "<" (a comparison in a database
// statement): encoding/json writes each as \u003c, six bytes for one, so
// the 4.8 MB of text went in one export of 29 MB, refused whole under a
// bound of a third of 16 MiB.
func TestLargeEscapedJSONSpansCostNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("fault suite: skipped in -short")
	}
	testLargeJSONSpans(t, 10, strings.Repeat("<", 4000))
}

// testLargeJSONSpans ends n spans of 120 attributes of value over
// OTLP/HTTP with JSON to the real collector and checks that every one
// arrives and is counted exported.
func testLargeJSONSpans(t *testing.T, n int, value string) {
	col := collector.Start(t)
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "20000")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")
	tel := initTel(t, discard{}, otel.WithoutGlobals(), otel.WithServiceName("faults"),
		otel.WithOTLPEndpoint(col.HTTPEndpoint()), otel.WithOTLPTimeout(15*time.Second),
		otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"))
	if p := tel.Health().Config["traces"].Protocol; p != "http/json" {
		t.Fatalf("traces protocol %q, want http/json", p)
	}
	tracer := tel.TracerProvider().Tracer("faults")
	attrs := make([]attribute.KeyValue, 120)
	for i := range attrs {
		attrs[i] = attribute.String(fmt.Sprintf("payload.%03d", i), value)
	}
	for range n {
		_, span := tracer.Start(context.Background(), "json_big", trace.WithAttributes(attrs...))
		span.End()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tel.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush: %v", err)
	}
	got := 0
	waitFor(10*time.Second, func() bool {
		ss, err := col.Spans()
		if err != nil {
			t.Fatalf("read spans: %v", err)
		}
		got = 0
		for _, s := range ss {
			if s.Name == "json_big" {
				got++
			}
		}
		return got == n
	})
	health := tel.Health().Export["traces"]
	if got != n || health.Exported != int64(n) || health.Failed != 0 {
		t.Errorf("delivered %d of %d spans; health exported %d, dropped %v", got, n, health.Exported, health.Dropped)
	}
}

// emitLargeSpans ends 100 spans small_tag, one huge_tag and 400 large_tag
// (see TestLargeSpansCostOnlyThemselves), every value within the default
// limits (4096 characters, 128 events of 128 attributes).
func emitLargeSpans(tracer trace.Tracer, tag string) {
	value := strings.Repeat("x", 4000)
	exception := func(n int) trace.EventOption {
		attrs := []attribute.KeyValue{attribute.String("exception.type", "*errors.errorString")}
		for i := range n {
			attrs = append(attrs, attribute.String("exception.detail."+strconv.Itoa(i), value))
		}
		return trace.WithAttributes(attrs...)
	}
	ctx := context.Background()
	for range 100 {
		_, span := tracer.Start(ctx, "small_"+tag)
		span.End()
	}
	_, span := tracer.Start(ctx, "huge_"+tag)
	for range 128 {
		span.AddEvent("exception", exception(10))
	}
	span.End()
	for range 400 {
		_, span := tracer.Start(ctx, "large_"+tag, trace.WithAttributes(attribute.String("db.statement", value)))
		span.AddEvent("exception", exception(3))
		span.End()
	}
}

// countSpans counts the spans named small_, large_ and huge_ followed by
// tag that the collector holds.
func countSpans(t *testing.T, col *collector.Collector, tag string) (small, large, huge int) {
	t.Helper()
	ss, err := col.Spans()
	if err != nil {
		t.Fatalf("read spans: %v", err)
	}
	for _, s := range ss {
		switch s.Name {
		case "small_" + tag:
			small++
		case "large_" + tag:
			large++
		case "huge_" + tag:
			huge++
		}
	}
	return small, large, huge
}

// TestManySeriesCostNothing: the real collector, three histograms of 2000
// attribute sets each (the default cardinality limit), every point with an
// exemplar (4.7 MB over gRPC), and one histogram whose single point has a
// 5 MiB attribute value. Over gRPC the collector refuses a message over
// 4 MiB, and refused the whole export at every interval (6001 data points
// counted export_failed, or unsent while cumulative); now the export goes
// in parts under 3 MiB and only the huge point is lost, counted too_large
// and reported in a telemetry_dropped line. Over HTTP (the collector takes
// 20 MiB) every point arrives, the huge one too.
func TestManySeriesCostNothing(t *testing.T) {
	overProtocols(t, func(t *testing.T, col *collector.Collector, tc protocolCase) {
		ep := tc.endpoint
		out := &lineBuffer{}
		tel := initWith(t, ep, tc.protocol, 10*time.Second, otel.WithTracesExporter("none"),
			otel.WithLogsExporter("none"), otel.WithLogOutput(out))
		tag := strings.ReplaceAll(tc.protocol, "/", "_")
		recordManySeries(t, tel.MeterProvider().Meter("faults"), tag)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := tel.ForceFlush(ctx); err != nil {
			t.Errorf("ForceFlush: %v", err)
		}
		wantHuge := 1
		if tc.hugeLost {
			wantHuge = 0
		}
		var series, huge int
		waitFor(10*time.Second, func() bool {
			series, huge = countPoints(t, col, tag)
			return series == 3*2000 && huge == wantHuge
		})
		health := tel.Health().Export["metrics"]
		t.Logf("%s metrics, 3 histograms of 2000 series with exemplars and one 5 MiB point: %d/6000 points, %d huge delivered, in %d exports; dropped %v",
			tc.protocol, series, huge, health.Batches, health.Dropped)
		if series != 3*2000 || huge != wantHuge {
			t.Errorf("delivered %d/6000 points of the histograms and %d huge, want %d", series, huge, wantHuge)
		}
		wantDropped := map[string]int64(nil)
		if tc.hugeLost {
			wantDropped = map[string]int64{otel.DropTooLarge: 1}
			if len(out.lines(`"too_large":1`)) == 0 {
				t.Errorf("no telemetry_dropped line for the huge point: %q", out.lines("telemetry_dropped"))
			}
		}
		if !reflect.DeepEqual(health.Dropped, wantDropped) || health.Exported != int64(series+huge) || health.Unsent != 0 {
			t.Errorf("health: exported %d, dropped %v, unsent %d; want %d, %v, none unsent",
				health.Exported, health.Dropped, health.Unsent, series+huge, wantDropped)
		}
	})
}

// recordManySeries records into three histograms size_tag.a, .b and .c
// one measurement for each of 2000 attribute sets, in a sampled span (an
// exemplar each), and one into size_tag.huge with a 5 MiB attribute.
func recordManySeries(t *testing.T, meter metric.Meter, tag string) {
	t.Helper()
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	for _, name := range []string{"a", "b", "c"} {
		h, err := meter.Float64Histogram("size_"+tag+"."+name, metric.WithUnit("s"),
			metric.WithDescription("Duration of HTTP server requests."))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2000 {
			attrs := metric.WithAttributes(
				attribute.String("http.route", "/api/v1/customers/{customer}/orders/"+strconv.Itoa(i)),
				attribute.String("http.request.method", "GET"),
				attribute.Int("http.response.status_code", 200),
				attribute.String("url.scheme", "https"),
				attribute.String("network.protocol.version", "1.1"),
				attribute.String("server.address", "checkout-7d9f8b6c5-x2x4q.checkout.svc.cluster.local"),
				attribute.String("user_agent.original", userAgent))
			h.Record(ctx, 0.042, attrs)
		}
	}
	huge, err := meter.Float64Histogram("size_" + tag + ".huge")
	if err != nil {
		t.Fatal(err)
	}
	huge.Record(ctx, 1, metric.WithAttributes(attribute.String("blob", strings.Repeat("x", 5<<20))))
}

const userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"

// countPoints counts the data points the collector holds of the metrics
// size_tag.a, .b and .c, and of size_tag.huge.
func countPoints(t *testing.T, col *collector.Collector, tag string) (series, huge int) {
	t.Helper()
	ms, err := col.Metrics()
	if err != nil {
		t.Fatalf("read metrics: %v", err)
	}
	for _, m := range ms {
		n := len(m.DataPoints)
		switch m.Name {
		case "size_" + tag + ".a", "size_" + tag + ".b", "size_" + tag + ".c":
			series += n
		case "size_" + tag + ".huge":
			huge += n
		}
	}
	return series, huge
}
