package logging_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelkit/otelkit/logging"
)

func TestLineContractKeyOrder(t *testing.T) {
	l, buf := newJSON(t)
	ctx, _ := staticSpan(true)
	ctx = logging.NewContext(ctx, l.Zap())
	ctx = logging.With(ctx, zap.String("tenant", "acme"))
	ctx = logging.With(ctx, zap.String("request_id", "req-1")) // bound after another field: still right after the trace fields
	logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "42"), zap.Int("items", 3))

	lines := buf.Lines()
	if len(lines) != 1 {
		t.Fatalf("want 1 line, got %d: %q", len(lines), lines)
	}
	got := strings.Join(keys(t, lines[0]), ",")
	want := "time,level,msg,caller,trace_id,span_id,trace_flags,request_id,tenant,order_id,items"
	if got != want {
		t.Fatalf("key order\n got %s\nwant %s", got, want)
	}
	m := decode(t, lines[0])
	if m["level"] != "info" || m["msg"] != "order_loaded" || m["request_id"] != "req-1" || m["tenant"] != "acme" {
		t.Fatalf("unexpected values: %v", m)
	}
	if !regexp.MustCompile(`^logging/logging_test\.go:\d+$`).MatchString(m["caller"].(string)) {
		t.Fatalf("caller = %v", m["caller"])
	}
}

func TestTimeIsRFC3339UTCWithSubSeconds(t *testing.T) {
	loc := time.FixedZone("X", 5*3600)
	at := time.Date(2024, 2, 29, 23, 59, 58, 120000000, loc)
	l, buf := newJSON(t, logging.WithClock(fixedClock{at}))
	l.Zap().Info("tick")
	m := lastLine(t, buf)
	ts := m["time"].(string)
	if ts != "2024-02-29T18:59:58.120000000Z" {
		t.Fatalf("time = %q", ts)
	}
	back, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil || !back.Equal(at) {
		t.Fatalf("time %q does not parse back to %v: %v", ts, at, err)
	}
}

func TestTraceFieldsSampledAndUnsampled(t *testing.T) {
	for _, sampled := range []bool{true, false} {
		l, buf := newJSON(t)
		ctx, sc := staticSpan(sampled)
		ctx = logging.NewContext(ctx, l.Zap())
		logging.FromContext(ctx).Info("x")
		m := lastLine(t, buf)
		flags := "00"
		if sampled {
			flags = "01"
		}
		if m["trace_id"] != sc.TraceID().String() || m["span_id"] != sc.SpanID().String() || m["trace_flags"] != flags {
			t.Fatalf("sampled=%v: got %v", sampled, m)
		}
	}
}

func TestTraceFieldsAbsentWithoutSpan(t *testing.T) {
	l, buf := newJSON(t)
	ctx := logging.NewContext(context.Background(), l.Zap())
	// An invalid span context (zero IDs) counts as no span.
	ctx = trace.ContextWithSpanContext(ctx, trace.SpanContext{})
	logging.FromContext(ctx).Info("x")
	m := lastLine(t, buf)
	for _, k := range []string{"trace_id", "span_id", "trace_flags"} {
		if _, ok := m[k]; ok {
			t.Fatalf("%s present without a span: %v", k, m)
		}
	}
}

func TestChildSpanCarriesChildSpanID(t *testing.T) {
	tp, _ := newTracer(t)
	tr := tp.Tracer("test")
	l, buf := newJSON(t)

	ctx, parent := tr.Start(context.Background(), "parent")
	defer parent.End()
	ctx = logging.NewContext(ctx, l.Zap())
	ctx = logging.With(ctx, zap.String("request_id", "r1"))

	c1ctx, c1 := tr.Start(ctx, "child1")
	c2ctx, c2 := tr.Start(ctx, "child2")
	defer c1.End()
	defer c2.End()

	// Alternate between contexts so every cache slot is exercised.
	seq := []struct {
		ctx  context.Context
		span trace.Span
	}{{ctx, parent}, {c1ctx, c1}, {c1ctx, c1}, {c2ctx, c2}, {ctx, parent}, {c1ctx, c1}, {c2ctx, c2}, {c2ctx, c2}}
	for i, s := range seq {
		logging.FromContext(s.ctx).Info("step", zap.Int("i", i))
	}
	lines := buf.Lines()
	if len(lines) != len(seq) {
		t.Fatalf("want %d lines, got %d", len(seq), len(lines))
	}
	for i, s := range seq {
		m := decode(t, lines[i])
		sc := s.span.SpanContext()
		if m["span_id"] != sc.SpanID().String() || m["trace_id"] != sc.TraceID().String() {
			t.Fatalf("line %d: span_id %v, want %s", i, m["span_id"], sc.SpanID())
		}
		if m["request_id"] != "r1" {
			t.Fatalf("line %d: request_id lost: %v", i, m)
		}
	}
}

func TestWithKeepsEarlierFieldsAndContextIsImmutable(t *testing.T) {
	l, buf := newJSON(t)
	ctx := logging.NewContext(context.Background(), l.Zap())
	a := logging.With(ctx, zap.String("a", "1"))
	b := logging.With(a, zap.String("b", "2"))
	if logging.With(b) != b {
		t.Fatal("With without fields must return ctx itself")
	}
	logging.FromContext(a).Info("only_a")
	logging.FromContext(b).Info("a_and_b")
	lines := buf.Lines()
	ma, mb := decode(t, lines[0]), decode(t, lines[1])
	if _, ok := ma["b"]; ok || ma["a"] != "1" {
		t.Fatalf("parent context changed: %v", ma)
	}
	if mb["a"] != "1" || mb["b"] != "2" {
		t.Fatalf("child context lost fields: %v", mb)
	}
}

func TestFromContextFallsBackToGlobal(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	replaceGlobal(t, zap.New(core))

	logging.FromContext(context.Background()).Info("no_binding")
	ctx, sc := staticSpan(true)
	logging.FromContext(ctx).Info("span_only")
	logging.FromContext(logging.With(context.Background(), zap.String("k", "v"))).Info("bound_on_global")

	all := logs.AllUntimed()
	if len(all) != 3 {
		t.Fatalf("want 3 entries on the global logger, got %d", len(all))
	}
	if got := all[1].ContextMap()["trace_id"]; got != sc.TraceID().String() {
		t.Fatalf("global fallback without trace_id: %v", all[1].ContextMap())
	}
	if got := all[2].ContextMap()["k"]; got != "v" {
		t.Fatalf("With on the global logger lost k: %v", all[2].ContextMap())
	}
}

func TestFromContextNeverReturnsNoop(t *testing.T) {
	replaceGlobal(t, zap.NewNop())
	l := logging.FromContext(context.Background())
	if l == nil || !l.Core().Enabled(zapcore.InfoLevel) {
		t.Fatal("FromContext fell back to a logger that drops info lines")
	}
	if logging.NewContext(context.Background(), nil) == nil {
		t.Fatal("NewContext(nil logger) returned nil")
	}
	var nilCtx context.Context // a nil context must not panic
	if logging.FromContext(nilCtx) == nil {
		t.Fatal("FromContext(nil) returned nil")
	}
	if logging.With(nilCtx, zap.String("k", "v")) == nil || logging.With(nilCtx) == nil || logging.NewContext(nilCtx, zap.NewNop()) == nil {
		t.Fatal("With/NewContext(nil ctx) returned nil")
	}
}

type typedErr struct{ msg string }

func (e *typedErr) Error() string { return e.msg }

type panicErr struct{}

func (panicErr) Error() string { panic("boom") }

func TestErr(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().Info("e", logging.Err(&typedErr{"disk full"}))
	m := lastLine(t, buf)
	if m["error"] != "disk full" || m["error_type"] != "*logging_test.typedErr" {
		t.Fatalf("Err wrote %v", m)
	}

	l.Zap().Info("nil_err", logging.Err(nil))
	m = lastLine(t, buf)
	if _, ok := m["error"]; ok {
		t.Fatalf("Err(nil) wrote a field: %v", m)
	}

	var nilPtr *typedErr
	l.Zap().Error("typed_nil", logging.Err(nilPtr))
	m = lastLine(t, buf)
	if m["error"] != "<nil>" {
		t.Fatalf("typed nil: %v", m)
	}

	l.Zap().Error("panicking", logging.Err(panicErr{}))
	m = lastLine(t, buf)
	if !strings.Contains(m["error"].(string), "PANIC") {
		t.Fatalf("panicking Error(): %v", m)
	}
}

func TestStackTraceOnErrorOnly(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().Warn("w")
	if _, ok := lastLine(t, buf)["stacktrace"]; ok {
		t.Fatal("stack trace on a warn line")
	}
	l.Zap().Error("e")
	st, _ := lastLine(t, buf)["stacktrace"].(string)
	if !strings.Contains(st, "TestStackTraceOnErrorOnly") {
		t.Fatalf("no stack trace on an error line: %q", st)
	}
}

// secretKey keys a context value that no log line may show.
type secretKey struct{}

func TestContextValueNeverSerialised(t *testing.T) {
	l, buf := newJSON(t)
	ctx := logging.NewContext(context.WithValue(context.Background(), secretKey{}, "secret-value"), l.Zap())
	zl := logging.FromContext(ctx).With(zap.Any("bound_ctx", ctx))
	zl.Info("x", zap.Any("ctx", ctx), zap.Reflect("ctx2", ctx), zap.Stringer("ctx3", ctx.(interface{ String() string })))
	line := buf.Lines()[0]
	if strings.Contains(line, "ctx") || strings.Contains(line, "secret-value") || strings.Contains(line, "context.") {
		t.Fatalf("a context was serialised: %s", line)
	}

	cbuf := &syncBuffer{}
	cl, err := logging.New(logging.WithFormat("console"), logging.WithOutput(cbuf), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	cl.Zap().With(zap.Any("bound_ctx", ctx)).Info("x", zap.Any("ctx", ctx), zap.Int("n", 1))
	if out := cbuf.String(); strings.Contains(out, "ctx") || strings.Contains(out, "secret-value") || !strings.Contains(out, ` n=1 `) {
		t.Fatalf("console line: %s", out)
	}
}

func TestSpanErrorsRecordedOnRecordingSpan(t *testing.T) {
	tp, rec := newTracer(t)
	l, _ := newJSON(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "op")
	ctx = logging.NewContext(ctx, l.Zap())

	logging.FromContext(ctx).Info("info_with_err", logging.Err(errors.New("not recorded")))
	logging.FromContext(ctx).Error("failed", logging.Err(&typedErr{"db down"}))
	logging.FromContext(ctx).Error("failed_zap", zap.Error(errors.New("zap error")))
	logging.FromContext(ctx).Error("no_error_field")
	span.End()

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("want 1 span, got %d", len(spans))
	}
	var msgs []string
	for _, ev := range spans[0].Events() {
		if ev.Name != "exception" {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "exception.message" {
				msgs = append(msgs, a.Value.AsString())
			}
		}
	}
	if strings.Join(msgs, "|") != "db down|zap error" {
		t.Fatalf("exception events: %q", msgs)
	}
}

func TestWithoutSpanErrors(t *testing.T) {
	tp, rec := newTracer(t)
	l, _ := newJSON(t, logging.WithoutSpanErrors())
	ctx, span := tp.Tracer("t").Start(context.Background(), "op")
	logging.FromContext(logging.NewContext(ctx, l.Zap())).Error("failed", logging.Err(errors.New("x")))
	span.End()
	if n := len(rec.Ended()[0].Events()); n != 0 {
		t.Fatalf("WithoutSpanErrors still recorded %d events", n)
	}
}

func TestSpanErrorsIgnoreNonRecordingSpan(t *testing.T) {
	l, buf := newJSON(t)
	ctx, _ := staticSpan(true) // a remote span context: not recording
	logging.FromContext(logging.NewContext(ctx, l.Zap())).Error("failed", logging.Err(panicErr{}))
	if len(buf.Lines()) != 1 {
		t.Fatal("line not written")
	}
}

func TestRequestIDRenderedOnceAndReplaced(t *testing.T) {
	l, buf := newJSON(t)
	ctx := logging.NewContext(context.Background(), l.Zap())
	ctx = logging.With(ctx, zap.String("request_id", "first"))
	ctx = logging.With(ctx, zap.String("request_id", "second"))
	logging.FromContext(ctx).Info("x")
	line := buf.Lines()[0]
	if strings.Count(line, `"request_id"`) != 1 || !strings.Contains(line, `"request_id":"second"`) {
		t.Fatalf("request_id: %s", line)
	}
}

func TestNamedLogger(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().Named("db").Info("x")
	if got := lastLine(t, buf)["logger"]; got != "db" {
		t.Fatalf("logger = %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	tp, _ := newTracer(t)
	tr := tp.Tracer("t")
	l, buf := newJSON(t)
	ctx, root := tr.Start(context.Background(), "root")
	defer root.End()
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "r"))
	var wg sync.WaitGroup
	want := map[string]bool{}
	var mu sync.Mutex
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			cctx, child := tr.Start(ctx, "child")
			defer child.End()
			mu.Lock()
			want[child.SpanContext().SpanID().String()] = true
			mu.Unlock()
			for i := 0; i < 50; i++ {
				logging.FromContext(cctx).Info("c", zap.Int("g", g))
				logging.FromContext(ctx).Info("p")
				if i == 25 {
					l.SetLevel(zapcore.InfoLevel)
				}
			}
		}(g)
	}
	wg.Wait()
	lines := buf.Lines()
	if len(lines) != 8*100 {
		t.Fatalf("want 800 lines, got %d", len(lines))
	}
	for _, line := range lines {
		m := decode(t, line)
		sid := m["span_id"].(string)
		if m["msg"] == "p" && sid != root.SpanContext().SpanID().String() {
			t.Fatalf("parent line with span %s", sid)
		}
		if m["msg"] == "c" && !want[sid] {
			t.Fatalf("child line with unknown span %s", sid)
		}
	}
}

func TestLongRequestIDInChildSpan(t *testing.T) {
	tp, _ := newTracer(t)
	l, buf := newJSON(t, logging.WithProfile("gcp"), logging.WithGCPProject(strings.Repeat("p", 90)))
	long := strings.Repeat("r", 400) // longer than the inline room for trace fields
	ctx, parent := tp.Tracer("t").Start(context.Background(), "parent")
	defer parent.End()
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", long))
	cctx, child := tp.Tracer("t").Start(ctx, "child")
	defer child.End()
	logging.FromContext(cctx).Info("a")
	logging.FromContext(ctx).Info("b")
	lines := buf.Lines()
	a, b := decode(t, lines[0]), decode(t, lines[1])
	if a["request_id"] != long || b["request_id"] != long {
		t.Fatal("long request_id damaged")
	}
	if a["logging.googleapis.com/spanId"] != child.SpanContext().SpanID().String() || b["logging.googleapis.com/spanId"] != parent.SpanContext().SpanID().String() {
		t.Fatalf("span ids %v / %v", a["logging.googleapis.com/spanId"], b["logging.googleapis.com/spanId"])
	}
}

func TestNilLoggerIsSafe(t *testing.T) {
	for name, l := range map[string]*logging.Logger{"nil": nil, "zero": new(logging.Logger)} {
		t.Run(name, func(t *testing.T) { checkUnbuiltLogger(t, l) })
	}
}

// checkUnbuiltLogger: a *Logger New did not build (nil, or a zero value)
// behaves as documented for a nil one.
func checkUnbuiltLogger(t *testing.T, l *logging.Logger) {
	if _, on := l.BufferLevel(); on || l.LevelChanged() {
		t.Fatal("unbuilt *Logger: buffering on or level changed")
	}
	if l.Zap() == nil || l.Slog() == nil || l.Sync() != nil || l.Level() != zapcore.InfoLevel {
		t.Fatal("nil *Logger methods")
	}
	l.SetLevel(zapcore.DebugLevel)
	rec := httptest.NewRecorder()
	l.LevelHandler().ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("nil logger level handler: %d", rec.Code)
	}
}

func TestWithBindsSpanEagerlyAndUnbinds(t *testing.T) {
	tp, _ := newTracer(t)
	l, buf := newJSON(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "server")
	defer span.End()
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "r"))
	ctx = logging.With(ctx, zap.String("user", "bob")) // chained With in the same span
	if n := testing.AllocsPerRun(100, func() { _ = logging.FromContext(ctx) }); n != 0 {
		t.Fatalf("FromContext after With allocates %v", n)
	}
	logging.FromContext(ctx).Info("in_span")
	// A context derived with the span removed writes no trace fields.
	noSpan := trace.ContextWithSpanContext(ctx, trace.SpanContext{})
	logging.FromContext(noSpan).Info("no_span")
	logging.FromContext(noSpan).Info("no_span_again")
	cctx, child := tp.Tracer("t").Start(ctx, "child")
	logging.FromContext(cctx).Info("child")
	child.End()
	lines := buf.Lines()
	m0, m1, m2, m3 := decode(t, lines[0]), decode(t, lines[1]), decode(t, lines[2]), decode(t, lines[3])
	if m0["span_id"] != span.SpanContext().SpanID().String() || m0["user"] != "bob" || m0["request_id"] != "r" {
		t.Fatalf("in span: %v", m0)
	}
	for _, m := range []map[string]any{m1, m2} {
		if _, ok := m["trace_id"]; ok || m["request_id"] != "r" || m["user"] != "bob" {
			t.Fatalf("without span: %v", m)
		}
	}
	if m3["span_id"] != child.SpanContext().SpanID().String() || m3["user"] != "bob" {
		t.Fatalf("child: %v", m3)
	}
}

func TestLoggerFromSpanReusedWithoutSpan(t *testing.T) {
	l, buf := newJSON(t)
	sctx, _ := staticSpan(true)
	spanLogger := logging.FromContext(logging.NewContext(sctx, l.Zap())) // carries the span
	// Start a context without a span from it, and bind more fields.
	ctx := logging.NewContext(context.Background(), spanLogger)
	logging.FromContext(ctx).Info("a")
	logging.FromContext(logging.With(ctx, zap.String("k", "v"))).Info("b")
	// Back in the span: the trace fields come back.
	logging.FromContext(logging.NewContext(sctx, spanLogger)).Info("c")
	lines := buf.Lines()
	for i, want := range []bool{false, false, true} {
		_, has := decode(t, lines[i])["trace_id"]
		if has != want {
			t.Fatalf("line %d: trace_id present=%v, want %v: %s", i, has, want, lines[i])
		}
	}
}
