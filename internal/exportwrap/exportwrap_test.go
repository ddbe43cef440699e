package exportwrap

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/otelkit/otelkit/internal/env"
)

// counter is an Around that counts batches and items, and replaces the
// export's error with its own when set.
type counter[B any] struct {
	batches, items int
	size           func(B) int
	err            error
}

func (c *counter[B]) around(ctx context.Context, b B, export func(context.Context, B) error) error {
	c.batches++
	c.items += c.size(b)
	if err := export(ctx, b); err != nil {
		return err
	}
	return c.err
}

type shutdownLog struct{ shut int }

type spanMem struct {
	shutdownLog
	got int
}

func (s *spanMem) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	s.got += len(spans)
	return nil
}
func (s *spanMem) Shutdown(context.Context) error { s.shut++; return nil }

type logMem struct {
	shutdownLog
	got, flushes int
}

func (l *logMem) Export(_ context.Context, r []sdklog.Record) error { l.got += len(r); return nil }
func (l *logMem) Shutdown(context.Context) error                    { l.shut++; return nil }
func (l *logMem) ForceFlush(context.Context) error                  { l.flushes++; return nil }

func TestWrappersRunAroundAndForward(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")

	mem := &spanMem{}
	sc := &counter[[]sdktrace.ReadOnlySpan]{size: func(b []sdktrace.ReadOnlySpan) int { return len(b) }, err: boom}
	se := Spans(mem, sc.around)
	spans := tracetest.SpanStubs{{Name: "a"}, {Name: "b"}}.Snapshots()
	if err := se.ExportSpans(ctx, spans); !errors.Is(err, boom) || sc.batches != 1 || sc.items != 2 || mem.got != 2 {
		t.Errorf("spans: err %v, batches %d items %d, exporter got %d", err, sc.batches, sc.items, mem.got)
	}
	if _ = se.Shutdown(ctx); mem.shut != 1 {
		t.Error("Shutdown not forwarded to the span exporter")
	}

	lm := &logMem{}
	lc := &counter[[]sdklog.Record]{size: func(b []sdklog.Record) int { return len(b) }}
	le := Logs(lm, lc.around)
	if err := le.Export(ctx, make([]sdklog.Record, 3)); err != nil || lc.items != 3 || lm.got != 3 {
		t.Errorf("logs: err %v, items %d, exporter got %d", err, lc.items, lm.got)
	}
	if _, _ = le.ForceFlush(ctx), le.Shutdown(ctx); lm.flushes != 1 || lm.shut != 1 {
		t.Error("ForceFlush or Shutdown not forwarded to the log exporter")
	}

	delta := func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }
	inner, err := stdoutmetric.New(stdoutmetric.WithWriter(io.Discard), stdoutmetric.WithTemporalitySelector(delta))
	if err != nil {
		t.Fatal(err)
	}
	mc := &counter[*metricdata.ResourceMetrics]{size: func(*metricdata.ResourceMetrics) int { return 1 }}
	me := Metrics(inner, mc.around)
	if err := me.Export(ctx, &metricdata.ResourceMetrics{}); err != nil || mc.batches != 1 {
		t.Errorf("metrics: err %v, batches %d", err, mc.batches)
	}
	// Temporality and Aggregation come from the wrapped exporter.
	if me.Temporality(sdkmetric.InstrumentKindCounter) != metricdata.DeltaTemporality {
		t.Error("Temporality not forwarded")
	}
	if err := me.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	mem := &spanMem{}
	if got, err := Apply[sdktrace.SpanExporter](ctx, mem, nil); got != mem || err != nil {
		t.Errorf("no wrapper: %v %v", got, err)
	}
	if got, err := Apply[sdktrace.SpanExporter](ctx, nil, func(sdktrace.SpanExporter) sdktrace.SpanExporter {
		t.Error("wrapper called for no exporter")
		return nil
	}); got != nil || err != nil {
		t.Errorf("no exporter: %v %v", got, err)
	}
	other := &spanMem{}
	if got, err := Apply[sdktrace.SpanExporter](ctx, mem, func(sdktrace.SpanExporter) sdktrace.SpanExporter { return other }); got != other || err != nil {
		t.Errorf("wrapped: %v %v", got, err)
	}
	_, err := Apply[sdktrace.SpanExporter](ctx, mem, func(sdktrace.SpanExporter) sdktrace.SpanExporter { return nil })
	var ce *env.Error
	if !errors.As(err, &ce) || ce.Option != "WithExporterWrapper" || mem.shut != 1 {
		t.Errorf("nil from the wrapper: %v, exporter shut down %d times", err, mem.shut)
	}
}

// selfPanicking's String panics with itself, so that fmt, formatting the
// panic value, panics again.
type selfPanicking struct{}

func (s selfPanicking) String() string { panic(s) }

func TestRecoveredTurnsAPanicIntoTheError(t *testing.T) {
	for _, tc := range []struct {
		value any
		want  string
	}{
		{"boom", "otelkit: the exporter panicked: boom"},
		{errors.New("nil map"), "otelkit: the exporter panicked: nil map"},
		{selfPanicking{}, "otelkit: the exporter panicked: (exportwrap.selfPanicking)"},
		{strings.Repeat("x", 2000), "otelkit: the exporter panicked: " + strings.Repeat("x", 512)},
	} {
		err := Recovered(context.Background(), 1, func(context.Context, int) error { panic(tc.value) })
		if err == nil || err.Error() != tc.want {
			t.Errorf("panic(%T): error %.80q, want %.80q", tc.value, err, tc.want)
		}
	}
	want := errors.New("export failed")
	if err := Recovered(context.Background(), 1, func(context.Context, int) error { return want }); err != want { //nolint:errorlint // the same error
		t.Errorf("error %v, want the export's own", err)
	}
}

func TestNilExporterStaysNil(t *testing.T) {
	if Spans(nil, Recovered) != nil || Metrics(nil, Recovered) != nil || Logs(nil, Recovered) != nil {
		t.Error("a nil exporter was wrapped")
	}
}
