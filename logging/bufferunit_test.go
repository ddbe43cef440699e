package logging_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/tracing"
)

// globalTracer makes a recording provider the global one for the test
// (tracing.Start uses the global provider).
func globalTracer(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		_ = tp.Shutdown(context.Background())
	})
	return rec
}

// job is a unit of work as a worker writes it.
func job(ctx context.Context, name string, fail bool) (err error) {
	ctx, span := tracing.Start(ctx, name)
	defer tracing.End(span, &err)
	logging.FromContext(ctx).Debug("step", zap.String("job", name))
	cctx, child := tracing.Start(ctx, "inner") // the same unit
	logging.FromContext(cctx).Debug("inner_step", zap.String("job", name))
	child.End()
	if fail {
		return errors.New("job failed")
	}
	return nil
}

func TestBufferUnitOfWork(t *testing.T) {
	rec := globalTracer(t)
	l, buf := bufLogger(t)
	ctx := logging.WithBuffer(logging.NewContext(context.Background(), l.Zap()))
	before := logging.BufferStatsNow()
	if err := job(ctx, "good", false); err != nil {
		t.Fatal(err)
	}
	_ = job(ctx, "bad", true)
	_ = job(ctx, "good2", false)

	if got := msgs(t, buf); strings.Join(got, ",") != "step,inner_step" {
		t.Fatalf("lines %v", got)
	}
	spans := map[string]sdktrace.ReadOnlySpan{}
	var inner []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "inner" {
			inner = append(inner, s)
		}
		spans[s.Name()] = s
	}
	bad := spans["bad"]
	for _, m := range byMsg(t, buf, "step") {
		if m["job"] != "bad" || m["buffered"] != true || m["span_id"] != bad.SpanContext().SpanID().String() {
			t.Errorf("line %v", m)
		}
	}
	if m := byMsg(t, buf, "inner_step")[0]; m["span_id"] != inner[1].SpanContext().SpanID().String() || inner[1].Parent().SpanID() != bad.SpanContext().SpanID() {
		t.Errorf("inner line %v", m)
	}
	if bad.Status().Code != codes.Error || attrOf(bad, "otelkit.log_buffer.flushed") != "2" || attrOf(spans["good"], "otelkit.log_buffer.dropped") != "2" {
		t.Errorf("span attributes: bad %v, good %v", bad.Attributes(), spans["good"].Attributes())
	}
	if d := statsDelta(before); d.Buffered != 6 || d.Flushed != 2 || d.Dropped != 4 || d.HeldBytes != 0 {
		t.Errorf("counts %+v", d)
	}
}

func attrOf(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

func TestBufferUnitTriggers(t *testing.T) {
	globalTracer(t)
	cases := []struct {
		name string
		slow time.Duration
		run  func(ctx context.Context)
		want string
	}{
		{"error line", time.Hour, func(ctx context.Context) { logging.FromContext(ctx).Error("failed") }, "step,failed"},
		{"error status", time.Hour, func(ctx context.Context) {}, "step"},
		{"slow", time.Nanosecond, func(ctx context.Context) {}, "step"},
		{"ends well", time.Hour, func(ctx context.Context) {}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := bufLogger(t, logging.WithBufferSlow(tc.slow))
			ctx, span := tracing.Start(logging.WithBuffer(logging.NewContext(context.Background(), l.Zap())), "unit")
			logging.FromContext(ctx).Debug("step")
			tc.run(ctx)
			if tc.name == "error status" {
				span.SetStatus(codes.Error, "x")
			}
			span.End()
			if got := strings.Join(msgs(t, buf), ","); got != tc.want {
				t.Errorf("lines %q, want %q", got, tc.want)
			}
		})
	}
}

// Without WithBuffer, or with buffering off, tracing.Start is what it was:
// the SDK's span, a context whose logger takes no debug line.
func TestBufferUnitNeedsWithBufferAndBuffering(t *testing.T) {
	globalTracer(t)
	on, _ := bufLogger(t)
	off, _ := newJSON(t)
	for name, ctx := range map[string]context.Context{
		"no WithBuffer": logging.NewContext(context.Background(), on.Zap()),
		"buffering off": logging.WithBuffer(logging.NewContext(context.Background(), off.Zap())),
	} {
		cctx, span := tracing.Start(ctx, "unit")
		if _, ok := span.(sdktrace.ReadWriteSpan); !ok {
			t.Errorf("%s: span %T is not the SDK's", name, span)
		}
		if logging.FromContext(cctx).Core().Enabled(zapcore.DebugLevel) {
			t.Errorf("%s: debug lines taken", name)
		}
		span.End()
	}
}
