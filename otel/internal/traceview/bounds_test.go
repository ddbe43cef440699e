package traceview

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestMaxTraces: the store keeps the newest MaxTraces traces and counts
// the ones it evicted.
func TestMaxTraces(t *testing.T) {
	f := newFixture(t, Config{MaxTraces: 5})
	var ids []trace.TraceID
	for i := 0; i < 8; i++ {
		ids = append(ids, f.request(fmt.Sprint("r", i), false))
	}
	u := f.store.Usage()
	if u.Traces != 5 || u.Evicted != 3 {
		t.Fatalf("usage %+v, want 5 kept and 3 evicted", u)
	}
	for i, id := range ids {
		if _, ok := f.store.Trace(id); ok != (i >= 3) {
			t.Errorf("trace %d kept = %v", i, ok)
		}
	}
	_, body, _ := get(t, f.store.Handler("", testHosts), "/")
	if !strings.Contains(body, "5 kept (at most 5,") || !strings.Contains(body, "3 older evicted") {
		t.Errorf("the list does not show what was kept and evicted")
	}
}

// TestMaxBytes: big traces evict older ones to stay within MaxBytes; one
// trace holds at most a quarter of it, and what it could not keep is
// counted and shown.
func TestMaxBytes(t *testing.T) {
	const maxBytes = 256 << 10
	f := newFixture(t, Config{MaxBytes: maxBytes})
	big := strings.Repeat("x", 4<<10)
	tr := f.tp.Tracer("t")
	for i := 0; i < 50; i++ {
		ctx, root := tr.Start(context.Background(), "root")
		for j := 0; j < 5; j++ {
			_, sp := tr.Start(ctx, "child", trace.WithAttributes(attribute.String("blob", big)))
			sp.End()
		}
		root.End()
		if u := f.store.Usage(); u.Bytes > maxBytes {
			t.Fatalf("after %d traces the store holds %d bytes, more than %d", i+1, u.Bytes, maxBytes)
		}
	}
	if u := f.store.Usage(); u.Evicted == 0 || u.Traces >= 50 {
		t.Errorf("nothing evicted: %+v", u)
	}
	// One giant trace: kept up to a quarter of the bound.
	ctx, root := tr.Start(context.Background(), "giant")
	for j := 0; j < 100; j++ {
		_, sp := tr.Start(ctx, "child", trace.WithAttributes(attribute.String("blob", big)))
		f.log(ctx, otellog.SeverityInfo, big)
		sp.End()
	}
	root.End()
	got, ok := f.store.Trace(root.SpanContext().TraceID())
	if !ok || got.DroppedSpans == 0 || got.DroppedLogs == 0 || len(got.Spans)+len(got.Logs) >= 200 {
		t.Fatalf("giant trace: kept %v, %d spans, %d logs, dropped %d/%d", ok, len(got.Spans), len(got.Logs), got.DroppedSpans, got.DroppedLogs)
	}
	_, body, _ := get(t, f.store.Handler("", testHosts), "/trace/"+root.SpanContext().TraceID().String())
	if want := fmt.Sprintf("Not kept (per-trace bound): %d spans, %d log lines", got.DroppedSpans, got.DroppedLogs); !strings.Contains(body, want) {
		t.Errorf("the trace page does not show %q", want)
	}
	if u := f.store.Usage(); u.Bytes > maxBytes {
		t.Errorf("store holds %d bytes", u.Bytes)
	}
}

// TestLongValuesCut: a string longer than MaxValue is cut at a rune
// boundary.
func TestLongValuesCut(t *testing.T) {
	f := newFixture(t, Config{})
	long := strings.Repeat("é", MaxValue)
	_, sp := f.tp.Tracer("t").Start(context.Background(), long, trace.WithAttributes(attribute.String("k", long)))
	sp.End()
	tr, _ := f.store.Trace(sp.SpanContext().TraceID())
	s := tr.Spans[0]
	if len(s.Name) > MaxValue+len("…") || !strings.HasSuffix(s.Name, "…") || len(s.Attrs[0].Value.AsString()) > MaxValue+len("…") {
		t.Errorf("long values kept whole: %d, %d bytes", len(s.Name), len(s.Attrs[0].Value.AsString()))
	}
}

// TestLongKeysAndSlicesCut: a key longer than MaxValue, and a slice whose
// text is, are cut too (a slice becomes its text, cut).
func TestLongKeysAndSlicesCut(t *testing.T) {
	f := newFixture(t, Config{})
	long := strings.Repeat("k", 2*MaxValue)
	_, sp := f.tp.Tracer("t").Start(context.Background(), "op", trace.WithAttributes(
		attribute.Int(long, 1), attribute.StringSlice("list", []string{long, long}), attribute.StringSlice("short", []string{"a"})))
	sp.End()
	tr, _ := f.store.Trace(sp.SpanContext().TraceID())
	for _, kv := range tr.Spans[0].Attrs {
		if len(kv.Key) > MaxValue+len("…") || len(kv.Value.String()) > MaxValue+len("…") {
			t.Errorf("kept whole: key %d bytes, value %d bytes", len(kv.Key), len(kv.Value.String()))
		}
		if kv.Key == "short" && kv.Value.Type() != attribute.STRINGSLICE {
			t.Errorf("a short slice changed: %v", kv.Value)
		}
	}
}

// TestMemoryBounded: the heap a full store holds stays near its byte
// bound, whatever went through it (the estimate is not far off).
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store")
	}
	const maxBytes = 4 << 20
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	f := newFixture(t, Config{MaxBytes: maxBytes, MaxTraces: 100000})
	before := heap()
	val := strings.Repeat("v", 512)
	tr := f.tp.Tracer("t")
	for i := 0; i < 3000; i++ {
		ctx, root := tr.Start(context.Background(), "GET /orders/{id}")
		for j := 0; j < 4; j++ {
			// Distinct strings, as real ones are (a shared one would be counted
			// but held once).
			_, sp := tr.Start(ctx, "query", trace.WithAttributes(attribute.String("db.statement", val+strconv.Itoa(i*8+j)), attribute.Int("n", j)))
			f.log(ctx, otellog.SeverityInfo, "row_loaded", attribute.String("detail", strconv.Itoa(i*8+j)+val))
			sp.End()
		}
		root.End()
	}
	grown := int64(heap()) - int64(before)
	u := f.store.Usage()
	t.Logf("store estimate %d KiB in %d traces (%d evicted); heap grew %d KiB", u.Bytes>>10, u.Traces, u.Evicted, grown>>10)
	if u.Bytes > maxBytes || u.Evicted == 0 {
		t.Fatalf("usage %+v", u)
	}
	if grown > 2*maxBytes {
		t.Errorf("heap grew %d KiB for a store bounded at %d KiB", grown>>10, maxBytes>>10)
	}
	runtime.KeepAlive(f)
}

// TestRequestIDsBounded: a request ID is kept apart from its record, for
// the list; one that is not httpmw's (any code may log a request_id field
// or set request.id) is cut like every other value and its bytes counted.
func TestRequestIDsBounded(t *testing.T) {
	f := newFixture(t, Config{})
	huge := strings.Repeat("r", 1<<20)
	ctx, sp := f.tp.Tracer("t").Start(context.Background(), "job", trace.WithAttributes(attribute.String("request.id", "span-"+huge)))
	f.log(ctx, otellog.SeverityInfo, "job_started", attribute.String("request_id", "log-"+huge))
	sp.End()
	tr, ok := f.store.Trace(sp.SpanContext().TraceID())
	if !ok || len(tr.RequestIDs) != 2 {
		t.Fatalf("kept %v, request IDs %d", ok, len(tr.RequestIDs))
	}
	held := int64(0)
	for _, id := range tr.RequestIDs {
		if len(id) > MaxValue+len("…") {
			t.Errorf("a request ID of %d bytes kept whole", len(id))
		}
		held += int64(len(id))
	}
	// Each value is held twice: cut in its record's attributes, and as a
	// request ID.
	if u := f.store.Usage(); u.Bytes < 2*held {
		t.Errorf("the store counts %d bytes, holding %d of request IDs and as many in attributes", u.Bytes, held)
	}
}

// TestMaxBytesOldestTraceGrowing: a trace that is still growing while
// newer ones arrived (a long job, a stream) is the oldest; its growth
// evicts the traces after it, so the store stays within MaxBytes.
func TestMaxBytesOldestTraceGrowing(t *testing.T) {
	const maxBytes = 64 << 10
	f := newFixture(t, Config{MaxBytes: maxBytes})
	tr := f.tp.Tracer("t")
	blob := strings.Repeat("x", 3<<10)
	ctx, long := tr.Start(context.Background(), "long_job")
	child := func(ctx context.Context) {
		_, sp := tr.Start(ctx, "step", trace.WithAttributes(attribute.String("blob", blob)))
		sp.End()
	}
	child(ctx) // the long trace arrives first
	for i := 0; i < 15; i++ {
		child(context.Background()) // newer traces fill the store, not yet full
	}
	for i := 0; i < 3; i++ { // the long trace grows (within its quarter)
		child(ctx)
		if u := f.store.Usage(); u.Bytes > maxBytes {
			t.Fatalf("after %d more steps of the oldest trace the store holds %d bytes, more than %d", i+1, u.Bytes, maxBytes)
		}
	}
	long.End()
	if got, ok := f.store.Trace(long.SpanContext().TraceID()); !ok || len(got.Spans) != 5 || got.DroppedSpans != 0 {
		t.Errorf("the growing trace: kept %v, %d spans", ok, len(got.Spans))
	}
}

// TestCutValuesHoldNoMore: the SDK's attribute value length limits cut a
// value by slicing it, so that what the span or record holds may be a
// part of a much longer string; the store holds no more than the part it
// counts, as it keeps its own copy.
func TestCutValuesHoldNoMore(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store")
	}
	const (
		maxBytes = 4 << 20
		limit    = 4096      // otelkit's default span attribute value length limit
		long     = 128 << 10 // what the program recorded
	)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	s := New(Config{MaxBytes: maxBytes, MaxTraces: 100000})
	limits := sdktrace.NewSpanLimits()
	limits.AttributeValueLengthLimit = limit
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(s.SpanProcessor()), sdktrace.WithRawSpanLimits(limits))
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(s.LogProcessor()), sdklog.WithAttributeValueLengthLimit(limit))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = lp.Shutdown(context.Background())
	})
	before := heap()
	for i := 0; i < 1000; i++ {
		body := strconv.Itoa(i) + strings.Repeat("b", long) // a request body, say: distinct each time
		ctx, sp := tp.Tracer("t").Start(context.Background(), "upload", trace.WithAttributes(attribute.String("body", body)),
			trace.WithAttributes(attribute.StringSlice("bodies", []string{body})))
		sp.AddEvent("received", trace.WithAttributes(attribute.String("body", body)))
		var r otellog.Record
		r.SetBody(attribute.StringValue("upload_received"))
		r.AddAttributes(attribute.String("body", body))
		lp.Logger("t").Emit(ctx, r)
		sp.End()
	}
	grown := int64(heap()) - int64(before)
	u := s.Usage()
	t.Logf("store estimate %d KiB in %d traces (%d evicted); heap grew %d KiB", u.Bytes>>10, u.Traces, u.Evicted, grown>>10)
	if u.Evicted == 0 {
		t.Fatalf("the store never filled: %+v", u)
	}
	if grown > 2*maxBytes {
		t.Errorf("heap grew %d KiB for a store bounded at %d KiB", grown>>10, maxBytes>>10)
	}
	runtime.KeepAlive(s)
}

// TestPagesSummariseOutsideTheLock: List and Trace take only the lists'
// headers under the store's lock and make their summaries after, so a
// page over thousands of spans does not hold up every span End and log
// record in the process (each takes the lock). The hook runs as each
// summary begins; the lock must be free then.
func TestPagesSummariseOutsideTheLock(t *testing.T) {
	f := newFixture(t, Config{})
	ctx, root := f.tp.Tracer("t").Start(context.Background(), "root")
	_, child := f.tp.Tracer("t").Start(ctx, "child")
	child.End()
	root.End()
	held := 0
	summaryHook = func() {
		if !f.store.mu.TryLock() {
			held++
			return
		}
		f.store.mu.Unlock()
	}
	t.Cleanup(func() { summaryHook = nil })
	if got := f.store.List(""); len(got) != 1 || got[0].Root != "root" || got[0].Spans != 2 {
		t.Errorf("List = %+v, want the one trace, root \"root\", 2 spans", got)
	}
	if tr, ok := f.store.Trace(root.SpanContext().TraceID()); !ok || tr.Root != "root" || len(tr.Spans) != 2 {
		t.Errorf("Trace = %+v, %v; want root \"root\" and 2 spans", tr.Summary, ok)
	}
	if held != 0 {
		t.Errorf("%d summaries were made under the store's lock", held)
	}
}

// TestPagesWhileRecording: pages read while spans and log records of the
// same traces arrive (run with -race): what a page reads is never written.
func TestPagesWhileRecording(t *testing.T) {
	f := newFixture(t, Config{})
	ctx, root := f.tp.Tracer("t").Start(context.Background(), "root")
	id := root.SpanContext().TraceID()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 500 {
			_, sp := f.tp.Tracer("t").Start(ctx, "child")
			f.log(trace.ContextWithSpan(ctx, sp), otellog.SeverityInfo, "line")
			sp.End()
		}
	}()
	for range 200 {
		f.store.List("")
		f.store.Trace(id)
	}
	<-done
	root.End()
	tr, ok := f.store.Trace(id)
	if spans, logs := len(tr.Spans)+tr.DroppedSpans, len(tr.Logs)+tr.DroppedLogs; !ok || spans != 501 || logs != 500 {
		t.Errorf("Trace: ok %v, %d spans, %d logs kept or counted; want 501, 500", ok, spans, logs)
	}
}

// TestLongFilterCut: the list page's filter is cut to one byte more than
// the longest request ID a trace keeps, so a page does not echo a huge
// query (twice, escaped), and the cut changes no match: a kept ID of the
// longest length is found by its whole self, and not by itself plus more.
func TestLongFilterCut(t *testing.T) {
	f := newFixture(t, Config{})
	long := strings.Repeat("r", MaxValue+100) // kept cut, "…" at its end
	ctx, sp := f.tp.Tracer("t").Start(context.Background(), "long-id")
	f.log(ctx, otellog.SeverityInfo, "line", attribute.String("request_id", long))
	sp.End()
	h := f.store.Handler("", testHosts)
	kept := cut(long)
	for _, tc := range []struct {
		q     string
		match bool
	}{
		{kept, true},
		{kept + "x", false},
		{kept + strings.Repeat("x", 1<<20), false},
		{strings.Repeat(" ", maxFilter) + kept + "x", false}, // trimmed before the cut: not cut to blank, which lists all
	} {
		code, body, _ := get(t, h, "/?q="+url.QueryEscape(tc.q))
		if code != http.StatusOK || strings.Contains(body, "long-id") != tc.match {
			t.Errorf("q of %d bytes: status %d, listed %v; want 200, %v", len(tc.q), code, !tc.match, tc.match)
		}
		if len(body) > 8*maxFilter+(64<<10) {
			t.Errorf("q of %d bytes: a page of %d bytes", len(tc.q), len(body))
		}
	}
}

// TestCutInvalidUTF8KeepsText: a long value of bytes that start no
// character (the viewer sees values before any exporter cleans them) is
// cut at MaxValue, not walked back to nothing.
func TestCutInvalidUTF8KeepsText(t *testing.T) {
	if got, want := cut(strings.Repeat("\x80", MaxValue+10)), strings.Repeat("\x80", MaxValue)+"…"; got != want {
		t.Errorf("cut kept %d bytes, want %d", len(got), len(want))
	}
}

// TestNamesAndBodiesHoldNoMore: a span's name and status description, an
// event's name and a log record's body and severity text may be parts of
// a much longer string the program holds (an operation name sliced out of
// a request body); the store keeps copies of the parts it shows, cut as
// attribute values are, so that it never holds the whole.
func TestNamesAndBodiesHoldNoMore(t *testing.T) {
	f := newFixture(t, Config{})
	big := strings.Repeat("q", 4*MaxValue) // what the program read
	within := func(s string) bool {
		if len(s) == 0 {
			return false
		}
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(big)))
		return p >= start && p < start+uintptr(len(big))
	}
	ctx, sp := f.tp.Tracer("t").Start(context.Background(), big[:40])
	sp.AddEvent(big[40:80])
	sp.SetStatus(codes.Error, big[80:120])
	var r otellog.Record
	r.SetBody(attribute.StringValue(big[120:160]))
	r.SetSeverityText(big[160:165])
	f.lp.Logger("t").Emit(ctx, r)
	_, long := f.tp.Tracer("t").Start(ctx, big) // longer than MaxValue: cut
	long.End()
	sp.End()

	tr, ok := f.store.Trace(sp.SpanContext().TraceID())
	if !ok || len(tr.Spans) != 2 || len(tr.Spans[0].Events) != 1 || len(tr.Logs) != 1 {
		t.Fatalf("the trace: %v %+v", ok, tr)
	}
	root, ev, lr, cutSpan := tr.Spans[0], tr.Spans[0].Events[0], tr.Logs[0], tr.Spans[1]
	for what, s := range map[string]string{"span name": root.Name, "status description": root.StatusDesc,
		"event name": ev.Name, "log body": lr.Body, "severity text": lr.Severity, "long span name": cutSpan.Name} {
		if within(s) {
			t.Errorf("the store keeps the %s %.20q… as part of the program's string of %d bytes", what, s, len(big))
		}
	}
	if root.Name != big[:40] || ev.Name != big[40:80] || root.StatusDesc != big[80:120] || lr.Body != big[120:160] || lr.Severity != big[160:165] {
		t.Errorf("copies differ: %q %q %q %q %q", root.Name, ev.Name, root.StatusDesc, lr.Body, lr.Severity)
	}
	if len(cutSpan.Name) > MaxValue+len("…") || !strings.HasSuffix(cutSpan.Name, "…") {
		t.Errorf("a long span name kept with %d bytes, want it cut to %d", len(cutSpan.Name), MaxValue)
	}
}
