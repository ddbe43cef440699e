package logging_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	otellog "go.opentelemetry.io/otel/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// Flushed lines reach the OTLP bridge too, as records with their original
// timestamps, the marker, and the request's trace context; dropped ones
// never do.
func TestBufferOTLPRecords(t *testing.T) {
	lp, mp := newLogProvider(t)
	clk := &tickClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l, buf := bufLogger(t, logging.WithLoggerProvider(lp), logging.WithClock(clk))
	tp, _ := newTracer(t)

	ok := begin(context.Background(), l.Zap(), "ok", tp)
	ok.log().Debug("ok_debug")
	ok.end(reqscope.Succeeded)
	bad := begin(context.Background(), l.Zap(), "bad", tp)
	m := &mutable{v: "then"}
	bad.log().Debug("d1", zap.Int("n", 1), zap.Object("obj", m), zap.Error(fmt.Errorf("wrapped: %w", errCause)))
	m.v = "now"
	bad.log().Debug("d2", zap.Int("n", 2))
	bad.log().Error("failed")
	bad.end(reqscope.ServerError)

	var bodies []string
	for _, r := range mp.Records() {
		bodies = append(bodies, r.Body().AsString())
	}
	if strings.Join(bodies, ",") != "test_request,d1,d2,failed,test_request" {
		t.Fatalf("records %v", bodies)
	}
	recs := mp.Records()
	if a := attrs(recs[0]); a["debug_dropped"] != "1" {
		t.Errorf("access record of the good request: %v", a)
	}
	sc := bad.span.SpanContext()
	for i, name := range []string{"d1", "d2"} {
		r := recs[1+i]
		line := byMsg(t, buf, name)[0]
		want, _ := time.Parse(time.RFC3339Nano, line["time"].(string))
		a := attrs(r)
		if !r.Timestamp().Equal(want) || r.Severity() != otellog.SeverityDebug || a["buffered"] != "true" ||
			a["request_id"] != "bad" || a["method"] != "GET" || r.TraceID() != sc.TraceID() || r.SpanID() != sc.SpanID() {
			t.Errorf("record %s: time %v (line %v), severity %v, attributes %v, trace %s/%s", name, r.Timestamp(), want, r.Severity(), a, r.TraceID(), r.SpanID())
		}
		if !r.Timestamp().Before(recs[3].Timestamp()) {
			t.Errorf("record %s is not older than the trigger", name)
		}
	}
	a := attrs(recs[1])
	if !strings.Contains(a["obj"], "then") || strings.Contains(a["obj"], "now") {
		t.Errorf("record d1's obj %q: not the value at write time", a["obj"])
	}
	if a["exception.type"] != "*logging_test.causeErr" || a["exception.message"] != "wrapped: cause" {
		t.Errorf("record d1's error attributes %v", a)
	}
}

type causeErr struct{}

func (*causeErr) Error() string { return "cause" }

var errCause error = &causeErr{}

// A foreign logger whose tee holds an OTLP bridge behind a level: its
// flushed lines reach both cores.
func TestBufferForeignTeeWithBridge(t *testing.T) {
	l, _ := bufLogger(t)
	replaceGlobal(t, l.Zap())
	lp, mp := newLogProvider(t)
	fl, buf := foreignJSON(zapcore.InfoLevel)
	bridge := otelzap.NewCore("t", otelzap.WithLoggerProvider(lp))
	info, err := zapcore.NewIncreaseLevelCore(bridge, zapcore.InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	base := zap.New(zapcore.NewTee(fl.Core(), info))
	tp, _ := newTracer(t)
	r := begin(context.Background(), base, "f1", tp)
	r.log().Debug("d1", zap.Int("n", 1))
	if len(mp.Records()) != 0 || buf.String() != "" {
		t.Fatalf("written before the request went wrong: %s %v", buf, mp.Records())
	}
	r.end(reqscope.ServerError)
	line := byMsg(t, buf, "d1")
	recs := mp.Records()
	if len(line) != 1 || line[0]["buffered"] != true || line[0]["request_id"] != "f1" || line[0]["trace_id"] != r.span.SpanContext().TraceID().String() {
		t.Fatalf("JSON lines:\n%s", buf)
	}
	if len(recs) < 1 || recs[0].Body().AsString() != "d1" || recs[0].TraceID() != r.span.SpanContext().TraceID() || attrs(recs[0])["buffered"] != "true" {
		t.Errorf("records %v", recs)
	}
}

// The slog handler buffers as the zap logger does: Enabled says yes to a
// debug record in a buffering request, and no outside one.
func TestBufferSlog(t *testing.T) {
	l, buf := bufLogger(t)
	h := logging.NewSlogHandler(l.Zap())
	sl := slog.New(h)
	r := begin(context.Background(), l.Zap(), "s1", nil)
	if !h.Enabled(r.ctx, slog.LevelDebug) || h.Enabled(context.Background(), slog.LevelDebug) || h.Enabled(r.ctx, slog.LevelError-1) != true {
		t.Error("Enabled: want debug in the request only")
	}
	sl.DebugContext(r.ctx, "slog_debug", "k", "v")
	sl.DebugContext(context.Background(), "outside")
	if buf.String() != "" {
		t.Fatalf("written before the request went wrong: %s", buf)
	}
	r.end(reqscope.ServerError)
	m := byMsg(t, buf, "slog_debug")
	if len(m) != 1 || m[0]["k"] != "v" || m[0]["buffered"] != true || m[0]["request_id"] != "s1" ||
		!strings.HasPrefix(fmt.Sprint(m[0]["caller"]), "logging/buffer_otlp_test.go:") {
		t.Errorf("lines:\n%s", buf)
	}
	if len(byMsg(t, buf, "outside")) != 0 {
		t.Error("a debug record outside any request was written")
	}
}
