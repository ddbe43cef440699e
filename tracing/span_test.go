package tracing

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// withGlobal installs a provider recording into rec as the global one for
// the test and restores the previous one afterwards.
func withGlobal(t testing.TB) *tracetest.SpanRecorder {
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

func TestStartEnd(t *testing.T) {
	rec := withGlobal(t)
	ctx, parent := Start(context.Background(), "parent")
	if TraceID(ctx) != parent.SpanContext().TraceID().String() || SpanID(ctx) != parent.SpanContext().SpanID().String() {
		t.Fatalf("IDs %q/%q do not match the span", TraceID(ctx), SpanID(ctx))
	}
	func() (err error) {
		cctx, child := Start(ctx, "child", trace.WithSpanKind(trace.SpanKindClient))
		defer End(child, &err)
		if TraceID(cctx) != TraceID(ctx) || SpanID(cctx) == SpanID(ctx) {
			t.Errorf("child IDs %q/%q", TraceID(cctx), SpanID(cctx))
		}
		return errors.New("boom")
	}()
	var ok error
	End(parent, &ok)

	ended := rec.Ended()
	if len(ended) != 2 {
		t.Fatalf("%d spans ended", len(ended))
	}
	child, p := ended[0], ended[1]
	if child.InstrumentationScope().Name != ScopeName || child.SpanKind() != trace.SpanKindClient || child.Parent().SpanID() != p.SpanContext().SpanID() {
		t.Fatalf("child %s scope %q kind %v", child.Name(), child.InstrumentationScope().Name, child.SpanKind())
	}
	if child.Status().Code != codes.Error || child.Status().Description != "boom" || len(child.Events()) != 1 || child.Events()[0].Name != "exception" {
		t.Fatalf("child status %+v events %v", child.Status(), child.Events())
	}
	if p.Status().Code != codes.Unset || len(p.Events()) != 0 {
		t.Fatalf("parent status %+v events %v", p.Status(), p.Events())
	}
}

func TestEndNilArguments(t *testing.T) {
	rec := withGlobal(t)
	End(nil, nil)
	var err error = errors.New("x")
	End(nil, &err)
	_, span := Start(context.Background(), "s")
	End(span, nil)
	if len(rec.Ended()) != 1 || rec.Ended()[0].Status().Code != codes.Unset {
		t.Fatal("End(span, nil) must end the span without error status")
	}
}

func TestIDsAbsent(t *testing.T) {
	for _, ctx := range []context.Context{context.Background(), nil} {
		if TraceID(ctx) != "" || SpanID(ctx) != "" {
			t.Fatalf("IDs without a span: %q %q", TraceID(ctx), SpanID(ctx))
		}
	}
}

func TestRecordError(t *testing.T) {
	rec := withGlobal(t)
	ctx, span := Start(context.Background(), "s")
	RecordError(ctx, nil)
	RecordError(context.Background(), errors.New("no span: ignored"))
	RecordError(ctx, errors.New("bad"))
	span.End()
	s := rec.Ended()[0]
	if s.Status().Code != codes.Error || s.Status().Description != "bad" || len(s.Events()) != 1 {
		t.Fatalf("status %+v events %d", s.Status(), len(s.Events()))
	}
}

// fieldErr is an error whose Error method reads its receiver: a nil
// *fieldErr in an error (Go's typed-nil error) panics when asked its text.
type fieldErr struct{ msg string }

func (e *fieldErr) Error() string { return e.msg }

// TestTypedNilError: End and RecordError given a typed-nil error, or any
// error whose Error method panics, set the status and record the event
// with a note instead of panicking, as logging.Err does.
func TestTypedNilError(t *testing.T) {
	rec := withGlobal(t)
	func() (err error) {
		_, span := Start(context.Background(), "end")
		defer End(span, &err)
		var nilErr *fieldErr
		return nilErr
	}()
	ctx, span := Start(context.Background(), "record")
	RecordError(ctx, (*fieldErr)(nil))
	span.End()
	for _, s := range rec.Ended() {
		if s.Status().Code != codes.Error || s.Status().Description != "<nil>" {
			t.Errorf("%s: status %+v, want Error with a note", s.Name(), s.Status())
		}
		if len(s.Events()) != 1 || s.Events()[0].Name != "exception" {
			t.Errorf("%s: events %v, want one exception", s.Name(), s.Events())
		}
	}
	if len(rec.Ended()) != 2 {
		t.Fatalf("%d spans ended, want 2", len(rec.Ended()))
	}
}

func BenchmarkStartEnd(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(prev)
	ctx := context.Background()

	b.Run("baseline_tracer", func(b *testing.B) {
		tracer := tp.Tracer(ScopeName)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			_, span := tracer.Start(ctx, "op")
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}
	})
	b.Run("tracing_helpers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var err error
			_, span := Start(ctx, "op")
			End(span, &err)
		}
	})
}

func TestStartFollowsGlobalProvider(t *testing.T) {
	first := withGlobal(t)
	_, s := Start(context.Background(), "one")
	s.End()
	second := withGlobal(t)
	_, s = Start(context.Background(), "two")
	s.End()
	if len(first.Ended()) != 1 || len(second.Ended()) != 1 || second.Ended()[0].Name() != "two" {
		t.Fatalf("first %d, second %d spans", len(first.Ended()), len(second.Ended()))
	}
}
