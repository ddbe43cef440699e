package otel

import (
	"context"
	"strings"
	"sync"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"
)

type panickingError struct{}

func (panickingError) Error() string { panic("error boom") }

// TestLoggerSurvivesPanickingError: with the logs exporter on (here a
// processor beside it), tel.Logger().Error with zap.Error of an error
// whose Error panics writes the line with the panic noted and exports the
// record.
func TestLoggerSurvivesPanickingError(t *testing.T) {
	exp := &memLogExporter{}
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithTracesExporter("none"), WithMetricsExporter("none"),
		WithLogsExporter("none"), WithLogProcessor(sdklog.NewSimpleProcessor(exp)))
	tel.Logger().Error("job_failed", zap.Error(panickingError{}), zap.String("job", "7"))
	if s := out.String(); !strings.Contains(s, `"errorError":"PANIC=error boom"`) || !strings.Contains(s, `"job":"7"`) {
		t.Errorf("line: %s", s)
	}
	if n := exp.count(); n != 1 {
		t.Errorf("%d records exported, want 1", n)
	}
	_ = tel.Shutdown(context.Background())
}

// memLogExporter counts the records exported to it.
type memLogExporter struct {
	mu sync.Mutex
	n  int
}

func (e *memLogExporter) Export(_ context.Context, recs []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n += len(recs)
	return nil
}
func (e *memLogExporter) Shutdown(context.Context) error   { return nil }
func (e *memLogExporter) ForceFlush(context.Context) error { return nil }
func (e *memLogExporter) count() int                       { e.mu.Lock(); defer e.mu.Unlock(); return e.n }
