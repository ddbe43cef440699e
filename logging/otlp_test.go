package logging_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/testutil/logrec"
	"github.com/otelkit/otelkit/logging"
)

func newLogProvider(t *testing.T) (*sdklog.LoggerProvider, *logrec.Processor) {
	t.Helper()
	mp := &logrec.Processor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(mp))
	t.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	return lp, mp
}

func attrs(r sdklog.Record) map[string]string {
	m := map[string]string{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = kv.Value.String()
		return true
	})
	return m
}

func TestOTLPRecordCarriesTraceContextNatively(t *testing.T) {
	lp, mp := newLogProvider(t)
	tp, _ := newTracer(t)
	l, buf := newJSON(t, logging.WithLoggerProvider(lp), logging.WithName("checkout"))

	ctx, parent := tp.Tracer("t").Start(context.Background(), "parent")
	defer parent.End()
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "req-1"))
	cctx, child := tp.Tracer("t").Start(ctx, "child")
	defer child.End()

	logging.FromContext(ctx).Info("parent_line", zap.String("order_id", "42"))
	logging.FromContext(cctx).Warn("child_line", zap.Int("n", 7), zap.Any("ctx", cctx))
	logging.FromContext(context.Background()).Info("unbound") // global logger: not ours

	recs := mp.Records()
	if len(recs) != 2 {
		t.Fatalf("want 2 records, got %d", len(recs))
	}
	lines := buf.Lines()
	spans := []struct {
		tid, sid string
		sev      otellog.Severity
		body     string
	}{
		{parent.SpanContext().TraceID().String(), parent.SpanContext().SpanID().String(), otellog.SeverityInfo, "parent_line"},
		{child.SpanContext().TraceID().String(), child.SpanContext().SpanID().String(), otellog.SeverityWarn, "child_line"},
	}
	for i, want := range spans {
		r := recs[i]
		if r.TraceID().String() != want.tid || r.SpanID().String() != want.sid || !r.TraceFlags().IsSampled() {
			t.Fatalf("record %d trace context %s/%s, want %s/%s", i, r.TraceID(), r.SpanID(), want.tid, want.sid)
		}
		if r.Severity() != want.sev || r.Body().AsString() != want.body {
			t.Fatalf("record %d: severity %v body %q", i, r.Severity(), r.Body().AsString())
		}
		if r.InstrumentationScope().Name != "checkout" {
			t.Fatalf("scope %q", r.InstrumentationScope().Name)
		}
		a := attrs(r)
		if a["request_id"] != "req-1" {
			t.Fatalf("record %d attributes %v", i, a)
		}
		for k := range a {
			if strings.Contains(k, "trace") || strings.Contains(k, "span") || k == "ctx" {
				t.Fatalf("record %d has trace context as attribute %q", i, k)
			}
		}
		// The stdout line of the same call carries the same IDs.
		m := decode(t, lines[i])
		if m["trace_id"] != want.tid || m["span_id"] != want.sid {
			t.Fatalf("stdout line %d: %v", i, m)
		}
	}
	if a := attrs(recs[0]); a["order_id"] != "42" {
		t.Fatalf("fields not attributes: %v", a)
	}
	if a := attrs(recs[1]); a["n"] != "7" {
		t.Fatalf("fields not attributes: %v", a)
	}
	if strings.Contains(lines[1], "ctx") {
		t.Fatalf("context serialised on stdout: %s", lines[1])
	}
}

func TestOTLPRespectsLevelAndErrors(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, _ := newJSON(t, logging.WithLoggerProvider(lp), logging.WithLevel(zap.WarnLevel))
	l.Zap().Info("dropped")
	l.Zap().Error("failed", logging.Err(errors.New("boom")))
	recs := mp.Records()
	if len(recs) != 1 {
		t.Fatalf("want 1 record, got %d", len(recs))
	}
	r := recs[0]
	if r.Severity() != otellog.SeverityError || r.SeverityText() != "error" {
		t.Fatalf("severity %v %q", r.Severity(), r.SeverityText())
	}
	a := attrs(r)
	if a["error"] != "boom" || a["error_type"] != "*errors.errorString" {
		t.Fatalf("error attributes %v", a)
	}
	if r.TraceID().IsValid() {
		t.Fatal("record without span has a trace ID")
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
}

func TestOTLPUnsampledSpanStillCorrelated(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, _ := newJSON(t, logging.WithLoggerProvider(lp))
	ctx, sc := staticSpan(false)
	logging.FromContext(logging.NewContext(ctx, l.Zap())).Info("x")
	r := mp.Records()[0]
	if r.TraceID() != sc.TraceID() || r.SpanID() != sc.SpanID() || r.TraceFlags().IsSampled() {
		t.Fatalf("record %s/%s/%v", r.TraceID(), r.SpanID(), r.TraceFlags())
	}
}

// selfHolding is a struct whose map holds itself: encoding/json finds the
// cycle (the line gets a note), fmt's %+v, which the bridge writes
// structs with, does not.
type selfHolding struct{ M map[string]any }

// TestOTLPCyclicStructIsANote: a struct logged with zap.Any whose map
// holds itself, or that nests deeper than the bridge follows, becomes the
// bridge's max-depth note; fmt overflowed the stack, a fatal error that
// ended the process.
func TestOTLPCyclicStructIsANote(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, buf := newJSON(t, logging.WithLoggerProvider(lp))
	m := map[string]any{}
	m["self"] = m
	s := []any{nil}
	s[0] = s
	l.Zap().Info("cyclic", zap.Any("m", selfHolding{M: m}), zap.Any("s", struct{ S []any }{s}),
		zap.Any("key", map[*selfHolding]int{{M: m}: 1}), // fmt follows a pointer at the top
		zap.Any("fine", selfHolding{M: map[string]any{"k": 1}}))
	recs := mp.Records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	got := attrs(recs[0])
	if got["m"] != "<max-depth-exceeded>" || got["s"] != "<max-depth-exceeded>" || got["key"] != "<max-depth-exceeded>" ||
		got["fine"] != "{M:map[k:1]}" {
		t.Errorf("attributes %v", got)
	}
	line := lastLine(t, buf)
	if line["mError"] == nil || line["sError"] == nil || line["keyError"] == nil {
		t.Errorf("line %v", line)
	}
}

// chainLink nests a value in a struct through an interface, as a decoded
// JSON document does in a struct holding it.
type chainLink struct{ Next any }

// TestOTLPDeepStructWithinBoundIsText: a struct nesting fewer levels than
// the bridge follows is its %+v text, however many of them go through an
// interface (a field of type any holding a map or a struct); each
// interface counted as a level of its own, so a struct holding a 60-level
// JSON document became the max-depth note, which the same document
// logged alone did not.
func TestOTLPDeepStructWithinBoundIsText(t *testing.T) {
	lp, mp := newLogProvider(t)
	l, _ := newJSON(t, logging.WithLoggerProvider(lp))
	var doc, chain any = "leaf", 1
	for range 60 {
		doc, chain = map[string]any{"k": doc}, chainLink{chain}
	}
	doc60, chain60 := struct{ Doc any }{doc}, chainLink{chain}
	l.Zap().Info("deep", zap.Any("doc", doc60), zap.Any("chain", chain60))
	recs := mp.Records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	got := attrs(recs[0])
	if got["doc"] != fmt.Sprintf("%+v", doc60) || got["chain"] != fmt.Sprintf("%+v", chain60) {
		t.Errorf("attributes %.200v", got)
	}
}
