package logprovider

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
)

// countingExporter counts the records and calls that reach it.
type countingExporter struct {
	sdklog.Exporter
	records, calls *atomic.Int64
}

func (e countingExporter) Export(ctx context.Context, rs []sdklog.Record) error {
	e.calls.Add(1)
	e.records.Add(int64(len(rs)))
	return e.Exporter.Export(ctx, rs)
}

// TestExporterWrapperCountsExports: the wrapper sits between the batch processor
// and the exporter, so it sees every record that is exported, and the
// wrapped exporter still writes them.
func TestExporterWrapperCountsExports(t *testing.T) {
	var records, calls, wrapped atomic.Int64
	out := &syncBuffer{}
	wrap := func(e sdklog.Exporter) sdklog.Exporter {
		wrapped.Add(1)
		return countingExporter{Exporter: e, records: &records, calls: &calls}
	}
	lp, err := NewLoggerProvider(context.Background(), lookup(nil),
		WithOTLPOverrides(otlpconf.Overrides{Exporter: "console", Console: out}), WithExporterWrapper(wrap))
	if err != nil {
		t.Fatalf("NewLoggerProvider: %v", err)
	}
	if r := lp.ExporterConfig(); r.Exporter != "console" {
		t.Errorf("resolved exporter %q", r.Exporter)
	}
	for i := range 6 {
		emit(lp.LoggerProvider(), "line-"+string(rune('a'+i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if wrapped.Load() != 1 || records.Load() != 6 || calls.Load() < 1 {
		t.Errorf("wrapper built %d times, saw %d records in %d calls; want 1, 6, >= 1", wrapped.Load(), records.Load(), calls.Load())
	}
	if !strings.Contains(out.String(), "line-f") {
		t.Errorf("the wrapped console exporter wrote nothing: %q", out.String())
	}
}

// TestExporterWrapperNone: with "none" there is no exporter, so the wrapper is
// not called.
func TestExporterWrapperNone(t *testing.T) {
	called := false
	lp, err := NewLoggerProvider(context.Background(), lookup(nil), WithOTLPOverrides(otlpconf.Overrides{Exporter: "none"}),
		WithExporterWrapper(func(e sdklog.Exporter) sdklog.Exporter { called = true; return e }))
	if err != nil {
		t.Fatalf("NewLoggerProvider: %v", err)
	}
	defer func() { _ = lp.Shutdown(context.Background()) }()
	if called {
		t.Error("wrapper called for the exporter none")
	}
}

// TestExporterWrapperNilResult: a wrapper that returns nil is an error, not a
// panic later in the batch processor.
func TestExporterWrapperNilResult(t *testing.T) {
	lp, err := NewLoggerProvider(context.Background(), lookup(nil),
		WithOTLPOverrides(otlpconf.Overrides{Exporter: "console", Console: &syncBuffer{}}),
		WithExporterWrapper(func(sdklog.Exporter) sdklog.Exporter { return nil }))
	var ce *env.Error
	if !errors.As(err, &ce) || ce.Option != "WithExporterWrapper" {
		t.Errorf("err = %v, want an *env.Error naming WithExporterWrapper", err)
	}
	if lp != nil {
		t.Error("a provider was returned with the error")
		_ = lp.Shutdown(context.Background())
	}
}
