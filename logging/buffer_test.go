package logging_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// Per-request log buffering: what a request writes, keeps, drops and
// flushes, through the request scope as the middleware drives it.

func TestBufferOffByDefault(t *testing.T) {
	l, buf := newJSON(t)
	before := logging.BufferStatsNow()
	r := begin(context.Background(), l.Zap(), "r1", nil)
	if r.log().Core().Enabled(zapcore.DebugLevel) {
		t.Error("a request logger without buffering takes debug lines")
	}
	r.log().Debug("d1")
	r.log().Info("i1")
	r.end(reqscope.Succeeded)
	if got := msgs(t, buf); strings.Join(got, ",") != "i1,test_request" {
		t.Errorf("lines %v", got)
	}
	for k := range byMsg(t, buf, "test_request")[0] {
		if strings.HasPrefix(k, "debug_") {
			t.Errorf("access line has %s without buffering", k)
		}
	}
	if d := statsDelta(before); d != (logging.BufferStats{}) {
		t.Errorf("counts moved: %+v", d)
	}
}

func TestBufferDropsWhenRequestEndsWell(t *testing.T) {
	l, buf := bufLogger(t)
	before := logging.BufferStatsNow()
	r := begin(context.Background(), l.Zap(), "r1", nil)
	for i := 0; i < 12; i++ {
		r.log().Debug("detail", zap.Int("i", i))
	}
	r.log().Info("i1")
	r.log().Warn("w1") // above the buffer level and at the logger's: written
	r.end(reqscope.ClientError)
	if got := msgs(t, buf); strings.Join(got, ",") != "i1,w1,test_request" {
		t.Errorf("lines %v", got)
	}
	access := byMsg(t, buf, "test_request")[0]
	if fmt.Sprint(access["debug_dropped"]) != "12" || access["level"] != "warn" {
		t.Errorf("access line %v", access)
	}
	d := statsDelta(before)
	if d.Buffered != 12 || d.Dropped != 12 || d.Flushed != 0 || d.HeldBytes != 0 {
		t.Errorf("counts %+v", d)
	}
	if lvl := r.log().Level(); lvl != zapcore.InfoLevel {
		t.Errorf("request logger's Level() = %s, want the logger's own, info", lvl)
	}
}

func TestBufferFlushKeepsOrderTimeCallerFieldsAndMarker(t *testing.T) {
	clk := &tickClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l, buf := bufLogger(t, logging.WithClock(clk))
	tp, _ := newTracer(t)
	r := begin(context.Background(), l.Zap(), "r1", tp)
	ctx := logging.With(r.ctx, zap.String("tenant", "acme"))
	logging.FromContext(ctx).Debug("first", zap.Int("n", 1))
	_, _, line1, _ := runtime.Caller(0)
	cctx, child := tp.Tracer("t").Start(ctx, "child")
	logging.FromContext(cctx).Debug("second", zap.Int("n", 2))
	child.End()
	logging.FromContext(ctx).Info("between")
	logging.FromContext(ctx).Error("failed")
	r.end(reqscope.ServerError)

	lines := buf.Lines()
	if got := msgs(t, buf); strings.Join(got, ",") != "between,first,second,failed,test_request" {
		t.Fatalf("lines %v", got)
	}
	first, second, between, failed := decode(t, lines[1]), decode(t, lines[2]), decode(t, lines[0]), decode(t, lines[3])
	// Original times: before the line written in between and the trigger.
	times := []string{first["time"].(string), second["time"].(string), between["time"].(string), failed["time"].(string)}
	for i := 1; i < len(times); i++ {
		if times[i-1] >= times[i] {
			t.Errorf("times not in the order written: %v", times)
		}
	}
	if want := fmt.Sprintf("logging/buffer_test.go:%d", line1-1); first["caller"] != want {
		t.Errorf("caller %v, want %s", first["caller"], want)
	}
	sc, csc := r.span.SpanContext(), child.SpanContext()
	for i, c := range []struct {
		m    map[string]any
		span string
		n    string
	}{{first, sc.SpanID().String(), "1"}, {second, csc.SpanID().String(), "2"}} {
		m := c.m
		if m["level"] != "debug" || m["buffered"] != true || m["trace_id"] != sc.TraceID().String() || m["span_id"] != c.span ||
			m["request_id"] != "r1" || m["method"] != "GET" || m["tenant"] != "acme" || fmt.Sprint(m["n"]) != c.n {
			t.Errorf("buffered line %d: %v", i, m)
		}
	}
	want := "time,level,msg,caller,trace_id,span_id,trace_flags,request_id,method,tenant,n,buffered"
	if ks := strings.Join(keys(t, lines[1]), ","); ks != want {
		t.Errorf("keys %s, want %s", ks, want)
	}
	if _, ok := failed["buffered"]; ok {
		t.Errorf("the trigger line carries the marker: %v", failed)
	}
	if a := byMsg(t, buf, "test_request")[0]; fmt.Sprint(a["debug_flushed"]) != "2" {
		t.Errorf("access line %v", a)
	}
}

// mutable is a value whose fields change after it is logged.
type mutable struct{ v string }

func (m *mutable) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("v", m.v)
	return enc.AddArray("list", zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error {
		a.AppendString(m.v)
		return nil
	}))
}
func (m *mutable) String() string { return "s-" + m.v }

type mutErr struct{ m *mutable }

func (e mutErr) Error() string { return "err-" + e.m.v }

func TestBufferCapturesValuesWhenWritten(t *testing.T) {
	forBufferingBases(t, func(t *testing.T, base *zap.Logger, buf *syncBuffer) {
		r := begin(context.Background(), base, "r1", nil)
		m := &mutable{v: "then"}
		b := []byte("then")
		mp := map[string]string{"k": "then"}
		r.log().Debug("d", zap.Object("obj", m), zap.Stringer("str", m), zap.ByteString("raw", b),
			zap.Any("map", mp), zap.NamedError("err", mutErr{m}), zap.Inline(m))
		m.v, mp["k"] = "now", "now"
		copy(b, "nowX")
		r.log().Error("failed")
		r.end(reqscope.ServerError)
		d := byMsg(t, buf, "d")
		if len(d) != 1 {
			t.Fatalf("lines:\n%s", buf)
		}
		got := d[0]
		if s := fmt.Sprintln(got["obj"], got["str"], got["raw"], got["map"], got["err"], got["v"], got["list"]); s != "map[list:[then] v:then] s-then then map[k:then] err-then then [then]\n" {
			t.Errorf("values at flush: %s\n%v", s, got)
		}
		if got["buffered"] != true || got["request_id"] != "r1" {
			t.Errorf("line %v", got)
		}
	})
}

// A buffered line whose values panic inside what they nest is written, at
// the flush, as the same line written at once: what each marshaler wrote
// before and after the panic, and the same notes. Through a logger built
// by New and a zap logger of one's own (whose buffered fields are captured
// when logged).
func TestBufferedNestedPanicsAsWrittenAtOnce(t *testing.T) {
	fields := append(nestedFields(), zap.Object("cont", contObj{}), zap.Inline(contObj{}))
	forBufferingBases(t, func(t *testing.T, base *zap.Logger, buf *syncBuffer) {
		r := begin(context.Background(), base, "r1", nil)
		r.log().Info("line", fields...)
		r.log().Debug("line", fields...)
		r.end(reqscope.ServerError)
		lines := buf.Lines()
		if len(lines) != 3 {
			t.Fatalf("lines:\n%s", buf)
		}
		now, later := decode(t, lines[0]), decode(t, lines[1])
		checkNestedLine(t, lines[1])
		if later["buffered"] != true || later["level"] != "debug" {
			t.Fatalf("the second line is not the buffered one: %s", lines[1])
		}
		for _, k := range []string{"buffered", "level", "time", "caller"} {
			delete(now, k)
			delete(later, k)
		}
		if fmt.Sprint(now) != fmt.Sprint(later) {
			t.Errorf("buffered line differs from the line written at once:\n%s\n%s", lines[0], lines[1])
		}
	})
}

// The buffered marker stays at the top of a line whose fields open a
// namespace, where it would otherwise be written inside it.
func TestBufferMarkerOutsideNamespaces(t *testing.T) {
	forBufferingBases(t, func(t *testing.T, base *zap.Logger, buf *syncBuffer) {
		r := begin(context.Background(), base, "r1", nil)
		r.log().Debug("d", zap.String("before", "0"), zap.Namespace("ns"), zap.String("x", "1"))
		r.end(reqscope.ServerError)
		d := byMsg(t, buf, "d")
		if len(d) != 1 {
			t.Fatalf("lines:\n%s", buf)
		}
		ns, _ := d[0]["ns"].(map[string]any)
		if d[0]["buffered"] != true || d[0]["before"] != "0" || ns["x"] != "1" || ns["buffered"] != nil {
			t.Errorf("line %v", d[0])
		}
	})
}

func TestBufferTriggers(t *testing.T) {
	cases := []struct {
		name    string
		slow    time.Duration
		run     func(r *scoped)
		trigger string // the line the buffered ones come before
		flushed bool
	}{
		{"error line", time.Hour, func(r *scoped) { r.log().Error("failed"); r.end(reqscope.Succeeded) }, "failed", true},
		{"server error", time.Hour, func(r *scoped) { r.end(reqscope.ServerError) }, "test_request", true},
		{"panic", time.Hour, func(r *scoped) {
			r.s.RecordPanic(r.ctx, r.span, "boom", []byte("stack"))
			r.end(reqscope.Succeeded)
		}, "panic_recovered", true},
		{"slow", time.Nanosecond, func(r *scoped) { r.end(reqscope.Succeeded) }, "test_request", true},
		{"client error is no trigger", time.Hour, func(r *scoped) { r.end(reqscope.ClientError) }, "", false},
		{"warn line is no trigger", time.Hour, func(r *scoped) { r.log().Warn("w"); r.end(reqscope.Succeeded) }, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := bufLogger(t, logging.WithBufferSlow(tc.slow))
			tp, _ := newTracer(t)
			r := begin(context.Background(), l.Zap(), "r1", tp)
			r.log().Debug("d1")
			r.log().Debug("d2")
			tc.run(r)
			got := msgs(t, buf)
			joined := strings.Join(got, ",")
			access := byMsg(t, buf, "test_request")[0]
			if !tc.flushed {
				if strings.Contains(joined, "d1") || fmt.Sprint(access["debug_dropped"]) != "2" {
					t.Errorf("lines %v, access %v", got, access)
				}
				return
			}
			if !strings.Contains(joined, "d1,d2,"+tc.trigger) || strings.Count(joined, "d1") != 1 {
				t.Errorf("lines %v: want d1,d2 right before %s", got, tc.trigger)
			}
			if fmt.Sprint(access["debug_flushed"]) != "2" {
				t.Errorf("access line %v", access)
			}
		})
	}
}

// Once a request has gone wrong, its lines at the buffer level are written
// at once (marked); a line written after the request ended is dropped when
// the request ended well, and counted.
func TestBufferAfterFlushAndAfterEnd(t *testing.T) {
	l, buf := bufLogger(t)
	r := begin(context.Background(), l.Zap(), "bad", nil)
	r.log().Error("failed")
	r.log().Debug("after")
	if got := msgs(t, buf); strings.Join(got, ",") != "failed,after" {
		t.Fatalf("lines %v", got)
	}
	if byMsg(t, buf, "after")[0]["buffered"] != true {
		t.Error("a line written at once after a flush lacks the marker")
	}
	r.end(reqscope.Succeeded)
	r.log().Debug("late_bad")

	ok := begin(context.Background(), l.Zap(), "ok", nil)
	ok.end(reqscope.Succeeded)
	before := logging.BufferStatsNow()
	ok.log().Debug("late_ok")
	if d := statsDelta(before); d.Dropped != 1 || d.Buffered != 0 {
		t.Errorf("a line after a good end: counts %+v", d)
	}
	if got := msgs(t, buf); strings.Join(got, ",") != "failed,after,test_request,late_bad,test_request" {
		t.Errorf("lines %v", got)
	}
	if a := byMsg(t, buf, "test_request")[0]; fmt.Sprint(a["debug_flushed"]) != "1" {
		t.Errorf("access line %v", a)
	}
}

func TestBufferPerRequestLineBound(t *testing.T) {
	l, buf := bufLogger(t, logging.WithBufferLimits(logging.BufferLimits{Lines: 4}))
	before := logging.BufferStatsNow()
	r := begin(context.Background(), l.Zap(), "r1", nil)
	for i := 0; i < 10; i++ {
		r.log().Debug("d", zap.Int("i", i))
	}
	r.end(reqscope.ServerError)
	var got []string
	for _, m := range byMsg(t, buf, "d") {
		got = append(got, fmt.Sprint(m["i"]))
	}
	if strings.Join(got, ",") != "6,7,8,9" {
		t.Errorf("flushed %v: want the newest 4, the oldest evicted", got)
	}
	a := byMsg(t, buf, "test_request")[0]
	if fmt.Sprintln(a["debug_flushed"], a["debug_evicted"]) != "4 6\n" {
		t.Errorf("access line %v", a)
	}
	if d := statsDelta(before); d.Buffered != 10 || d.Evicted != 6 || d.Flushed != 4 || d.Lost != 6 || d.HeldBytes != 0 {
		t.Errorf("counts %+v", d)
	}
}

// The per-request byte bound holds while the request runs (the bytes are
// the memory its kept lines hold: entries and captured fields), the oldest
// lines go first, and a line larger than the whole bound is not kept.
func TestBufferPerRequestByteBound(t *testing.T) {
	const limit = 8 << 10
	l, buf := bufLogger(t, logging.WithBufferLimits(logging.BufferLimits{Bytes: limit}))
	before := logging.BufferStatsNow()
	r := begin(context.Background(), l.Zap(), "r1", nil)
	pad := strings.Repeat("x", 300)
	maxHeld := int64(0)
	for i := 0; i < 40; i++ {
		r.log().Debug("d", zap.Int("i", i), zap.String("pad", pad))
		maxHeld = max(maxHeld, statsDelta(before).HeldBytes)
	}
	r.log().Debug("huge", zap.String("pad", strings.Repeat("y", limit))) // larger than the whole bound
	r.end(reqscope.ServerError)
	flushed := byMsg(t, buf, "d")
	a := byMsg(t, buf, "test_request")[0]
	if maxHeld > limit || maxHeld < limit/2 || len(flushed) < 5 || len(flushed) > 35 || len(byMsg(t, buf, "huge")) != 0 {
		t.Errorf("held at most %d bytes (bound %d), %d lines flushed", maxHeld, limit, len(flushed))
	}
	for i, m := range flushed {
		if want := 40 - len(flushed) + i; atoi(m["i"]) != want {
			t.Errorf("flushed line %d is i=%v, want %d: the newest lines are kept, in order", i, m["i"], want)
		}
	}
	if atoi(a["debug_flushed"]) != len(flushed) || atoi(a["debug_evicted"]) != 41-len(flushed) {
		t.Errorf("access line %v with %d flushed", a, len(flushed))
	}
}

func TestBufferConsoleFormat(t *testing.T) {
	l, buf := newJSON(t, logging.WithFormat("console"), logging.WithBufferLevel(zapcore.DebugLevel), logging.WithBufferSlow(time.Hour))
	r := begin(context.Background(), l.Zap(), "r1", nil)
	r.log().Debug("kept_line", zap.Int("n", 1))
	r.log().Error("failed")
	out := buf.String()
	i, j := strings.Index(out, "kept_line"), strings.Index(out, "failed")
	if i < 0 || j < i || !strings.Contains(out[i:j], "buffered=true") || !strings.Contains(out[:i], "debug") {
		t.Errorf("console output:\n%s", out)
	}
}

func TestBufferConfig(t *testing.T) {
	dbg := zapcore.DebugLevel
	cases := []struct {
		name    string
		env     map[string]string
		opts    []logging.Option
		on      bool
		wantErr string
	}{
		{"unset", nil, nil, false, ""},
		{"env debug", map[string]string{logging.EnvBufferLevel: "debug"}, nil, true, ""},
		{"env DEBUG with slow", map[string]string{logging.EnvBufferLevel: " DEBUG ", logging.EnvBufferSlow: "250ms"}, nil, true, ""},
		{"env off", map[string]string{logging.EnvBufferLevel: "off"}, nil, false, ""},
		{"option", nil, []logging.Option{logging.WithBufferLevel(dbg)}, true, ""},
		{"option wins over env off", map[string]string{logging.EnvBufferLevel: "off"}, []logging.Option{logging.WithBufferLevel(dbg)}, true, ""},
		{"WithoutBuffer wins over env", map[string]string{logging.EnvBufferLevel: "debug"}, []logging.Option{logging.WithoutBuffer()}, false, ""},
		{"env level invalid", map[string]string{logging.EnvBufferLevel: "verbose"}, nil, false, "OTELKIT_LOG_BUFFER_LEVEL=\"verbose\": allowed: debug, info, warn, off"},
		{"env level error", map[string]string{logging.EnvBufferLevel: "error"}, nil, false, "OTELKIT_LOG_BUFFER_LEVEL=\"error\""},
		{"env level invalid under an option", map[string]string{logging.EnvBufferLevel: "x"}, []logging.Option{logging.WithBufferLevel(dbg)}, false, "OTELKIT_LOG_BUFFER_LEVEL"},
		{"env slow not a duration", map[string]string{logging.EnvBufferLevel: "debug", logging.EnvBufferSlow: "1"}, nil, false, "OTELKIT_LOG_BUFFER_SLOW=\"1\": allowed: a positive duration"},
		{"env slow zero", map[string]string{logging.EnvBufferSlow: "0s"}, nil, false, "OTELKIT_LOG_BUFFER_SLOW=\"0s\""},
		{"env slow negative", map[string]string{logging.EnvBufferSlow: "-1s"}, nil, false, "OTELKIT_LOG_BUFFER_SLOW=\"-1s\""},
		{"option level error", nil, []logging.Option{logging.WithBufferLevel(zapcore.ErrorLevel)}, false, `otelkit: invalid option WithBufferLevel("error"): allowed: debug, info, warn`},
		{"option slow zero", nil, []logging.Option{logging.WithBufferLevel(dbg), logging.WithBufferSlow(0)}, false, `otelkit: invalid option WithBufferSlow("0s")`},
		{"option limits negative", nil, []logging.Option{logging.WithBufferLimits(logging.BufferLimits{Lines: -1})}, false, "otelkit: invalid option WithBufferLimits("},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]logging.Option{logging.WithFormat("json"), logging.WithOutput(&syncBuffer{}), logging.WithEnvLookup(envOf(tc.env))}, tc.opts...)
			l, err := logging.New(opts...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := begin(context.Background(), l.Zap(), "r", nil)
			if got := r.log().Core().Enabled(zapcore.DebugLevel); got != tc.on {
				t.Errorf("buffering on = %v, want %v", got, tc.on)
			}
			r.end(reqscope.Succeeded)
		})
	}
}

// TestBufferOptionErrorsAreConfigErrors: an invalid buffering option is a
// ConfigError naming the option, as every other invalid setting is, so
// that errors.As finds it (it was a plain error that errors.As missed).
func TestBufferOptionErrorsAreConfigErrors(t *testing.T) {
	for name, opt := range map[string]logging.Option{
		"WithBufferLevel":  logging.WithBufferLevel(zapcore.ErrorLevel),
		"WithBufferSlow":   logging.WithBufferSlow(-time.Second),
		"WithBufferLimits": logging.WithBufferLimits(logging.BufferLimits{Bytes: -1}),
	} {
		_, err := logging.New(logging.WithFormat("json"), logging.WithOutput(&syncBuffer{}),
			logging.WithEnvLookup(envOf(nil)), opt)
		var ce *logging.ConfigError
		if !errors.As(err, &ce) || ce.Option != name {
			t.Errorf("%s: error %v (%T), want a ConfigError naming the option", name, err, err)
		}
	}
}

// A line at the buffer level outside any request is not buffered: it is
// below the logger's level, so it is not written.
func TestBufferOnlyInsideRequests(t *testing.T) {
	l, buf := bufLogger(t)
	before := logging.BufferStatsNow()
	logging.FromContext(logging.NewContext(context.Background(), l.Zap())).Debug("outside")
	l.Zap().Debug("outside2")
	if buf.String() != "" || statsDelta(before) != (logging.BufferStats{}) {
		t.Errorf("output %q, counts %+v", buf.String(), statsDelta(before))
	}
}

func TestBufferErrorFieldsAndPanickingValues(t *testing.T) {
	l, buf := bufLogger(t)
	r := begin(context.Background(), l.Zap(), "r1", nil)
	r.log().Debug("d", logging.Err(errors.New("inner")), zap.Object("bad", panicky{}))
	r.end(reqscope.ServerError)
	m := byMsg(t, buf, "d")
	if len(m) != 1 || m[0]["error"] != "inner" || m[0]["error_type"] != "*errors.errorString" ||
		!strings.HasPrefix(fmt.Sprint(m[0]["badError"]), "PANIC=") {
		t.Errorf("lines:\n%s", buf)
	}
}

type panicky struct{}

func (panicky) MarshalLogObject(zapcore.ObjectEncoder) error { panic("marshal") }

// A request that is never ended (a transport that does not call End) gives
// its bytes back to the process-wide bound once it is collected, and its
// lines count as lost.
func TestBufferRequestNeverEndedGivesBytesBack(t *testing.T) {
	l, _ := bufLogger(t)
	before := logging.BufferStatsNow()
	func() {
		r := begin(context.Background(), l.Zap(), "lost", nil)
		for i := 0; i < 5; i++ {
			r.log().Debug("d", zap.Int("i", i))
		}
	}()
	if d := statsDelta(before); d.HeldBytes <= 0 || d.Buffered != 5 {
		t.Fatalf("counts while held %+v", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for statsDelta(before).HeldBytes != 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if d := statsDelta(before); d.HeldBytes != 0 || d.Lost != 5 {
		t.Errorf("counts after the request was collected %+v", d)
	}
}

// TestBufferInertAtTheLevelWarns: buffering at or above the log level
// keeps nothing (it keeps lines below the level), so New says so; below
// it, nothing is said.
func TestBufferInertAtTheLevelWarns(t *testing.T) {
	for _, tc := range []struct {
		name        string
		level, buf  zapcore.Level
		wantWarning bool
	}{
		{"debug buffer, debug level", zapcore.DebugLevel, zapcore.DebugLevel, true},
		{"debug buffer, warn level", zapcore.WarnLevel, zapcore.DebugLevel, false},
		{"warn buffer, info level", zapcore.InfoLevel, zapcore.WarnLevel, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			_, err := logging.New(logging.WithFormat("json"), logging.WithOutput(out), logging.WithEnvLookup(noEnv),
				logging.WithLevel(tc.level), logging.WithBufferLevel(tc.buf))
			if err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(out.String(), `"variable":"OTELKIT_LOG_BUFFER_LEVEL"`)
			if warned != tc.wantWarning {
				t.Errorf("warned %v, want %v: %s", warned, tc.wantWarning, out.String())
			}
		})
	}
}
