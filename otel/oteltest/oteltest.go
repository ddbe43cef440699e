package oteltest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// TestingT is what New needs of a test: *testing.T, *testing.B,
// *testing.F and testing.TB have it.
type TestingT interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// Telemetry is a live otel.Telemetry whose signals are kept in memory: the
// spans, metrics, log records and log lines of one test.
type Telemetry struct {
	*otel.Telemetry
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	logs   *recordStore
	out    *lockedBuffer
	ctx    context.Context

	live     atomic.Bool
	open     atomic.Int64 // spans started and not yet ended (registrar)
	tracesMu sync.Mutex
	traces   []trace.TraceID // the traces it started, routed to it

	refusedMu sync.Mutex
	refused   []string // the SDK's errors for routed instruments, each once
}

// noEnv is the environment of every Telemetry: nothing is set.
func noEnv(string) (string, bool) { return "", false }

// New calls otel.Init without globals and independent of the environment
// (no OTEL_* or OTELKIT_* variable changes anything), with every exporter
// off, sampling on, JSON log lines at debug level captured in memory (and
// written nowhere else unless opts give an output: otel.WithLogOutput or
// logging.WithOutput send them there too, and LogLines still has them), and
// opts after those (WithoutGlobals whatever they say); it shuts down when
// tb ends, and fails tb if Init fails. Tests that use it may run in
// parallel: see the package documentation for how what code emits through
// the globals reaches the Telemetry of its test.
func New(tb TestingT, opts ...otel.Option) *Telemetry {
	tb.Helper()
	h := sharedHub()
	t := &Telemetry{
		spans:  tracetest.NewSpanRecorder(),
		reader: sdkmetric.NewManualReader(),
		logs:   &recordStore{},
		out:    &lockedBuffer{},
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), sessionKey{}, t))
	t.ctx = ctx
	base := []otel.Option{
		otel.WithEnvLookup(noEnv),
		otel.WithServiceName("oteltest"),
		otel.WithTracesExporter("none"),
		otel.WithMetricsExporter("none"),
		otel.WithLogsExporter("none"),
		otel.WithSampler(sdktrace.AlwaysSample()),
		otel.WithSpanProcessor(registrar{h: h, t: t}),
		otel.WithSpanProcessor(t.spans),
		otel.WithMetricReader(t.reader),
		otel.WithLogProcessor(t.logs),
		otel.WithoutRuntimeMetrics(),
		otel.WithoutDetectors(),
		otel.WithLogFormat("json"),
		otel.WithLogLevel(zapcore.DebugLevel),
		// A copy, not the output: an output the test gives (WithLogOutput,
		// logging.WithOutput) replaces the discarding one, and LogLines
		// still sees every line.
		otel.WithLoggingOptions(logging.WithOutput(zapcore.AddSync(io.Discard)), logging.WithOutputCopy(zapcore.AddSync(t.out))),
	}
	all := append(append(base, opts...), otel.WithoutGlobals())
	tel, err := otel.Init(context.Background(), all...)
	if err != nil {
		cancel()
		tb.Fatalf("oteltest: otel.Init: %v", err)
		return nil
	}
	t.Telemetry = tel
	before := Unrouted()
	h.add(t)
	tb.Cleanup(func() { t.end(tb, h, before, cancel) })
	return t
}

// end is New's cleanup: t routes nothing from now on and shuts down, and
// the test's log says what it lost (spans not ended, instruments the SDK
// reported) and what code emitted through the globals for no test while it
// ran (before is Unrouted at its start).
func (t *Telemetry) end(tb TestingT, h *hub, before UnroutedCounts, cancel context.CancelFunc) {
	h.remove(t)
	cancel()
	if err := t.Shutdown(context.Background()); err != nil {
		tb.Errorf("oteltest: Shutdown: %v", err)
	}
	if n := t.open.Load(); n > 0 {
		h.unrouted.unended.Add(n)
		tb.Logf("oteltest: %d spans of this test had not ended when it ended; they are lost (end every span before the test returns)", n)
	}
	for _, err := range t.takeRefused() {
		tb.Logf("oteltest: the SDK reported an instrument the code made through the global meter provider: %s "+
			"(made on tel.MeterProvider() it returns this error)", err)
	}
	after := Unrouted()
	after.Unended = before.Unended // said above, for this test alone
	if after != before {
		tb.Logf("oteltest: while this test ran, code emitted through the globals from contexts of no test "+
			"(spans %d, measurements %d, logs %d, all tests); pass tel.Context() (or a context derived from it) to the code under test",
			after.Spans-before.Spans, after.Measurements-before.Measurements, after.Logs-before.Logs)
	}
}

// Context returns a context that belongs to t: what code under test
// starts or records from it, or from a context derived from it, through
// the globals (tracing.Start, otel.Tracer, otel.Meter, the global logger
// provider, httpmw without providers, logging.FromContext without a
// logger) reaches t. It is cancelled when the test ends.
func (t *Telemetry) Context() context.Context { return t.ctx }

// NewRequest is httptest.NewRequestWithContext with t's Context: a request
// for a handler under test whose spans, metrics and lines t sees.
func (t *Telemetry) NewRequest(method, target string, body io.Reader) *http.Request {
	return httptest.NewRequestWithContext(t.ctx, method, target, body)
}

func (t *Telemetry) addTrace(id trace.TraceID) {
	t.tracesMu.Lock()
	t.traces = append(t.traces, id)
	t.tracesMu.Unlock()
}

func (t *Telemetry) takeTraces() []trace.TraceID {
	t.tracesMu.Lock()
	defer t.tracesMu.Unlock()
	ids := t.traces
	t.traces = nil
	return ids
}

// noteRefused keeps the SDK's error for a routed instrument, for the
// test's log at its end.
func (t *Telemetry) noteRefused(err error) {
	t.refusedMu.Lock()
	defer t.refusedMu.Unlock()
	if msg := err.Error(); !slices.Contains(t.refused, msg) {
		t.refused = append(t.refused, msg)
	}
}

func (t *Telemetry) takeRefused() []string {
	t.refusedMu.Lock()
	defer t.refusedMu.Unlock()
	msgs := t.refused
	t.refused = nil
	return msgs
}

// Spans returns the spans that have ended so far.
func (t *Telemetry) Spans() []sdktrace.ReadOnlySpan {
	ended := t.spans.Ended()
	for i, s := range ended {
		ended[i] = ownResource{s, t.Resource()}
	}
	return ended
}

// ownResource is a span with the Telemetry's resource: the SDK merges the
// process's OTEL_RESOURCE_ATTRIBUTES under any resource it is given.
type ownResource struct {
	sdktrace.ReadOnlySpan
	res *resource.Resource
}

func (s ownResource) Resource() *resource.Resource { return s.res }

// Metrics collects the current metrics. A nil ctx is context.Background();
// an ended one returns its error.
func (t *Telemetry) Metrics(ctx context.Context) (metricdata.ResourceMetrics, error) {
	var rm metricdata.ResourceMetrics
	err := t.reader.Collect(option.Context(ctx), &rm) // the reader dereferences ctx
	if err == nil {
		rm.Resource = t.Resource() // as for Spans
	}
	return rm, err
}

// LogRecords returns the OpenTelemetry log records the OTLP bridge emitted
// and those emitted through the global logger provider. Unlike Spans and
// Metrics, a record's Resource() is the SDK's: it merges the process's
// OTEL_RESOURCE_ATTRIBUTES under the Telemetry's resource (the SDK does
// so for any resource it is given); compare Telemetry.Resource instead.
func (t *Telemetry) LogRecords() []sdklog.Record { return t.logs.all() }

// LogLines returns the JSON log lines written so far, each decoded into a
// map, also when an option given to New sends them to an output of its own
// (they go there too). It fails tb on a line that is not one JSON object
// (otel.WithLogFormat("console")).
func (t *Telemetry) LogLines(tb TestingT) []map[string]any {
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
