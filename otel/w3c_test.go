package otel

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The global propagator Init installs reads W3C fields as httpmw does, so
// that code calling it directly (otelgrpc, a user's otelhttp) does not
// continue a request carrying two differing traceparent lines.
func TestGlobalPropagatorFollowsW3C(t *testing.T) {
	tel := initHealth(t, &lineBuffer{}, WithTracesExporter("none"), WithMetricsExporter("none"), WithLogsExporter("none"))
	defer tel.Shutdown(context.Background())

	h := http.Header{}
	h.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	h.Add("traceparent", "00-11111111111111111111111111111111-2222222222222222-01")
	ctx := otel.GetTextMapPropagator().Extract(context.Background(), propagation.HeaderCarrier(h))
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		t.Fatalf("two differing traceparent lines were continued as %s; want a new trace", sc.TraceID())
	}

	one := http.Header{}
	one.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	ctx = otel.GetTextMapPropagator().Extract(context.Background(), propagation.HeaderCarrier(one))
	if got := trace.SpanContextFromContext(ctx).TraceID().String(); got != "0af7651916cd43dd8448eb211c80319c" {
		t.Fatalf("a single valid traceparent gave trace %q", got)
	}
}

// A W3C field dropped for its size shows in Health, so a lost tracestate is
// never silent.
func TestHealthShowsTraceContextDrops(t *testing.T) {
	tel := initHealth(t, &lineBuffer{}, WithTracesExporter("none"), WithMetricsExporter("none"), WithLogsExporter("none"))
	defer tel.Shutdown(context.Background())

	before := tel.Health().TraceContextDropped["tracestate.oversize"]
	h := http.Header{}
	h.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	h.Set("tracestate", "a="+strings.Repeat("x", 64<<10))
	otel.GetTextMapPropagator().Extract(context.Background(), propagation.HeaderCarrier(h))

	got, _ := getHealth(t, tel)
	if n := got.TraceContextDropped["tracestate.oversize"]; n != before+1 {
		t.Fatalf("trace_context_dropped[tracestate.oversize] = %d, want %d (document: %v)", n, before+1, got.TraceContextDropped)
	}
}
