package httpmw

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a goroutine-safe bytes.Buffer for log output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testEnv holds in-memory trace, metric and log sinks.
type testEnv struct {
	sr     *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	out    *syncBuffer
	log    *zap.Logger
}

func jsonEncoderConfig() zapcore.EncoderConfig {
	return zapcore.EncoderConfig{
		TimeKey: "time", LevelKey: "level", MessageKey: "msg", CallerKey: "caller",
		StacktraceKey:  "stacktrace",
		EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
		EncodeLevel:    zapcore.LowercaseLevelEncoder,
		EncodeCaller:   zapcore.ShortCallerEncoder,
		EncodeDuration: zapcore.StringDurationEncoder,
	}
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	e := &testEnv{sr: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader(), out: &syncBuffer{}}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.sr))
	e.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	e.log = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), zapcore.AddSync(e.out), zapcore.DebugLevel), zap.AddCaller())
	t.Cleanup(func() {
		_ = e.tp.Shutdown(context.Background())
		_ = e.mp.Shutdown(context.Background())
	})
	return e
}

var testPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

func (e *testEnv) opts(extra ...Option) []Option {
	return append([]Option{
		WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(e.log),
		WithPropagators(testPropagator), WithServerName("test-server"),
	}, extra...)
}

// lines parses every log line; each must be exactly one JSON object.
func (e *testEnv) lines(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimRight(e.out.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(l))
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("log line is not one JSON object: %v\n%s", err, l)
		}
		if dec.More() {
			t.Fatalf("log line holds more than one JSON value:\n%s", l)
		}
		out = append(out, m)
	}
	return out
}

func (e *testEnv) linesWithMsg(t testing.TB, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range e.lines(t) {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

func (e *testEnv) oneLine(t testing.TB, msg string) map[string]any {
	t.Helper()
	ls := e.linesWithMsg(t, msg)
	if len(ls) != 1 {
		t.Fatalf("want one %q line, got %d:\n%s", msg, len(ls), e.out.String())
	}
	return ls[0]
}

func (e *testEnv) serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func (e *testEnv) onlySpan(t testing.TB) sdktrace.ReadOnlySpan {
	t.Helper()
	spans := e.sr.Ended()
	if len(spans) != 1 {
		t.Fatalf("want 1 span, got %d", len(spans))
	}
	return spans[0]
}

func spanAttr(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// durationSeries returns the attribute sets of http.server.request.duration.
func (e *testEnv) durationSeries(t testing.TB) []attribute.Set {
	t.Helper()
	return e.histogramSeries(t, "http.server.request.duration")
}

// histogramSeries returns the attribute sets of the histogram name.
func (e *testEnv) histogramSeries(t testing.TB, name string) []attribute.Set {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var sets []attribute.Set
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				t.Fatalf("%s data is %T", name, m.Data)
			}
			for _, dp := range h.DataPoints {
				sets = append(sets, dp.Attributes)
			}
		}
	}
	return sets
}
