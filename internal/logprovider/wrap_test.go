package logprovider

import (
	"context"
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

// TestNewWrappedCountsExports: the wrapper sits between the batch processor
// and the exporter, so it sees every record that is exported, and the
// wrapped exporter still writes them.
func TestNewWrappedCountsExports(t *testing.T) {
	var records, calls, wrapped atomic.Int64
	out := &syncBuffer{}
	wrap := func(e sdklog.Exporter) sdklog.Exporter {
		wrapped.Add(1)
		return countingExporter{Exporter: e, records: &records, calls: &calls}
	}
	lp, r, err := NewWrapped(context.Background(), env.FromMap(nil), nil,
		otlpconf.Overrides{Exporter: "console", Console: out}, wrap, nil)
	if err != nil {
		t.Fatalf("NewWrapped: %v", err)
	}
	if r.Exporter != "console" {
		t.Errorf("resolved exporter %q", r.Exporter)
	}
	for i := range 6 {
		emit(lp, "line-"+string(rune('a'+i)))
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

// TestNewWrappedNone: with "none" there is no exporter, so the wrapper is
// not called.
func TestNewWrappedNone(t *testing.T) {
	called := false
	lp, _, err := NewWrapped(context.Background(), env.FromMap(nil), nil, otlpconf.Overrides{Exporter: "none"},
		func(e sdklog.Exporter) sdklog.Exporter { called = true; return e }, nil)
	if err != nil {
		t.Fatalf("NewWrapped: %v", err)
	}
	defer func() { _ = lp.Shutdown(context.Background()) }()
	if called {
		t.Error("wrapper called for the exporter none")
	}
}

// TestNewWrappedNilResult: a wrapper that returns nil is an error, not a
// panic later in the batch processor.
func TestNewWrappedNilResult(t *testing.T) {
	lp, _, err := NewWrapped(context.Background(), env.FromMap(nil), nil,
		otlpconf.Overrides{Exporter: "console", Console: &syncBuffer{}},
		func(sdklog.Exporter) sdklog.Exporter { return nil }, nil)
	if err == nil || !strings.Contains(err.Error(), "wrapper returned nil") {
		t.Errorf("err = %v, want one saying the wrapper returned nil", err)
	}
	if lp != nil {
		t.Error("a provider was returned with the error")
		_ = lp.Shutdown(context.Background())
	}
}
