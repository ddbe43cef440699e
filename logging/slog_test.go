package logging_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

func TestSlogHandlerPassesSlogtest(t *testing.T) {
	l, buf := newJSON(t, logging.WithLevel(zap.DebugLevel))
	h := logging.NewSlogHandler(l.Zap())
	results := func() []map[string]any {
		var out []map[string]any
		for _, line := range buf.Lines() {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not JSON: %s", line)
			}
			out = append(out, m)
		}
		return out
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Fatal(err)
	}
}

func TestSlogCorrelation(t *testing.T) {
	tp, _ := newTracer(t)
	l, buf := newJSON(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "op")
	defer span.End()

	// Through a context bound with With: bound fields and the span.
	bctx := logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "r-5"))
	l.Slog().With("component", "cart").InfoContext(bctx, "slog_line", "n", 3, slog.Group("g", "a", 1))
	m := lastLine(t, buf)
	sc := span.SpanContext()
	if m["trace_id"] != sc.TraceID().String() || m["span_id"] != sc.SpanID().String() || m["request_id"] != "r-5" || m["component"] != "cart" {
		t.Fatalf("slog line: %v", m)
	}
	if g, _ := m["g"].(map[string]any); g["a"] == nil {
		t.Fatalf("group not nested: %v", m)
	}
	if !strings.Contains(m["caller"].(string), "slog_test.go") {
		t.Fatalf("caller points at %v, not the slog call", m["caller"])
	}

	// Through a context that only holds a span.
	slog.New(logging.NewSlogHandler(l.Zap())).WarnContext(ctx, "span_only")
	m = lastLine(t, buf)
	if m["span_id"] != sc.SpanID().String() || m["level"] != "warn" {
		t.Fatalf("slog span-only line: %v", m)
	}
	// Repeat: the per-handler cache must still answer the right span.
	cctx, child := tp.Tracer("t").Start(ctx, "child")
	h := slog.New(logging.NewSlogHandler(l.Zap()))
	h.InfoContext(ctx, "a")
	h.InfoContext(cctx, "b")
	h.InfoContext(ctx, "c")
	child.End()
	lines := buf.Lines()
	got := []any{decode(t, lines[len(lines)-3])["span_id"], decode(t, lines[len(lines)-2])["span_id"], decode(t, lines[len(lines)-1])["span_id"]}
	want := []any{sc.SpanID().String(), child.SpanContext().SpanID().String(), sc.SpanID().String()}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("span ids %v, want %v", got, want)
		}
	}
}

func TestSlogLevelsAndErrors(t *testing.T) {
	tp, rec := newTracer(t)
	l, buf := newJSON(t, logging.WithLevel(zap.DebugLevel))
	s := l.Slog()
	s.Debug("d")
	s.Log(context.Background(), slog.LevelDebug-4, "below_debug")
	s.Info("i")
	s.Log(context.Background(), slog.LevelInfo+2, "info_plus")
	s.Warn("w")
	s.Error("e")
	s.Log(context.Background(), slog.LevelError+4, "above_error")
	var got []string
	for _, line := range buf.Lines() {
		got = append(got, decode(t, line)["level"].(string))
	}
	if strings.Join(got, ",") != "debug,debug,info,info,warn,error,error" {
		t.Fatalf("levels %v", got)
	}

	ctx, span := tp.Tracer("t").Start(context.Background(), "op")
	s.ErrorContext(ctx, "failed", "error", errTest)
	span.End()
	if n := len(rec.Ended()[0].Events()); n != 1 {
		t.Fatalf("slog error line recorded %d events on the span", n)
	}

	l.SetLevel(zap.ErrorLevel)
	if s.Enabled(context.Background(), slog.LevelWarn) || !s.Enabled(context.Background(), slog.LevelError) {
		t.Fatal("Enabled does not follow the runtime level")
	}
}

var errTest = &typedErr{"slog failure"}

func TestSlogNilLoggerUsesGlobal(t *testing.T) {
	l, buf := newJSON(t)
	replaceGlobal(t, l.Zap())
	slog.New(logging.NewSlogHandler(nil)).Info("via_global")
	if lastLine(t, buf)["msg"] != "via_global" {
		t.Fatal("nil logger did not use the global")
	}
}

func TestSlogCallerFollowsLogger(t *testing.T) {
	l, buf := newJSON(t)
	l.Slog().Info("with_caller")
	if c, _ := lastLine(t, buf)["caller"].(string); !strings.HasPrefix(c, "logging/slog_test.go:") {
		t.Fatalf("caller %q", c)
	}
	nc, buf2 := newJSON(t, logging.WithoutCaller())
	nc.Slog().Info("without_caller")
	if _, ok := lastLine(t, buf2)["caller"]; ok {
		t.Fatal("WithoutCaller ignored by the slog handler")
	}
}

// Lines from different call sites, interleaved, each carry their own caller
// and only their own attributes (the handler reuses its field slices).
func TestSlogCallersAndFieldsPerLine(t *testing.T) {
	l, buf := newJSON(t)
	sl := l.Slog().With("svc", "shop")
	for i := 0; i < 3; i++ {
		sl.Info("a", "only_a", i)
		sl.Info("b")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines", len(lines))
	}
	var lineA, lineB string
	for i, raw := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		c, _ := m["caller"].(string)
		if m["svc"] != "shop" || !strings.HasPrefix(c, "logging/slog_test.go:") {
			t.Fatalf("line %d: %s", i, raw)
		}
		if m["msg"] == "a" {
			if lineA == "" {
				lineA = c
			}
			if c != lineA || m["only_a"] != float64(i/2) {
				t.Errorf("line %d: %s", i, raw)
			}
		} else {
			if lineB == "" {
				lineB = c
			}
			if _, ok := m["only_a"]; ok || c != lineB {
				t.Errorf("line %d: %s", i, raw)
			}
		}
	}
	if lineA == lineB {
		t.Errorf("both call sites report caller %s", lineA)
	}
}

// A slog line with string and int attributes costs no allocation, like
// slog's own JSON handler (caller included).
func TestSlogHandlerAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	ctx, _ := requestCtx(t)
	sl := slog.New(logging.NewSlogHandler(baselineZap()))
	attrs := []slog.Attr{slog.String("order_id", "ord-1234"), slog.Int("items", 3)}
	if n := testing.AllocsPerRun(200, func() { sl.LogAttrs(ctx, slog.LevelInfo, "order_loaded", attrs...) }); n != 0 {
		t.Errorf("%v allocations per slog line, want 0", n)
	}
}

// A value whose encoding panics, given to the slog handler over a zap
// logger of the user's own (here zap's plain ioCore, and a tee), does not
// crash the caller, as it does not through slog's own handlers or a
// foreign logger bound to a request: the line is written with the note.
func TestSlogForeignLoggerGuardsPanickingValues(t *testing.T) {
	cfg := zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder}
	cores := map[string]func(*syncBuffer) zapcore.Core{
		"ioCore": func(b *syncBuffer) zapcore.Core {
			return zapcore.NewCore(zapcore.NewJSONEncoder(cfg), b, zapcore.InfoLevel)
		},
		"tee": func(b *syncBuffer) zapcore.Core {
			return zapcore.NewTee(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), b, zapcore.InfoLevel))
		},
	}
	for name, core := range cores {
		t.Run(name, func(t *testing.T) {
			buf := &syncBuffer{}
			s := slog.New(logging.NewSlogHandler(zap.New(core(buf))))
			s.Info("guarded", "obj", badObj{}, slog.Group("g", "arr", badArr{}), "n", 1)
			m := lastLine(t, buf)
			if m["msg"] != "guarded" || m["objError"] != "PANIC=object boom" || m["gError"] != "PANIC=array boom" || m["n"] == nil {
				t.Fatalf("line: %v", m)
			}
		})
	}
}

// keepingCore keeps the fields slices it is given, as an asynchronous
// core may, and encodes them later.
type keepingCore struct {
	zapcore.LevelEnabler
	kept *[][]zapcore.Field
}

func (c keepingCore) With([]zapcore.Field) zapcore.Core { return c }
func (c keepingCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}
func (c keepingCore) Write(_ zapcore.Entry, fields []zapcore.Field) error {
	*c.kept = append(*c.kept, fields)
	return nil
}
func (keepingCore) Sync() error { return nil }

// A core other than zap's ioCore may keep the fields it is given: the slog
// handler hands it a slice of the line's own, not a pooled one that it
// clears and the next line reuses; so also in a request bound to it.
func TestSlogForeignCoreMayKeepFields(t *testing.T) {
	for _, inRequest := range []bool{false, true} {
		t.Run(fmt.Sprint("in_request=", inRequest), func(t *testing.T) {
			var kept [][]zapcore.Field
			l := zap.New(keepingCore{zapcore.DebugLevel, &kept})
			ctx := context.Background()
			if inRequest {
				tp, _ := newTracer(t)
				r := begin(ctx, l, "r1", tp) // in its span: the request's own logger
				defer r.end(reqscope.Succeeded)
				ctx = r.ctx
			}
			s := slog.New(logging.NewSlogHandler(l))
			s.InfoContext(ctx, "first", "a", 1)
			s.InfoContext(ctx, "second", "b", 2)
			// The first line's own field is its last (a request adds its own before it).
			if len(kept) != 2 || len(kept[0]) == 0 || kept[0][len(kept[0])-1].Key != "a" || kept[0][len(kept[0])-1].Integer != 1 {
				t.Fatalf("the first line's fields, read after the second line: %v", kept)
			}
		})
	}
}
