package w3c

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Global follows the global propagator as it is when called, and
// normalises the W3C fields in front of it.
func TestGlobalLooksUpThePropagatorPerCall(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	p := Configured(nil)
	h := http.Header{"Traceparent": {parent}, "Tracestate": {"", "foo=1,BAD=2", "bar=2"}}

	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
	if sc := trace.SpanContextFromContext(p.Extract(context.Background(), propagation.HeaderCarrier(h))); sc.IsValid() {
		t.Fatalf("extracted %v with a propagator that reads nothing", sc)
	}
	if f := p.Fields(); len(f) != 0 {
		t.Errorf("Fields = %q", f)
	}

	otel.SetTextMapPropagator(sdkW3C)
	ctx := p.Extract(context.Background(), propagation.HeaderCarrier(h))
	sc := trace.SpanContextFromContext(ctx)
	if sc.TraceID().String() != traceHex || sc.TraceState().String() != "foo=1,bar=2" {
		t.Errorf("span context %v, tracestate %q: want the global W3C propagator behind the normaliser", sc, sc.TraceState().String())
	}
	out := propagation.HeaderCarrier{}
	p.Inject(trace.ContextWithSpanContext(context.Background(), sc), out)
	if out.Get("traceparent") == "" || len(p.Fields()) != 3 {
		t.Errorf("Inject wrote %v; Fields %q", out, p.Fields())
	}
}

func TestConfiguredWrapsTheGivenPropagator(t *testing.T) {
	h := http.Header{"Traceparent": {parent}, "Tracestate": {"foo=1", "bar=2"}}
	sc := trace.SpanContextFromContext(Configured(sdkW3C).Extract(context.Background(), propagation.HeaderCarrier(h)))
	if sc.TraceState().String() != "foo=1,bar=2" {
		t.Errorf("tracestate %q: want both lines, read by the normaliser", sc.TraceState().String())
	}
}
