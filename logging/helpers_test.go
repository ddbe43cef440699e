package logging_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is a concurrency-safe WriteSyncer capturing lines.
type syncBuffer struct{ logbuf.Buffer }

// Lines returns the non-empty lines written so far.
func (b *syncBuffer) Lines() []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// noEnv is an environment with nothing set.
func noEnv(string) (string, bool) { return "", false }

// envOf returns an environment lookup reading m.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// fixedClock always tells the same time.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                         { return c.t }
func (c fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// newJSON builds a JSON logger writing to a buffer, with no environment.
func newJSON(t testing.TB, opts ...logging.Option) (*logging.Logger, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	all := append([]logging.Option{logging.WithFormat("json"), logging.WithOutput(buf), logging.WithEnvLookup(noEnv)}, opts...)
	l, err := logging.New(all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l, buf
}

// decode parses one JSON line into a map, failing the test if it is not
// exactly one JSON object.
func decode(t testing.TB, line string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("line is not JSON: %v\n%s", err, line)
	}
	if dec.More() {
		t.Fatalf("line holds more than one JSON value: %s", line)
	}
	return m
}

// keys returns the top-level keys of a JSON object line, in order.
func keys(t testing.TB, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	var out []string
	depth := 0
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				depth++
				expectKey = v == '{' && depth == 1
			case '}', ']':
				depth--
				if depth == 1 {
					expectKey = true
				}
			}
			continue
		}
		if depth == 1 {
			if expectKey {
				out = append(out, tok.(string))
				expectKey = false
			} else {
				expectKey = true
			}
		}
	}
	return out
}

// lastLine returns the last line written, decoded.
func lastLine(t testing.TB, b *syncBuffer) map[string]any {
	t.Helper()
	lines := b.Lines()
	if len(lines) == 0 {
		t.Fatal("nothing was written")
	}
	return decode(t, lines[len(lines)-1])
}

// newTracer returns an SDK tracer provider recording every span.
func newTracer(t testing.TB) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

// staticSpan returns a context holding a remote span context.
func staticSpan(sampled bool) (context.Context, trace.SpanContext) {
	cfg := trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	}
	if sampled {
		cfg.TraceFlags = trace.FlagsSampled
	}
	sc := trace.NewSpanContext(cfg)
	return trace.ContextWithSpanContext(context.Background(), sc), sc
}

// replaceGlobal swaps zap's global logger for the test.
func replaceGlobal(t testing.TB, l *zap.Logger) {
	t.Helper()
	undo := zap.ReplaceGlobals(l)
	t.Cleanup(undo)
}

var _ zapcore.WriteSyncer = (*syncBuffer)(nil)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
