// Package oteltest starts otelkit's wiring with in-memory exporters, so a
// test can assert on the spans, metrics, OpenTelemetry log records and JSON
// log lines that the code under test produced.
//
//	func TestCheckout(t *testing.T) {
//		tel := oteltest.New(t)
//		handler.ServeHTTP(rec, req) // code that uses the globals, httpmw, logging.FromContext
//		spans := tel.Spans()
//		lines := tel.LogLines()
//		...
//	}
//
// New installs the globals (restored when the test ends), so tests that use
// it must not run in parallel with each other.
package oteltest

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/otel"
)

// Telemetry is a live otel.Telemetry whose signals are kept in memory.
type Telemetry struct {
	*otel.Telemetry
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	logs   *recordStore
	out    *lockedBuffer
}

// New calls otel.Init with every exporter off (whatever the environment
// says), sampling on, JSON log lines at debug level captured in memory, and
// extra opts after those; it shuts down when tb ends. It fails tb if Init
// fails.
func New(tb testing.TB, opts ...otel.Option) *Telemetry {
	tb.Helper()
	t := &Telemetry{
		spans:  tracetest.NewSpanRecorder(),
		reader: sdkmetric.NewManualReader(),
		logs:   &recordStore{},
		out:    &lockedBuffer{},
	}
	base := []otel.Option{
		otel.WithServiceName("oteltest"),
		otel.WithTracesExporter("none"),
		otel.WithMetricsExporter("none"),
		otel.WithLogsExporter("none"),
		otel.WithSampler(sdktrace.AlwaysSample()),
		otel.WithSpanProcessor(t.spans),
		otel.WithMetricReader(t.reader),
		otel.WithLogProcessor(t.logs),
		otel.WithoutRuntimeMetrics(),
		otel.WithoutDetectors(),
		otel.WithLogFormat("json"),
		otel.WithLogLevel(zapcore.DebugLevel),
		otel.WithLogOutput(zapcore.AddSync(t.out)),
	}
	tel, err := otel.Init(context.Background(), append(base, opts...)...)
	if err != nil {
		tb.Fatalf("oteltest: otel.Init: %v", err)
	}
	t.Telemetry = tel
	tb.Cleanup(func() {
		if err := tel.Shutdown(context.Background()); err != nil {
			tb.Errorf("oteltest: Shutdown: %v", err)
		}
	})
	return t
}

// Spans returns the spans that have ended so far.
func (t *Telemetry) Spans() []sdktrace.ReadOnlySpan { return t.spans.Ended() }

// Metrics collects the current metrics.
func (t *Telemetry) Metrics(ctx context.Context) (metricdata.ResourceMetrics, error) {
	var rm metricdata.ResourceMetrics
	err := t.reader.Collect(ctx, &rm)
	return rm, err
}

// LogRecords returns the OpenTelemetry log records the OTLP bridge emitted.
func (t *Telemetry) LogRecords() []sdklog.Record { return t.logs.all() }

// LogLines returns the JSON log lines written so far, each decoded into a
// map. It fails tb on a line that is not one JSON object.
func (t *Telemetry) LogLines(tb testing.TB) []map[string]any {
	tb.Helper()
	var lines []map[string]any
	for _, raw := range bytes.Split(t.out.Bytes(), []byte("\n")) {
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			tb.Fatalf("oteltest: log line is not a JSON object: %v: %q", err, raw)
		}
		lines = append(lines, m)
	}
	return lines
}

// recordStore is an sdklog.Processor that keeps every record.
type recordStore struct {
	mu   sync.Mutex
	recs []sdklog.Record
}

var _ sdklog.Processor = (*recordStore)(nil)

func (s *recordStore) OnEmit(_ context.Context, r *sdklog.Record) error {
	s.mu.Lock()
	s.recs = append(s.recs, r.Clone())
	s.mu.Unlock()
	return nil
}

// Enabled reports true: every record is kept.
func (s *recordStore) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

func (s *recordStore) Shutdown(context.Context) error   { return nil }
func (s *recordStore) ForceFlush(context.Context) error { return nil }

func (s *recordStore) all() []sdklog.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sdklog.Record(nil), s.recs...)
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}
