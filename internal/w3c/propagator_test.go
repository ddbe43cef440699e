package w3c

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
)

var sdkW3C = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

func extract(c propagation.TextMapCarrier) (trace.SpanContext, baggage.Baggage) {
	ctx := Propagator(sdkW3C).Extract(context.Background(), c)
	return trace.SpanContextFromContext(ctx), baggage.FromContext(ctx)
}

func TestExtractFromHTTPHeader(t *testing.T) {
	h := http.Header{}
	h.Add("Traceparent", parent)
	h.Add("Tracestate", "")
	h.Add("Tracestate", "foo=1,BAD=2")
	h.Add("Tracestate", "bar=2")
	h.Add("Baggage", "a=1")
	h.Add("Baggage", " b = 2 ")
	sc, bag := extract(propagation.HeaderCarrier(h))
	if sc.TraceID().String() != traceHex || sc.TraceState().String() != "foo=1,bar=2" {
		t.Errorf("span context %v, tracestate %q", sc, sc.TraceState().String())
	}
	if bag.Len() != 2 || bag.Member("a").Value() != "1" || bag.Member("b").Value() != "2" {
		t.Errorf("baggage %q", bag.String())
	}
	// Without the wrapper the SDK reads the empty first line only.
	if got := trace.SpanContextFromContext(sdkW3C.Extract(context.Background(), propagation.HeaderCarrier(h))).TraceState(); got.Len() != 0 {
		t.Errorf("the SDK now combines tracestate lines (%q): update the package documentation", got.String())
	}
}

func TestExtractDifferingTraceParentsRestart(t *testing.T) {
	h := http.Header{"Traceparent": {parent, parent2}, "Tracestate": {"foo=1"}}
	if sc, _ := extract(propagation.HeaderCarrier(h)); sc.IsValid() {
		t.Errorf("continued %v", sc)
	}
}

// A field name in any case is the same field (RFC 9110 §5.1).
func TestFieldNamesAnyCase(t *testing.T) {
	for _, name := range []string{"TRACESTATE", "TraceState", "tracestate"} {
		if f, ok := fieldOf(name); !ok || f != TraceState {
			t.Errorf("fieldOf(%q) = %v, %v", name, f, ok)
		}
	}
	if _, ok := fieldOf("tracestates"); ok {
		t.Error("tracestates matched")
	}
	m := MapCarrier{"TraceParent": parent, "TRACESTATE": "foo=1", "tracestate": "bar=2", "Baggage": "a=1"}
	sc, bag := extract(m)
	// The exact name first, then the other spellings in sorted order.
	if sc.TraceID().String() != traceHex || sc.TraceState().String() != "bar=2,foo=1" || bag.Member("a").Value() != "1" {
		t.Errorf("span context %v, tracestate %q, baggage %q", sc, sc.TraceState().String(), bag.String())
	}
}

// A gRPC metadata carrier fits with three lines: metadata.MD keeps every
// value of a key, lower-cased, as http.Header does canonicalised.
type mdCarrier metadata.MD

func (m mdCarrier) Get(k string) string          { return strings.Join(metadata.MD(m).Get(k), ",") }
func (m mdCarrier) Values(k string) []string     { return metadata.MD(m).Get(k) }
func (m mdCarrier) Set(k, v string)              { metadata.MD(m).Set(k, v) }
func (m mdCarrier) Keys() []string               { return propagation.HeaderCarrier(http.Header(m)).Keys() }
func (m mdCarrier) append(k string, v ...string) { metadata.MD(m).Append(k, v...) }

func TestExtractFromGRPCMetadata(t *testing.T) {
	md := mdCarrier(metadata.MD{})
	md.append("traceparent", parent)
	md.append("tracestate", "foo=1", "bar=2")
	md.append("baggage", "a=1", "b=2")
	sc, bag := extract(md)
	if sc.TraceID().String() != traceHex || sc.TraceState().String() != "foo=1,bar=2" || bag.Len() != 2 {
		t.Errorf("span context %v, tracestate %q, baggage %q", sc, sc.TraceState().String(), bag.String())
	}
}

// getOnly is a carrier without Values, such as otelgrpc's.
type getOnly map[string]string

func (g getOnly) Get(k string) string { return g[k] }
func (g getOnly) Set(k, v string)     { g[k] = v }
func (g getOnly) Keys() []string      { return nil }

func TestExtractFromSingleValuedCarrier(t *testing.T) {
	sc, bag := extract(getOnly{"traceparent": " " + parent, "tracestate": "foo=1,1x=2,foo=3,bar=4", "baggage": "a=1,bad"})
	if sc.TraceID().String() != traceHex || sc.TraceState().String() != "bar=4" || bag.String() != "a=1" {
		t.Errorf("span context %v, tracestate %q, baggage %q", sc, sc.TraceState().String(), bag.String())
	}
}

// customProp reads its own field through whatever carrier it gets.
type customProp struct{ got *string }

func (p customProp) Inject(context.Context, propagation.TextMapCarrier) {}
func (p customProp) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	*p.got = c.Get("x-custom")
	return ctx
}
func (p customProp) Fields() []string { return []string{"x-custom"} }

func TestOtherFieldsPassThrough(t *testing.T) {
	var got string
	p := Propagator(customProp{&got})
	h := http.Header{"X-Custom": {"v1"}}
	p.Extract(context.Background(), propagation.HeaderCarrier(h))
	if got != "v1" {
		t.Errorf("header: %q", got)
	}
	p.Extract(context.Background(), propagation.MapCarrier{"x-custom": "v2"})
	if got != "v2" {
		t.Errorf("map: %q", got)
	}
	if f := p.Fields(); len(f) != 1 || f[0] != "x-custom" {
		t.Errorf("fields %v", f)
	}
	if Propagator(p) != p || Propagator(nil) != nil {
		t.Error("Propagator wraps twice or wraps nil")
	}
}

func spanContextWith(ts trace.TraceState) context.Context {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, TraceState: ts,
	})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

func TestInjectBoundsWhatTheSDKWrites(t *testing.T) {
	var ts trace.TraceState
	for i := 0; i < 32; i++ {
		var err error
		if ts, err = ts.Insert("vendor"+strings.Repeat("x", 240)+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("v", 256)); err != nil {
			t.Fatal(err)
		}
	}
	ctx := spanContextWith(ts)
	var members []baggage.Member
	for i := 0; i < 100; i++ {
		m, _ := baggage.NewMemberRaw("k"+strings.Repeat("x", i), "v")
		members = append(members, m)
	}
	bag, _ := baggage.New(members[:1]...)
	for _, m := range members[1:] {
		bag, _ = bag.SetMember(m) // SetMember does not enforce the limits
	}
	ctx = baggage.ContextWithBaggage(ctx, bag)
	before := Dropped(TraceState, DropTruncated)

	h := http.Header{}
	Propagator(sdkW3C).Inject(ctx, propagation.HeaderCarrier(h))
	if v := h.Values("tracestate"); len(v) != 1 || len(v[0]) > MaxTraceStateBytes || ts.Len() != 32 || len(ts.String()) <= MaxTraceStateBytes {
		t.Errorf("tracestate: %d lines, %d bytes (state %d bytes)", len(v), len(h.Get("tracestate")), len(ts.String()))
	}
	if v := h.Values("baggage"); len(v) != 1 || strings.Count(v[0], ",") >= MaxBaggageMembers || len(v[0]) > MaxBaggageBytes {
		t.Errorf("baggage: %d lines, %d members", len(v), strings.Count(h.Get("baggage"), ",")+1)
	}
	if Dropped(TraceState, DropTruncated) != before+1 {
		t.Error("the truncation was not counted")
	}

	m := propagation.MapCarrier{}
	Propagator(sdkW3C).Inject(ctx, m)
	if len(m["tracestate"]) > MaxTraceStateBytes || strings.Count(m["baggage"], ",") >= MaxBaggageMembers {
		t.Errorf("map carrier: tracestate %d bytes, baggage %d members", len(m["tracestate"]), strings.Count(m["baggage"], ",")+1)
	}
}

func TestInjectLeavesWhatFits(t *testing.T) {
	ts, _ := trace.ParseTraceState("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	h := http.Header{}
	Propagator(sdkW3C).Inject(spanContextWith(ts), propagation.HeaderCarrier(h))
	if h.Get("tracestate") != ts.String() || !strings.HasPrefix(h.Get("traceparent"), "00-01000000000000000000000000000000-0100000000000000-01") {
		t.Errorf("headers %v", h)
	}
}

// The ordinary case costs no more than the SDK's propagators alone.
func TestExtractAllocations(t *testing.T) {
	h := http.Header{"Traceparent": {parent}, "Tracestate": {"rojo=00f067aa0ba902b7"}, "Baggage": {"a=1"}}
	ctx := context.Background()
	w := Propagator(sdkW3C)
	sdk := testing.AllocsPerRun(100, func() { sdkW3C.Extract(ctx, propagation.HeaderCarrier(h)) })
	ours := testing.AllocsPerRun(100, func() { w.Extract(ctx, propagation.HeaderCarrier(h)) })
	if ours > sdk {
		t.Errorf("%v allocations, the SDK alone %v", ours, sdk)
	}
	t.Logf("allocations: %v with Propagator, %v the SDK alone", ours, sdk)
}

func TestDropsAreCounted(t *testing.T) {
	before := Dropped(TraceState, DropOversize)
	extract(propagation.HeaderCarrier{"Traceparent": {parent}, "Tracestate": {"a=" + strings.Repeat("x", 1<<20)}})
	if Dropped(TraceState, DropOversize) != before+1 {
		t.Error("oversize tracestate not counted")
	}
	before = Dropped(TraceParent, DropConflict)
	extract(propagation.HeaderCarrier{"Traceparent": {parent, parent2}})
	if Dropped(TraceParent, DropConflict) != before+1 {
		t.Error("conflicting traceparent not counted")
	}
	if Dropped(Field(9), DropConflict) != 0 || Dropped(TraceParent, DropConflict|DropInvalid) != 0 {
		t.Error("Dropped of an unknown field or a set of reasons is not zero")
	}
	if s := (DropInvalid | DropDuplicate).String(); s != "invalid|duplicate" {
		t.Errorf("String %q", s)
	}
}

func TestCountsKeysFieldAndReason(t *testing.T) {
	before := Counts()["baggage.oversize"]
	h := http.Header{}
	h.Set("baggage", strings.Repeat("k=v,", 4096))
	Propagator(propagation.Baggage{}).Extract(context.Background(), propagation.HeaderCarrier(h))
	if got := Counts()["baggage.oversize"]; got != before+1 {
		t.Fatalf(`Counts()["baggage.oversize"] = %d, want %d`, got, before+1)
	}
	m := Counts()
	m["baggage.oversize"] = 0 // the caller owns the map
	if Counts()["baggage.oversize"] == 0 {
		t.Fatal("changing the returned map changed the counts")
	}
}

// A *Carrier a transport keeps is taken as it is: normalised, and with no
// wrapper allocated per Extract.
func TestExtractTakesACarrierAsItIs(t *testing.T) {
	md := mdCarrier(metadata.MD{})
	md.append("traceparent", parent)
	md.append("tracestate", "", "foo=1,BAD=2", "bar=2")
	var w Carrier
	w.Wrap(md)
	p := Propagator(sdkW3C)
	sc := trace.SpanContextFromContext(p.Extract(context.Background(), &w))
	if sc.TraceID().String() != traceHex || sc.TraceState().String() != "foo=1,bar=2" {
		t.Errorf("span context %v, tracestate %q", sc, sc.TraceState().String())
	}
	if w.Get("traceparent") != parent || len(w.Values("tracestate")) != 1 {
		t.Errorf("Carrier reads %q, %q", w.Get("traceparent"), w.Values("tracestate"))
	}
	empty := mdCarrier(metadata.MD{})
	var e Carrier
	e.Wrap(empty)
	ctx := context.Background()
	wrapped := testing.AllocsPerRun(100, func() { _ = p.Extract(ctx, empty) })
	asIs := testing.AllocsPerRun(100, func() { _ = p.Extract(ctx, &e) })
	if asIs != wrapped-1 {
		t.Errorf("Extract allocates %v with a *Carrier and %v with the carrier it wraps: want one fewer", asIs, wrapped)
	}
}

// TestInjectRemovesStaleTraceState: a tracestate the carrier held goes
// when a traceparent is written without one, from every kind of carrier
// (a map under every spelling; one that cannot delete gets an empty
// value); it stays when no traceparent is written (no valid span), and a
// tracestate of the context replaces it.
func TestInjectRemovesStaleTraceState(t *testing.T) {
	const stale = "other=1"
	ts, _ := trace.ParseTraceState("mine=2")
	for _, c := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"span without tracestate", spanContextWith(trace.TraceState{}), ""},
		{"span with tracestate", spanContextWith(ts), "mine=2"},
		{"no span", context.Background(), stale},
	} {
		h := http.Header{"Tracestate": {stale}}
		Propagator(sdkW3C).Inject(c.ctx, propagation.HeaderCarrier(h))
		m := propagation.MapCarrier{"tracestate": stale}
		Propagator(sdkW3C).Inject(c.ctx, m)
		wm := MapCarrier{"tracestate": stale, "TRACESTATE": stale}
		Propagator(sdkW3C).Inject(c.ctx, wm)
		md := metadata.MD{"tracestate": {stale}}
		Propagator(sdkW3C).Inject(c.ctx, mdCarrier(md))
		for name, got := range map[string]string{
			"http.Header":            strings.Join(h.Values("tracestate"), ","),
			"propagation.MapCarrier": joinFold(m, "tracestate"),
			"MapCarrier":             joinFold(wm, "tracestate"),
			"metadata":               strings.Join(md["tracestate"], ","),
		} {
			want := c.want
			if want == stale && name == "MapCarrier" {
				want = stale + "," + stale // both spellings, left as they were
			}
			if got != want {
				t.Errorf("%s, %s: tracestate %q, want %q", c.name, name, got, c.want)
			}
		}
	}
}

// joinFold joins the values of key in m under every spelling, in sorted
// order of the spellings.
func joinFold(m map[string]string, key string) string {
	var names []string
	for k := range m {
		if strings.EqualFold(k, key) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var vs []string
	for _, k := range names {
		vs = append(vs, m[k])
	}
	return strings.Join(vs, ",")
}
