package otel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/tracing"
)

// otelDefaultTP is OpenTelemetry's default global tracer provider, as the
// test binary starts (nothing has installed one yet).
var otelDefaultTP = otel.GetTracerProvider()

// TestSpansBegunAfterShutdownCounted: after Shutdown, a sampled span begun
// by a tracer obtained before it (as otelhttp and otelgrpc keep one), by
// the global provider (tracing.Start, otel.Tracer), or by the middleware
// for a request served then (it asks the global provider per request) is
// counted once as after_shutdown, in the health document and in a
// telemetry_dropped line. An unsampled one is not lost, and not counted.
func TestSpansBegunAfterShutdownCounted(t *testing.T) {
	clearEnv(t)
	out := &lineBuffer{}
	tel := initHealth(t, out, WithSpanExporter(tracetest.NewInMemoryExporter()),
		WithMetricsExporter("none"), WithLogsExporter("none"))
	before := tel.TracerProvider().Tracer("before")
	handler := httpmw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The parent of an unsampled span: a remote one, not sampled.
	const unsampledParent = "00-01000000000000000000000000000000-0100000000000000-00"
	parent := func(sampled bool) context.Context {
		if sampled {
			return context.Background()
		}
		return trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}}))
	}
	start := func(tr trace.Tracer) func(bool) {
		return func(sampled bool) { _, s := tr.Start(parent(sampled), "late"); s.End() }
	}
	cases := []struct {
		name  string
		begin func(sampled bool)
	}{
		{"tracer obtained before", start(before)},
		{"global tracer obtained after", start(otel.Tracer("after"))},
		{"TracerProvider's tracer obtained after", func(sampled bool) { start(tel.TracerProvider().Tracer("after"))(sampled) }},
		{"tracing.Start", func(sampled bool) { _, s := tracing.Start(parent(sampled), "late"); s.End() }},
		{"httpmw request", func(sampled bool) {
			req := httptest.NewRequest(http.MethodGet, "/late", nil)
			if !sampled {
				req.Header.Set("traceparent", unsampledParent)
			}
			handler.ServeHTTP(httptest.NewRecorder(), req)
		}},
	}
	counted := func() int64 { h, _ := getHealth(t, tel); return h.Export["traces"].Dropped[DropAfterShutdown] }
	lines := func() int { return strings.Count(out.String(), `"after_shutdown":1`) }
	for _, c := range cases {
		n, l := counted(), lines()
		c.begin(false)
		if counted() != n || lines() != l {
			t.Errorf("%s, unsampled: counted %d → %d; it is not lost", c.name, n, counted())
		}
		c.begin(true)
		if counted() != n+1 {
			t.Errorf("%s: after_shutdown %d → %d, want one more", c.name, n, counted())
		}
		if lines() != l+1 {
			t.Errorf("%s: no telemetry_dropped line for the span:\n%s", c.name, out.String())
		}
	}
}

// TestShutdownLeavesGlobalTracerProvider: Shutdown puts back a tracer
// provider the program installed, and leaves its own in place of
// OpenTelemetry's default (which forwards to the first provider ever
// installed, shut down by now) or of one a Telemetry left there.
func TestShutdownLeavesGlobalTracerProvider(t *testing.T) {
	clearEnv(t)
	restoreGlobalTracerProvider(t)
	mine := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = mine.Shutdown(context.Background()) })
	for _, before := range []trace.TracerProvider{mine, otelDefaultTP, nil} {
		if before != nil {
			otel.SetTracerProvider(before)
		} else {
			before = otel.GetTracerProvider() // what the last Telemetry left
		}
		tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithSpanExporter(tracetest.NewInMemoryExporter()))...)
		if err != nil {
			t.Fatal(err)
		}
		_ = tel.Shutdown(context.Background())
		got := otel.GetTracerProvider()
		if before == mine && got != mine {
			t.Errorf("Shutdown left %T, want the program's provider back", got)
		}
		if p, ok := got.(*tracing.Provider); before != mine && (!ok || p != tel.TracerProvider()) {
			t.Errorf("over %T, Shutdown left %T, want the Telemetry's own", before, got)
		}
	}
}

func TestIsOTelDefault(t *testing.T) {
	if !isOTelDefault(otelDefaultTP) {
		t.Errorf("OpenTelemetry's default %T not recognised", otelDefaultTP)
	}
	for _, tp := range []trace.TracerProvider{nil, tracenoop.NewTracerProvider(), sdktrace.NewTracerProvider(), &tracing.Provider{}} {
		if isOTelDefault(tp) {
			t.Errorf("%T taken for OpenTelemetry's default", tp)
		}
	}
}

// TestShutdownPutsBackProgramsTracingProvider: a tracing.Provider the
// program installed as the global itself is put back at Shutdown, as any
// provider the program installed is; only one a Telemetry left is
// replaced for good.
func TestShutdownPutsBackProgramsTracingProvider(t *testing.T) {
	clearEnv(t)
	restoreGlobalTracerProvider(t)
	mine, err := tracing.NewTracerProvider(context.Background(), tracing.WithExporter("none"),
		tracing.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mine.Shutdown(context.Background()) })
	otel.SetTracerProvider(mine)
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithSpanExporter(tracetest.NewInMemoryExporter()))...)
	if err != nil {
		t.Fatal(err)
	}
	_ = tel.Shutdown(context.Background())
	if got := otel.GetTracerProvider(); got != mine {
		t.Errorf("Shutdown left %T %p, want the program's tracing.Provider %p back", got, got, mine)
	}
}

// TestLogsAfterShutdownCounted: after Shutdown, a line at or above the log
// level (the logger's, a named one's, a record emitted on LoggerProvider's
// logger) still reaches the log output, and its OTLP record, which nothing
// exports now, is counted once as after_shutdown for logs, in the health
// document and in one telemetry_dropped line. That line's own record is
// not counted (it would be reported in another line, and so on). A line
// below the level, or any line with the log exporter none, is not lost
// and not counted.
func TestLogsAfterShutdownCounted(t *testing.T) {
	clearEnv(t)
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{})
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint), WithOTLPProtocol("http/protobuf"),
		WithTracesExporter("none"), WithMetricsExporter("none"))
	before := tel.LoggerProvider().Logger("before")
	tel.Logger().Info("exported")
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h, _ := getHealth(t, tel); h.Export["logs"].Exported < 1 || h.Export["logs"].Failed != 0 {
		t.Fatalf("logs before the late lines: %+v, want exported and none lost", h.Export["logs"])
	}
	counted := func() int64 { h, _ := getHealth(t, tel); return h.Export["logs"].Dropped[DropAfterShutdown] }
	reports := func() int { return strings.Count(out.String(), `"telemetry_dropped"`) }
	late := func(l otellog.Logger) func() {
		return func() {
			var r otellog.Record
			r.SetBody(attribute.StringValue("late_record"))
			l.Emit(context.Background(), r)
		}
	}
	cases := []struct {
		name string
		log  func()
		lost bool
	}{
		{"below the level", func() { tel.Logger().Debug("late_debug") }, false},
		{"Logger", func() { tel.Logger().Info("late_line") }, true},
		{"named logger", func() { tel.Logger().Named("worker").Warn("late_worker_line") }, true},
		{"logger obtained before", late(before), true},
		{"logger obtained after", late(tel.LoggerProvider().Logger("after")), true},
	}
	for _, tc := range cases {
		n, r := counted(), reports()
		tc.log()
		want := n
		if tc.lost {
			want++
		}
		if got := counted(); got != want {
			t.Errorf("%s: after_shutdown %d → %d, want %d", tc.name, n, got, want)
		}
		if tc.lost && (reports() != r+1 || !strings.Contains(out.String(), `"logs":{"after_shutdown":1}`)) {
			t.Errorf("%s: %d telemetry_dropped lines for the record, want 1:\n%s", tc.name, reports()-r, out.String())
		}
		if !tc.lost && reports() != r {
			t.Errorf("%s: a telemetry_dropped line, though nothing was lost:\n%s", tc.name, out.String())
		}
	}

	none := &lineBuffer{}
	telNone := initHealth(t, none, WithoutGlobals(), WithTracesExporter("none"), WithMetricsExporter("none"), WithLogsExporter("none"))
	_ = telNone.Shutdown(context.Background())
	telNone.Logger().Info("late_line")
	if h, _ := getHealth(t, telNone); len(h.Export["logs"].Dropped) != 0 || strings.Contains(none.String(), "telemetry_dropped") {
		t.Errorf("exporter none: logs %+v; output:\n%s", h.Export["logs"], none.String())
	}
}

// TestRunShutdownFinishedNotCounted: Run's shutdown_finished line, written
// after the telemetry is shut down by design, reaches the log output, and
// its record is not counted as after_shutdown: a clean exit does not end
// with a telemetry_dropped warning. A later line of the program's is.
func TestRunShutdownFinishedNotCounted(t *testing.T) {
	clearEnv(t)
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{})
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint), WithOTLPProtocol("http/protobuf"),
		WithTracesExporter("none"), WithMetricsExporter("none"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once
	if err := tel.Run(ctx, newWorker()); err != nil {
		t.Fatal(err)
	}
	lines := out.lines(t)
	if len(lines) == 0 || lines[len(lines)-1]["msg"] != "shutdown_finished" || strings.Contains(out.String(), "telemetry_dropped") {
		t.Errorf("want shutdown_finished last, and no telemetry_dropped line:\n%s", out.String())
	}
	if h, _ := getHealth(t, tel); h.Export["logs"].Dropped[DropAfterShutdown] != 0 {
		t.Errorf("logs %+v, want no after_shutdown", h.Export["logs"])
	}
	tel.Logger().Info("late_line") // a line of the program's after Shutdown is counted
	if h, _ := getHealth(t, tel); h.Export["logs"].Dropped[DropAfterShutdown] != 1 {
		t.Errorf("logs %+v after a late line, want after_shutdown 1", h.Export["logs"])
	}
}

// restoreGlobalTracerProvider puts back, when t ends, the global tracer
// provider and the one the last Telemetry left: restored alone, a provider
// a Telemetry left would read as the program's to a later Init in the same
// binary (go test -count 2), which would then put it back at its Shutdown.
func restoreGlobalTracerProvider(t *testing.T) {
	prev, prevLeft := otel.GetTracerProvider(), leftTracerProvider.Load()
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		leftTracerProvider.Store(prevLeft)
	})
}
