package tracing

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestInjectExtractRoundTrip(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })

	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	})
	headers := map[string]string{}
	Inject(trace.ContextWithSpanContext(context.Background(), sc), headers)
	if !strings.HasPrefix(headers["traceparent"], "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01") {
		t.Fatalf("traceparent = %q", headers["traceparent"])
	}
	got := trace.SpanContextFromContext(Extract(context.Background(), headers))
	if got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() || !got.IsRemote() {
		t.Errorf("extracted %v, want %v (remote)", got, sc)
	}

	Inject(context.Background(), nil) // must not panic
	for _, bad := range []map[string]string{nil, {}, {"traceparent": "00-zz-yy-01"}, {"traceparent": strings.Repeat("0", 10000)}} {
		//lint:ignore SA1012 a nil context is tolerated, on purpose
		if sc := trace.SpanContextFromContext(Extract(nil, bad)); sc.IsValid() {
			t.Errorf("Extract(%v) gave a valid span context", bad)
		}
	}
}

// Extract reads queue headers as W3C Trace Context Level 2 and W3C Baggage
// say (the conformance suite over HTTP is in httpmw): names in any case,
// invalid members dropped one by one, oversized fields dropped unread.
func TestExtractW3C(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

	ctx := Extract(context.Background(), map[string]string{
		"Traceparent": tp,
		"TraceState":  " foo=1,BAD=x,, bar=2 ",
		"baggage":     "a=1,not a member,b=2",
	})
	sc := trace.SpanContextFromContext(ctx)
	if sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sc.TraceState().String() != "foo=1,bar=2" {
		t.Errorf("span context %v, tracestate %q", sc, sc.TraceState().String())
	}
	if bag := baggage.FromContext(ctx); bag.Len() != 2 || bag.Member("b").Value() != "2" {
		t.Errorf("baggage %q", bag.String())
	}

	ctx = Extract(context.Background(), map[string]string{"traceparent": tp, "tracestate": "a=" + strings.Repeat("x", 1<<20)})
	if sc := trace.SpanContextFromContext(ctx); !sc.IsValid() || sc.TraceState().Len() != 0 {
		t.Errorf("1 MiB tracestate: span context %v, tracestate %d bytes", sc, len(sc.TraceState().String()))
	}
	// The same field under two spellings with different values is a
	// repeated traceparent: ambiguous, so not continued.
	ctx = Extract(context.Background(), map[string]string{"traceparent": tp, "TRACEPARENT": strings.Replace(tp, "b7-01", "b8-01", 1)})
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		t.Errorf("differing traceparents continued: %v", sc)
	}
}

func TestInjectBoundsTraceState(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	var ts trace.TraceState
	for i := 0; i < 32; i++ {
		ts, _ = ts.Insert(fmt.Sprintf("k%02d", i), strings.Repeat("v", 200))
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceState: ts})
	headers := map[string]string{}
	Inject(trace.ContextWithSpanContext(context.Background(), sc), headers)
	if got := headers["tracestate"]; got != ts.String() {
		t.Errorf("a tracestate within the limits was changed: %d -> %d bytes", len(ts.String()), len(got))
	}
	for i := 0; i < 32; i++ {
		ts, _ = ts.Insert(fmt.Sprintf("k%02d%s", i, strings.Repeat("x", 250)), strings.Repeat("v", 256))
	}
	sc = trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceState: ts})
	Inject(trace.ContextWithSpanContext(context.Background(), sc), headers)
	if got := headers["tracestate"]; len(ts.String()) <= 8192 || len(got) > 8192 || got == "" {
		t.Errorf("tracestate of %d bytes sent as %d bytes", len(ts.String()), len(got))
	}
}

// TestInjectReplacesOtherSpellings: a message passed on with its
// producer's headers ("Traceparent", as net/http spells it) carries the
// trace Inject writes: the old spelling was left beside the new
// "traceparent", and Extract, reading both as two differing traceparents,
// continued no trace at all.
func TestInjectReplacesOtherSpellings(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled})
	member, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(member)
	ctx := baggage.ContextWithBaggage(trace.ContextWithSpanContext(context.Background(), sc), bag)
	headers := map[string]string{
		"Traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"BAGGAGE":     "tenant=old",
		"message-id":  "42",
	}
	Inject(ctx, headers)
	if len(headers) != 3 || headers["message-id"] != "42" {
		t.Errorf("headers %v, want traceparent, baggage and message-id once each", headers)
	}
	got := Extract(context.Background(), headers)
	if gsc := trace.SpanContextFromContext(got); gsc.TraceID() != sc.TraceID() || gsc.SpanID() != sc.SpanID() {
		t.Errorf("extracted %v, want the injected %v", gsc, sc)
	}
	if v := baggage.FromContext(got).Member("tenant").Value(); v != "acme" {
		t.Errorf("baggage tenant = %q, want the injected acme", v)
	}
}

// TestInjectDropsStaleTraceState: a message passed on with its producer's
// tracestate, under any spelling, does not carry it beside the traceparent
// Inject writes for a context without a tracestate (Extract took the two
// as one trace context); a context with a tracestate sends its own. The
// producer's baggage stays when the context has none.
func TestInjectDropsStaleTraceState(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled})
	ts, err := trace.ParseTraceState("mine=2")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sc   trace.SpanContext
		want string
	}{{sc, ""}, {sc.WithTraceState(ts), "mine=2"}} {
		headers := map[string]string{
			"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"tracestate":  "p1=1",
			"TraceState":  "p2=2",
			"baggage":     "tenant=old",
		}
		Inject(trace.ContextWithSpanContext(context.Background(), c.sc), headers)
		got := Extract(context.Background(), headers)
		if gsc := trace.SpanContextFromContext(got); gsc.TraceID() != sc.TraceID() || gsc.TraceState().String() != c.want {
			t.Errorf("extracted %v with tracestate %q, want %v with %q (headers %v)", gsc.TraceID(), gsc.TraceState().String(), sc.TraceID(), c.want, headers)
		}
		if v := baggage.FromContext(got).Member("tenant").Value(); v != "old" {
			t.Errorf("baggage tenant = %q, want the producer's old", v)
		}
	}
}
