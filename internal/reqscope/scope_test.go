package reqscope_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
)

// lineBuffer collects JSON lines.
type lineBuffer struct{ logbuf.Buffer }

// lines returns the lines written so far, each decoded, with its keys in
// order under "_keys".
func (b *lineBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		dec := json.NewDecoder(strings.NewReader(l))
		_, _ = dec.Token()
		var keys []string
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			var skip json.RawMessage
			_ = dec.Decode(&skip)
		}
		m["_keys"] = strings.Join(keys, ",")
		out = append(out, m)
	}
	return out
}

// otelkitLogger is a logger built by logging.New writing JSON lines.
func otelkitLogger(t *testing.T) (*zap.Logger, *lineBuffer) {
	t.Helper()
	buf := &lineBuffer{}
	l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(buf),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	return l.Zap(), buf
}

// foreignLogger is a plain zap JSON logger (not built by logging.New).
func foreignLogger() (*zap.Logger, *lineBuffer) {
	buf := &lineBuffer{}
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
	return zap.New(zapcore.NewCore(enc, buf, zapcore.DebugLevel)), buf
}

// spanContext starts a recorded span and returns its context.
func spanContext(t *testing.T) (context.Context, trace.Span, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("t").Start(context.Background(), "server")
	return ctx, span, rec
}

// route is a late marshaler: the route, once set.
type route struct{ v string }

func (r *route) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	if r.v != "" {
		enc.AddString("route", r.v)
	}
	return nil
}

// status is a transport's access-line fields.
type status int

func (s status) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddInt("status", int(s))
	return nil
}

func TestBeginRequestID(t *testing.T) {
	long := strings.Repeat("a", 129)
	cases := []struct {
		name string
		in   []string
		keep bool
	}{
		{"one valid value", []string{"req-1.2_3~:/+=@"}, true},
		{"longest", []string{long[:128]}, true},
		{"none", nil, false},
		{"empty", []string{""}, false},
		{"two values", []string{"a", "b"}, false},
		{"too long", []string{long}, false},
		{"a space", []string{"a b"}, false},
		{"a line break", []string{"a\nb"}, false},
		{"non-ASCII", []string{"ä"}, false},
	}
	for _, tc := range cases {
		var s reqscope.Scope
		s.Begin(tc.in, zap.NewNop(), nil)
		id := s.ID()
		switch {
		case tc.keep && id != tc.in[0]:
			t.Errorf("%s: ID %q, want the incoming one", tc.name, id)
		case !tc.keep && (len(id) != 32 || strings.Trim(id, "0123456789abcdef") != ""):
			t.Errorf("%s: ID %q, want 32 new hex characters", tc.name, id)
		}
		if v := s.IDValues(); len(v) != 1 || cap(v) != 1 || v[0] != id {
			t.Errorf("%s: IDValues %q (cap %d)", tc.name, v, cap(v))
		}
	}
}

func TestBindCarriesScopeAndRequestFields(t *testing.T) {
	for _, name := range []string{"otelkit", "foreign"} {
		t.Run(name, func(t *testing.T) {
			l, buf := foreignLogger()
			want := "level,msg,trace_id,span_id,trace_flags,request_id,method,route,n"
			if name == "otelkit" {
				l, buf = otelkitLogger(t)
				want = "time,level,msg,caller,trace_id,span_id,trace_flags,request_id,method,route,n"
			}
			ctx, span, _ := spanContext(t)
			var s reqscope.Scope
			rt := &route{}
			s.Begin([]string{"req-1"}, l, rt, zap.String("method", "GET"))
			ctx = s.Bind(ctx)
			if reqscope.FromContext(ctx) != &s || reqscope.ID(ctx) != "req-1" {
				t.Fatalf("scope in context: %p, ID %q", reqscope.FromContext(ctx), reqscope.ID(ctx))
			}
			rt.v = "/orders/{id}" // the router matched
			logging.FromContext(ctx).Info("loaded", zap.Int("n", 1))
			lines := buf.lines(t)
			if len(lines) != 1 {
				t.Fatalf("lines %v", lines)
			}
			m := lines[0]
			if m["_keys"] != want {
				t.Errorf("keys %v, want %s", m["_keys"], want)
			}
			if m["trace_id"] != span.SpanContext().TraceID().String() || m["request_id"] != "req-1" || m["method"] != "GET" || m["route"] != "/orders/{id}" {
				t.Errorf("line %v", m)
			}
		})
	}
}

// scopeAbove is a transport's own context that answers reqscope's key
// with its scope, as BindBelow asks.
type scopeAbove struct {
	context.Context
	s *reqscope.Scope
}

func (c scopeAbove) Value(key any) any {
	if reqscope.IsKey(key) {
		return c.s
	}
	return c.Context.Value(key)
}

// TestBindBelow: BindBelow binds the request's logger as Bind does but
// adds no scope of its own; the context of the transport's type above it
// carries the scope, which the context BindBelow returned does not.
func TestBindBelow(t *testing.T) {
	l, buf := foreignLogger()
	ctx, span, _ := spanContext(t)
	var s reqscope.Scope
	s.Begin([]string{"req-1"}, l, nil, zap.String("method", "GET"))
	bound := s.BindBelow(ctx)
	if reqscope.FromContext(bound) != nil {
		t.Fatal("BindBelow's context carries a scope of its own")
	}
	above := context.WithValue(scopeAbove{Context: bound, s: &s}, userKey{}, 1) // a handler's child context
	if reqscope.FromContext(above) != &s || reqscope.ID(above) != "req-1" {
		t.Fatalf("scope above: %p, ID %q", reqscope.FromContext(above), reqscope.ID(above))
	}
	asked := &askedCtx{Context: context.Background()}
	reqscope.FromContext(asked)
	if len(asked.keys) != 1 || !reqscope.IsKey(asked.keys[0]) || reqscope.IsKey(userKey{}) {
		t.Errorf("IsKey does not tell the key FromContext asks for (%v) from another", asked.keys)
	}
	logging.FromContext(above).Info("loaded")
	m := buf.lines(t)[0]
	if m["trace_id"] != span.SpanContext().TraceID().String() || m["request_id"] != "req-1" || m["method"] != "GET" {
		t.Errorf("line %v", m)
	}
}

type userKey struct{}

// askedCtx records the keys it is asked for.
type askedCtx struct {
	context.Context
	keys []any
}

func (c *askedCtx) Value(key any) any {
	c.keys = append(c.keys, key)
	return nil
}

func TestAccessLineLevels(t *testing.T) {
	cases := []struct {
		name     string
		outcome  reqscope.Outcome
		panicked bool
		want     string
	}{
		{"succeeded", reqscope.Succeeded, false, "info"},
		{"client error", reqscope.ClientError, false, "warn"},
		{"server error", reqscope.ServerError, false, "error"},
		{"panic", reqscope.Succeeded, true, "error"},
	}
	for _, tc := range cases {
		l, buf := otelkitLogger(t)
		ctx, span, _ := spanContext(t)
		var s reqscope.Scope
		s.Begin([]string{"r"}, l, nil, zap.String("method", "GET"))
		ctx = s.Bind(ctx)
		if tc.panicked {
			s.RecordPanic(ctx, span, "boom", []byte("stack"))
		}
		s.End(&reqscope.AccessLog{Message: "test_request"}, tc.outcome, status(200))
		var got []map[string]any
		for _, m := range buf.lines(t) {
			if m["msg"] == "test_request" {
				got = append(got, m)
			}
		}
		if len(got) != 1 {
			t.Fatalf("%s: access lines %v", tc.name, got)
		}
		m := got[0]
		if m["level"] != tc.want {
			t.Errorf("%s: level %v, want %s", tc.name, m["level"], tc.want)
		}
		// The request's fields, then the transport's; no caller, no stack.
		if want := "time,level,msg,trace_id,span_id,trace_flags,request_id,method,status"; m["_keys"] != want {
			t.Errorf("%s: keys %v, want %s", tc.name, m["_keys"], want)
		}
	}
}

func TestAccessLineOffSkippedAndSampled(t *testing.T) {
	l, buf := foreignLogger()
	run := func(p *reqscope.AccessLog, o reqscope.Outcome, line zapcore.ObjectMarshaler) {
		var s reqscope.Scope
		s.Begin(nil, l, nil)
		s.Bind(context.Background())
		s.End(p, o, line)
	}
	run(&reqscope.AccessLog{Message: "off", Off: true}, reqscope.ServerError, status(500))
	run(&reqscope.AccessLog{Message: "skipped"}, reqscope.ServerError, nil)
	sampled := &reqscope.AccessLog{Message: "sampled", SampleEvery: 3}
	for i := 0; i < 6; i++ {
		run(sampled, reqscope.Succeeded, status(200))
		run(sampled, reqscope.ClientError, status(404))
	}
	n := map[any]int{}
	for _, m := range buf.lines(t) {
		n[m["msg"].(string)+" "+m["level"].(string)]++
	}
	if n["off error"] != 0 || n["skipped error"] != 0 {
		t.Errorf("a line off or skipped was written: %v", n)
	}
	if n["sampled info"] != 2 || n["sampled warn"] != 6 {
		t.Errorf("1 in 3 of 6 successes and every client error: %v", n)
	}
}

// A request that never reached Bind still gets its access line, through
// the base logger, with the request's fields.
func TestAccessLineUnbound(t *testing.T) {
	l, buf := foreignLogger()
	var s reqscope.Scope
	s.Begin([]string{"req-9"}, l, &route{v: "/r"}, zap.String("method", "GET"), zap.String("path", "/p"))
	s.End(&reqscope.AccessLog{Message: "unbound"}, reqscope.Succeeded, status(200))
	lines := buf.lines(t)
	if len(lines) != 1 {
		t.Fatalf("lines %v", lines)
	}
	if m := lines[0]; m["_keys"] != "level,msg,request_id,method,path,route,status" || m["request_id"] != "req-9" {
		t.Errorf("line %v", m)
	}
}

func TestRecordPanic(t *testing.T) {
	l, buf := otelkitLogger(t)
	ctx, span, rec := spanContext(t)
	var s reqscope.Scope
	s.Begin([]string{"r"}, l, nil)
	ctx = s.Bind(ctx)
	s.RecordPanic(ctx, span, "boom", []byte("goroutine 1 [running]:"))
	span.End()
	if !s.Panicked() {
		t.Error("Panicked after RecordPanic is false")
	}
	lines := buf.lines(t)
	if len(lines) != 1 {
		t.Fatalf("lines %v", lines)
	}
	m := lines[0]
	if m["msg"] != "panic_recovered" || m["level"] != "error" || m["panic"] != "boom" || m["error_type"] != "string" ||
		m["stack"] != "goroutine 1 [running]:" || m["request_id"] != "r" {
		t.Errorf("line %v", m)
	}
	if _, ok := m["stacktrace"]; ok {
		t.Errorf("zap's stack trace of the recovery point: %v", m)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	if st := spans[0].Status(); st.Description != "panic: boom" || st.Code.String() != "Error" {
		t.Errorf("status %v", st)
	}
	ev := spans[0].Events()
	if len(ev) != 1 || ev[0].Name != "exception" || len(ev[0].Attributes) != 3 {
		t.Errorf("events %v", ev)
	}
}

func TestPanicTextIsBounded(t *testing.T) {
	l, buf := foreignLogger()
	var s reqscope.Scope
	s.Begin(nil, l, nil)
	ctx := s.Bind(context.Background())
	s.RecordPanic(ctx, trace.SpanFromContext(ctx), strings.Repeat("x", 5000), nil)
	if p := buf.lines(t)[0]["panic"].(string); len(p) != reqscope.MaxText {
		t.Errorf("panic text of %d bytes, want %d", len(p), reqscope.MaxText)
	}
}

func TestContextWithID(t *testing.T) {
	var nilCtx context.Context
	if reqscope.FromContext(nilCtx) != nil || reqscope.ID(context.Background()) != "" {
		t.Error("a scope where there is none")
	}
	if got := reqscope.ID(reqscope.ContextWithID(nilCtx, "job-1")); got != "job-1" {
		t.Errorf("ID %q", got)
	}
	got := reqscope.ID(reqscope.ContextWithID(context.Background(), "bad id"))
	if len(got) != 32 {
		t.Errorf("an invalid ID was kept or badly replaced: %q", got)
	}
}

// The scope costs no allocation of its own: Begin and Bind cost what
// logging's binding of the request costs plus the context that carries the
// scope, and End of a bound request costs nothing.
func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ol, _ := otelkitLogger(t)
	fl, _ := foreignLogger()
	ctx, _, _ := spanContext(t)
	for name, l := range map[string]*zap.Logger{"otelkit": ol, "foreign": fl} {
		fields := []zap.Field{zap.String("method", "GET"), zap.String("path", "/p")}
		r := &reqlog.Request{Base: l, ID: "r", Fields: fields}
		marker := []zap.Field{reqlog.Field(r)}
		binding := testing.AllocsPerRun(100, func() { logging.With(ctx, marker...) })
		var s reqscope.Scope
		scope := testing.AllocsPerRun(100, func() {
			s = reqscope.Scope{}
			s.Begin([]string{"r"}, l, nil, zap.String("method", "GET"), zap.String("path", "/p"))
			s.Bind(ctx)
		})
		if scope != binding+1 {
			t.Errorf("%s: Begin+Bind %v allocations, logging's binding %v (+1 allowed)", name, scope, binding)
		}
		p := &reqscope.AccessLog{Message: "a"}
		if end := testing.AllocsPerRun(100, func() { s.End(p, reqscope.Succeeded, status(200)) }); end != 0 {
			t.Errorf("%s: End %v allocations, want 0", name, end)
		}
	}
}

// TestTruncateKeepsCharacters: text cut to MaxText stays valid UTF-8 (a
// method name of two-byte characters was cut inside one), and text that
// is not UTF-8 is still cut to at most MaxText bytes.
func TestTruncateKeepsCharacters(t *testing.T) {
	for _, s := range []string{
		"/" + strings.Repeat("é", reqscope.MaxText),
		"ab" + strings.Repeat("😀", reqscope.MaxText),
		"abc" + strings.Repeat("😀", reqscope.MaxText),
		strings.Repeat("\x80", 2*reqscope.MaxText),
		strings.Repeat("a", 2*reqscope.MaxText),
	} {
		got := reqscope.Truncate(s)
		if len(got) > reqscope.MaxText || len(got) < reqscope.MaxText-3 || !strings.HasPrefix(s, got) ||
			utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("Truncate(%.8q…) = %d bytes, valid UTF-8 %v", s, len(got), utf8.ValidString(got))
		}
	}
}
