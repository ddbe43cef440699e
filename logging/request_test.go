package logging_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/logging"
)

// bind binds a request as the request scope (internal/reqscope) does for
// httpmw: one reqlog.Request handed to logging.With. It returns the
// request's context and logging's side of the request.
func bind(ctx context.Context, l *zap.Logger, id string, late zapcore.ObjectMarshaler, fields ...zap.Field) (context.Context, reqlog.Bound) {
	r := &reqlog.Request{Base: l, ID: id, Fields: fields, Late: late}
	ctx = logging.With(ctx, reqlog.Field(r))
	return ctx, r.Bound
}

// routeBox is a lazily read value, as a middleware's route is.
type routeBox struct {
	mu    sync.Mutex
	route string
	calls atomic.Int64
}

func (b *routeBox) set(r string) { b.mu.Lock(); b.route = r; b.mu.Unlock() }

func (b *routeBox) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	b.calls.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.route != "" {
		enc.AddString("route", b.route)
	}
	return nil
}

// foreignJSON is a plain zap JSON logger (not built by New) writing to a buffer.
func foreignJSON(lvl zapcore.Level) (*zap.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
	return zap.New(zapcore.NewCore(enc, buf, lvl)), buf
}

func TestLateFieldsAreEncodedPerLine(t *testing.T) {
	ol, obuf := newJSON(t)
	fl, fbuf := foreignJSON(zapcore.DebugLevel)
	for name, c := range map[string]struct {
		l   *zap.Logger
		buf *syncBuffer
	}{"otelkit": {ol.Zap(), obuf}, "foreign": {fl, fbuf}} {
		t.Run(name, func(t *testing.T) {
			box := &routeBox{}
			ctx, _ := bind(context.Background(), c.l, "", box, zap.String("a", "1"))
			logging.FromContext(ctx).Info("before")
			box.set("/orders/{id}")
			logging.FromContext(ctx).Info("after", zap.Int("n", 2))
			lines := c.buf.Lines()
			if len(lines) != 2 {
				t.Fatalf("lines: %v", lines)
			}
			if strings.Contains(lines[0], "route") {
				t.Errorf("route before it was set: %s", lines[0])
			}
			m := decode(t, lines[1])
			if m["route"] != "/orders/{id}" || m["a"] != "1" || m["n"] != json.Number("2") {
				t.Errorf("after: %s", lines[1])
			}
			// the request's fields, then the late ones, then the call's
			if i, j, k := strings.Index(lines[1], `"a"`), strings.Index(lines[1], `"route"`), strings.Index(lines[1], `"n"`); !(i < j && j < k) {
				t.Errorf("order: %s", lines[1])
			}
			if box.calls.Load() != 2 {
				t.Errorf("marshaler ran %d times for 2 lines", box.calls.Load())
			}
		})
	}
}

// A nil context and a nil base logger bind to context.Background() and the
// logger FromContext falls back to.
func TestBindRequestNilInputs(t *testing.T) {
	var nilCtx context.Context
	ctx, bound := bind(nilCtx, nil, "", nil)
	if ctx == nil || bound == nil {
		t.Fatalf("bind(nil, nil, ...) = %v, %v", ctx, bound)
	}
	if l, fields := bound.AccessLogger(nil); l == nil || l != logging.FromContext(ctx) || fields != nil {
		t.Errorf("AccessLogger = %v, %v; FromContext %v", l, fields, logging.FromContext(ctx))
	}
}

func TestRequestConsole(t *testing.T) {
	l, buf := newJSON(t, logging.WithFormat("console"))
	box := &routeBox{route: "/x"}
	ctx, _ := staticSpan(true)
	ctx, _ = bind(ctx, l.Zap(), "", box)
	logging.FromContext(ctx).Info("hello")
	if line := buf.String(); !strings.Contains(line, ` route=/x `) || !strings.Contains(line, " trace=4bf92f35 ") {
		t.Errorf("console line: %q", line)
	}
}

// request binds a request in a recording span and returns the context,
// logging's side of the request, the span and the route box.
func request(t *testing.T, l *zap.Logger) (context.Context, reqlog.Bound, trace.Span, *routeBox) {
	t.Helper()
	tp, _ := newTracer(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "server")
	box := &routeBox{}
	ctx, bound := bind(ctx, l, "req-1", box, zap.String("method", "GET"), zap.String("path", "/orders/7"))
	return ctx, bound, span, box
}

func TestRequestOtelkitLogger(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, buf := newJSON(t, logging.WithLoggerProvider(lp))
	ctx, bound, span, box := request(t, l.Zap())
	box.set("/orders/{id}")
	log := logging.FromContext(ctx)
	if logging.FromContext(ctx) != log {
		t.Error("FromContext in the request span is not cached")
	}
	if rl, fs := bound.AccessLogger(nil); rl != log || fs != nil {
		t.Error("AccessLogger differs from FromContext for an otelkit logger")
	}
	log.Info("line", zap.Int("n", 1))
	sc := span.SpanContext()
	ks := keys(t, buf.Lines()[0])
	want := []string{"time", "level", "msg", "caller", "trace_id", "span_id", "trace_flags", "request_id", "method", "path", "route", "n"}
	if strings.Join(ks, ",") != strings.Join(want, ",") {
		t.Errorf("keys %v, want %v", ks, want)
	}
	m := decode(t, buf.Lines()[0])
	if m["trace_id"] != sc.TraceID().String() || m["span_id"] != sc.SpanID().String() || m["request_id"] != "req-1" || m["route"] != "/orders/{id}" {
		t.Errorf("line %v", m)
	}
	recs := mp.Records()
	if len(recs) != 1 || recs[0].TraceID() != sc.TraceID() || recs[0].SpanID() != sc.SpanID() {
		t.Fatalf("OTLP records %v", recs)
	}
	a := attrs(recs[0])
	if a["request_id"] != "req-1" || a["method"] != "GET" || a["route"] != "/orders/{id}" || a["n"] != "1" {
		t.Errorf("OTLP attributes %v", a)
	}
}

func TestRequestWithoutSpanOrRequestID(t *testing.T) {
	l, buf := newJSON(t)
	ctx, _ := bind(context.Background(), l.Zap(), "", nil, zap.String("method", "GET"))
	logging.FromContext(ctx).Info("x")
	m := decode(t, buf.Lines()[0])
	for _, k := range []string{"trace_id", "span_id", "request_id"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s written without a span / request ID: %v", k, m)
		}
	}
	if m["method"] != "GET" {
		t.Errorf("fields lost: %v", m)
	}
	fl, fbuf := foreignJSON(zapcore.InfoLevel)
	ctx, _ = bind(context.Background(), fl, "", nil, zap.String("method", "GET"))
	logging.FromContext(ctx).Info("x")
	if got := fbuf.String(); strings.Contains(got, "trace_id") || strings.Contains(got, "request_id") || !strings.Contains(got, `"method":"GET"`) {
		t.Errorf("foreign line %s", got)
	}
}

func TestRequestForeignLogger(t *testing.T) {
	lp, mp := newLogProvider(t)
	fl, buf := foreignJSON(zapcore.DebugLevel)
	l := zap.New(zapcore.NewTee(fl.Core(), otelzap.NewCore("t", otelzap.WithLoggerProvider(lp))))
	ctx, bound, span, box := request(t, l)
	sc := span.SpanContext()

	// Before FromContext: a shared logger plus the request's fields.
	rl, fs := bound.AccessLogger(nil)
	if len(fs) == 0 {
		t.Fatal("AccessLogger built a logger before FromContext did")
	}
	dst := []zap.Field{zap.String("first", "1")}
	if _, fs2 := bound.AccessLogger(dst); len(fs2) != len(fs)+1 || fs2[0].Key != "first" {
		t.Errorf("AccessLogger(dst) = %v: does not append the request's fields to dst", fs2)
	}
	box.set("/orders/{id}")
	rl.Info("access", fs...)
	// Then through FromContext, in the span and in a child span.
	logging.FromContext(ctx).Info("handler")
	if rl2, fs2 := bound.AccessLogger(nil); rl2 != logging.FromContext(ctx) || fs2 != nil {
		t.Error("AccessLogger does not reuse the logger FromContext built")
	}
	tp, _ := newTracer(t)
	cctx, child := tp.Tracer("t").Start(ctx, "child")
	logging.FromContext(cctx).Info("child")
	child.End()

	lines := buf.Lines()
	if len(lines) != 3 {
		t.Fatalf("lines %v", lines)
	}
	for i, want := range []trace.SpanContext{sc, sc, child.SpanContext()} {
		m := decode(t, lines[i])
		if m["trace_id"] != want.TraceID().String() || m["span_id"] != want.SpanID().String() || m["trace_flags"] != "01" ||
			m["request_id"] != "req-1" || m["method"] != "GET" || m["path"] != "/orders/7" || m["route"] != "/orders/{id}" {
			t.Errorf("line %d: %s", i, lines[i])
		}
		if _, ok := m["context"]; ok || strings.Count(lines[i], `"trace_id"`) != 1 {
			t.Errorf("line %d: %s", i, lines[i])
		}
		ks := keys(t, lines[i])
		if ks[2] != "trace_id" || ks[5] != "request_id" {
			t.Errorf("line %d key order %v", i, ks)
		}
	}
	recs := mp.Records()
	if len(recs) != 3 {
		t.Fatalf("%d OTLP records", len(recs))
	}
	for i, want := range []trace.SpanContext{sc, sc, child.SpanContext()} {
		if recs[i].TraceID() != want.TraceID() || recs[i].SpanID() != want.SpanID() || recs[i].TraceFlags() != want.TraceFlags() {
			t.Errorf("record %d (%s): %s/%s, want %s/%s", i, recs[i].Body().AsString(), recs[i].TraceID(), recs[i].SpanID(), want.TraceID(), want.SpanID())
		}
		if a := attrs(recs[i]); a["route"] != "/orders/{id}" || a["request_id"] != "req-1" {
			t.Errorf("record %d attributes %v", i, a)
		}
	}
}

// A zap logger of the user's own with otelzap teed in: FromContext's
// fallback path hands the span context to the bridge, which zap's encoders
// and observers never see.
func TestForeignLoggerBridgeGetsSpanContext(t *testing.T) {
	lp, mp := newLogProvider(t)
	obs, logs := observer.New(zapcore.DebugLevel)
	l := zap.New(zapcore.NewTee(obs, otelzap.NewCore("t", otelzap.WithLoggerProvider(lp))))
	ctx, sc := staticSpan(true)
	logging.FromContext(logging.NewContext(ctx, l)).Info("hello")
	recs := mp.Records()
	if len(recs) != 1 || recs[0].TraceID() != sc.TraceID() || recs[0].SpanID() != sc.SpanID() {
		t.Fatalf("OTLP records %v", recs)
	}
	cm := logs.AllUntimed()[0].ContextMap()
	if cm["trace_id"] != sc.TraceID().String() || cm["span_id"] != sc.SpanID().String() || cm["trace_flags"] != "01" {
		t.Errorf("fields %v", cm)
	}
	if _, ok := cm["context"]; ok {
		t.Errorf("span context reached the observer: %v", cm)
	}
}

// The wrapped core's own level decisions stay: a tee of an info core and a
// debug core gets a debug line only in the debug core.
func TestForeignCoreKeepsTeeLevels(t *testing.T) {
	infoL, infoBuf := foreignJSON(zapcore.InfoLevel)
	dbgL, dbgBuf := foreignJSON(zapcore.DebugLevel)
	l := zap.New(zapcore.NewTee(infoL.Core(), dbgL.Core()))
	ctx, bound, _, _ := request(t, l)
	rl, fs := bound.AccessLogger(nil)
	rl.Debug("d0", fs...)
	logging.FromContext(ctx).Debug("d1")
	logging.FromContext(logging.With(ctx, zap.String("route", "/y"))).Debug("d2")
	logging.FromContext(ctx).Info("i1")
	if strings.Contains(infoBuf.String(), `"msg":"d`) || !strings.Contains(infoBuf.String(), "i1") {
		t.Errorf("info core: %s", infoBuf.String())
	}
	for _, msg := range []string{"d0", "d1", "d2", "i1"} {
		if !strings.Contains(dbgBuf.String(), `"msg":"`+msg+`"`) {
			t.Errorf("debug core lacks %s: %s", msg, dbgBuf.String())
		}
	}
}

func TestRequestLoggersAreSafeForConcurrentUse(t *testing.T) {
	fl, buf := foreignJSON(zapcore.InfoLevel)
	ctx, _, _, box := request(t, fl)
	box.set("/r")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				logging.FromContext(ctx).Info("c")
				logging.FromContext(logging.With(ctx, zap.Int("j", j))).Info("w")
			}
		}()
	}
	wg.Wait()
	if n := len(buf.Lines()); n != 8*20*2 {
		t.Fatalf("%d lines", n)
	}
	for _, line := range buf.Lines() {
		if m := decode(t, line); m["route"] != "/r" || m["request_id"] != "req-1" || m["trace_id"] == nil {
			t.Fatalf("line %s", line)
		}
	}
}

// settledBox is a routeBox that says its value is final (reqlog.Settler).
type settledBox struct{ routeBox }

func (b *settledBox) Settled() bool { return true }

func TestSettledLateFieldIsEncodedOnceForForeignRequestLogger(t *testing.T) {
	fl, buf := foreignJSON(zapcore.InfoLevel)
	tp, _ := newTracer(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "server")
	defer span.End()
	settled := &settledBox{routeBox{route: "/s"}}
	unsettled := &routeBox{route: "/u"}
	c1, _ := bind(ctx, fl, "r", settled)
	c2, _ := bind(ctx, fl, "r", unsettled)
	for i := 0; i < 3; i++ {
		logging.FromContext(c1).Info("s")
		logging.FromContext(c2).Info("u")
	}
	if n := settled.calls.Load(); n != 1 {
		t.Errorf("settled marshaler ran %d times for 3 lines, want 1", n)
	}
	if n := unsettled.calls.Load(); n != 3 {
		t.Errorf("unsettled marshaler ran %d times for 3 lines, want 3", n)
	}
	for _, line := range buf.Lines() {
		m := decode(t, line)
		if (m["msg"] == "s" && m["route"] != "/s") || (m["msg"] == "u" && m["route"] != "/u") {
			t.Errorf("line %s", line)
		}
	}
}

// panicObject is a marshaler that panics while it is encoded.
type panicObject struct{}

func (panicObject) MarshalLogObject(zapcore.ObjectEncoder) error { panic("boom") }

// A foreign request's own logger writes a line of plain fields as it is
// and guards a line with a marshaler that panics, through zap's ioCore
// (written to directly) and through a tee (through its Check, so its
// levels hold); both lines carry the request's fields.
func TestForeignOwnLoggerPlainAndRiskyFields(t *testing.T) {
	tp, _ := newTracer(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "server")
	defer span.End()
	direct, dbuf := foreignJSON(zapcore.InfoLevel)
	teed, tbuf := foreignJSON(zapcore.InfoLevel)
	_, warnBuf := foreignJSON(zapcore.WarnLevel)
	tee := zap.New(zapcore.NewTee(teed.Core(), zapcore.NewCore(
		zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg"}), warnBuf, zapcore.WarnLevel)))
	for _, tc := range []struct {
		name string
		l    *zap.Logger
		buf  *syncBuffer
	}{{"ioCore", direct, dbuf}, {"tee", tee, tbuf}} {
		rctx, _ := bind(ctx, tc.l, "req-1", &settledBox{routeBox{route: "/r"}}, zap.String("method", "GET"))
		log := logging.FromContext(rctx)
		log.Info("plain", zap.String("order_id", "42"))
		log.Info("risky", zap.Object("obj", panicObject{}), zap.Int("n", 1))
		lines := tc.buf.Lines()
		if len(lines) != 2 {
			t.Fatalf("%s: lines %v", tc.name, lines)
		}
		for i, line := range lines {
			m := decode(t, line)
			if m["trace_id"] != span.SpanContext().TraceID().String() || m["request_id"] != "req-1" ||
				m["method"] != "GET" || m["route"] != "/r" {
				t.Errorf("%s: line %d lacks the request's fields: %s", tc.name, i, line)
			}
		}
		if m := decode(t, lines[0]); m["order_id"] != "42" {
			t.Errorf("%s: plain line %s", tc.name, lines[0])
		}
		if m := decode(t, lines[1]); m["objError"] != "PANIC=boom" || fmt.Sprint(m["n"]) != "1" {
			t.Errorf("%s: risky line %s", tc.name, lines[1])
		}
	}
	if got := warnBuf.String(); got != "" {
		t.Errorf("the tee's warn core took info lines: %s", got)
	}
}

// A foreign request's access line, written before any FromContext (the
// template and the request's fields), skips the guard only when the
// request's fields cannot panic: a request field that panics is still
// guarded, on the access line and on the request's own lines.
func TestForeignAccessLineGuardsRiskyRequestFields(t *testing.T) {
	tp, _ := newTracer(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "server")
	defer span.End()
	for _, tc := range []struct {
		name  string
		field zap.Field
		want  string // the field's key and value on the line
	}{
		{"plain", zap.String("rpc_method", "svc/M"), "rpc_method=svc/M"},
		{"risky", zap.Object("obj", panicObject{}), "objError=PANIC=boom"},
	} {
		l, buf := foreignJSON(zapcore.InfoLevel)
		_, bound := bind(ctx, l, "req-1", nil, tc.field)
		access := &reqlog.Access{Duration: 1500000, Bytes: -1}
		rl, pre := bound.AccessLogger(nil)
		rl.Info("grpc_request", append(append([]zap.Field(nil), pre...), zap.Inline(access))...)
		lines := buf.Lines()
		if len(lines) != 1 {
			t.Fatalf("%s: lines %v", tc.name, lines)
		}
		m := decode(t, lines[0]) // a whole JSON line, also after a panic
		key, value, _ := strings.Cut(tc.want, "=")
		if m[key] != value || m["request_id"] != "req-1" || m["trace_id"] != span.SpanContext().TraceID().String() ||
			fmt.Sprint(m["duration_ms"]) != "1.5" {
			t.Errorf("%s: access line %s", tc.name, lines[0])
		}
	}
}
