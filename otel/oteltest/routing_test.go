package oteltest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	gotel "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel/oteltest"
	"github.com/otelkit/otelkit/tracing"
)

// TestNoContextWhileSeveralRun: while two tests are live, a span started
// from a context of neither reaches neither, and is counted.
func TestNoContextWhileSeveralRun(t *testing.T) {
	a, b := oteltest.New(t), oteltest.New(t)
	before := oteltest.Unrouted()
	_, span := tracing.Start(context.Background(), "orphan")
	span.End()
	logging.FromContext(context.Background()).Info("orphan_line")
	if len(a.Spans())+len(b.Spans()) != 0 {
		t.Errorf("an orphan span reached a test: %d, %d", len(a.Spans()), len(b.Spans()))
	}
	for _, tel := range []*oteltest.Telemetry{a, b} {
		for _, l := range tel.LogLines(t) {
			if l["msg"] == "orphan_line" {
				t.Error("an orphan line reached a test")
			}
		}
	}
	after := oteltest.Unrouted()
	if after.Spans != before.Spans+1 || after.Logs != before.Logs+1 {
		t.Errorf("unrouted %+v -> %+v, want one more span and line", before, after)
	}
}

// TestEndedTestReachesNoOther: work that outlives its test, from its
// context or in its trace, reaches no later test, not even the only one
// running.
func TestEndedTestReachesNoOther(t *testing.T) {
	var oldCtx, oldSpanCtx context.Context
	t.Run("ended", func(t *testing.T) {
		old := oteltest.New(t)
		oldCtx = old.Context()
		ctx, s := tracing.Start(old.Context(), "parent")
		s.End()
		oldSpanCtx = context.WithoutCancel(ctx)
	})
	tel := oteltest.New(t)
	for _, ctx := range []context.Context{context.WithoutCancel(oldCtx), oldSpanCtx} {
		_, s := tracing.Start(ctx, "late")
		s.End()
		logging.FromContext(ctx).Info("late_line")
	}
	if n := len(tel.Spans()); n != 0 {
		t.Errorf("%d spans of an ended test reached this one", n)
	}
	for _, l := range tel.LogLines(t) {
		if l["msg"] == "late_line" {
			t.Error("a line of an ended test reached this one")
		}
	}
	// The only test running still gets what has no context at all.
	_, s := tracing.Start(context.Background(), "mine")
	s.End()
	if n := len(tel.Spans()); n != 1 {
		t.Errorf("%d spans, want the one started without a context", n)
	}
}

// TestSameTraceparentInEveryTest: tests that each send the traceparent of
// the W3C example to a handler, with no test context, each see their own
// spans: the first does not keep the trace for itself.
func TestSameTraceparentInEveryTest(t *testing.T) {
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			tel := oteltest.New(t)
			req := httptest.NewRequest(http.MethodGet, "/orders/1?who="+name, nil)
			req.Header.Set("traceparent", traceparent)
			httpmw.Handler(appMux()).ServeHTTP(httptest.NewRecorder(), req)
			names := map[string]int{}
			for _, s := range tel.Spans() {
				names[s.Name()]++
				if s.SpanContext().TraceID().String() != traceparent[3:35] {
					t.Errorf("span %q in trace %s", s.Name(), s.SpanContext().TraceID())
				}
			}
			if names["GET /orders/{id}"] != 1 || names["load_order"] != 1 || names["query"] != 1 {
				t.Errorf("spans %v, want the server span, load_order and query", names)
			}
		})
	}
}

// recordingT is a TestingT that keeps what is logged and runs the
// cleanups when end is called, as the testing package does.
type recordingT struct {
	exampleT
	logs []string
}

func (t *recordingT) Logf(f string, a ...any) { t.logs = append(t.logs, fmt.Sprintf(f, a...)) }

// TestUnendedSpansAreCounted: a span still open when its test ends is
// never recorded; the test says so and Unrouted counts it.
func TestUnendedSpansAreCounted(t *testing.T) {
	rt := &recordingT{}
	tel := oteltest.New(rt)
	before := oteltest.Unrouted()
	ctx, open := tracing.Start(tel.Context(), "never_ended")
	_, done := tracing.Start(ctx, "ended")
	done.End()
	rt.end()
	open.End() // too late: the test has ended
	if got := oteltest.Unrouted().Unended - before.Unended; got != 1 {
		t.Errorf("Unended grew by %d, want 1", got)
	}
	if len(rt.logs) != 1 || !strings.Contains(rt.logs[0], "1 spans of this test had not ended") {
		t.Errorf("test log %q, want one line about the span not ended", rt.logs)
	}
}

// TestOwnProvidersAfterEnd: what code does through an ended test's own
// providers and logger, as the package documentation says. Spans,
// measurements and log records are dropped and not counted (the providers
// are otel's, shut down), and Metrics returns the reader's error; a line
// on its Logger still reaches LogLines but makes no record. The same work
// through the globals, from the test's Context, is counted and dropped.
func TestOwnProvidersAfterEnd(t *testing.T) {
	rt := &recordingT{}
	tel := oteltest.New(rt)
	early, err := tel.MeterProvider().Meter("app").Int64Counter("early")
	if err != nil {
		t.Fatal(err)
	}
	logger, zl := tel.LoggerProvider().Logger("app"), tel.Logger()
	rt.end()

	before := oteltest.Unrouted()
	ctx := context.Background()
	_, span := tel.TracerProvider().Tracer("app").Start(ctx, "late_span")
	span.End()
	early.Add(ctx, 1)
	late, err := tel.MeterProvider().Meter("app").Int64Counter("late")
	if err != nil {
		t.Fatal(err)
	}
	late.Add(ctx, 1)
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("late_record"))
	logger.Emit(ctx, rec)
	tel.LoggerProvider().Logger("app").Emit(ctx, rec)
	zl.Info("late_line")
	if got := oteltest.Unrouted(); got != before {
		t.Errorf("Unrouted %+v -> %+v: work on the ended test's own providers was counted", before, got)
	}
	if n := len(tel.Spans()); n != 0 {
		t.Errorf("%d spans recorded after the end", n)
	}
	if _, err := tel.Metrics(ctx); !errors.Is(err, sdkmetric.ErrReaderShutdown) {
		t.Errorf("Metrics after the end: %v, want %v", err, sdkmetric.ErrReaderShutdown)
	}
	if recs := tel.LogRecords(); len(recs) != 0 {
		t.Errorf("%d log records after the end (the records, or the line's bridge record)", len(recs))
	}
	if lines := tel.LogLines(t); len(lines) != 1 || lines[0]["msg"] != "late_line" {
		t.Errorf("lines %v, want the one written on tel.Logger()", lines)
	}

	_, span = gotel.Tracer("app").Start(tel.Context(), "late_global_span")
	span.End()
	ordersServed.Add(tel.Context(), 1)
	appLogger.Emit(tel.Context(), rec)
	logging.FromContext(tel.Context()).Info("late_global_line")
	after := oteltest.Unrouted()
	if after.Spans != before.Spans+1 || after.Measurements != before.Measurements+1 || after.Logs != before.Logs+2 {
		t.Errorf("Unrouted %+v -> %+v, want one more span and measurement and two more logs", before, after)
	}
	if n := len(tel.LogLines(t)); n != 1 {
		t.Errorf("%d lines, want only the one written on tel.Logger()", n)
	}
	if len(rt.logs) != 0 {
		t.Errorf("test log %q, want nothing: nothing was lost while the test ran", rt.logs)
	}
}

// TestRefusedInstrumentReported: an instrument of the global meter
// provider that the SDK reports an error for (an invalid name) records
// what the SDK's instrument records, as one made on the provider does,
// and the test's log shows the SDK's error at its end.
func TestRefusedInstrumentReported(t *testing.T) {
	badName, err := gotel.Meter("app").Int64Counter("orders served!")
	if err != nil {
		t.Fatal(err) // the global provider makes its instruments lazily
	}
	rt := &recordingT{}
	tel := oteltest.New(rt)
	badName.Add(tel.Context(), 2)
	badName.Add(tel.Context(), 3)
	rm, err := tel.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "orders served!" {
				for _, p := range sum.DataPoints {
					got += p.Value
				}
			}
		}
	}
	if got != 5 {
		t.Errorf("orders served! = %d, want 5 (%+v)", got, rm.ScopeMetrics)
	}
	rt.end()
	if len(rt.logs) != 1 || !strings.Contains(rt.logs[0], "invalid instrument name: orders served!") {
		t.Errorf("test log %q, want one line with the SDK's error", rt.logs)
	}
}
