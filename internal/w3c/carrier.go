package w3c

import (
	"net/http"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/propagation"
)

// The carriers below are what the SDK's propagators read during Extract:
// traceparent, tracestate and baggage normalised by this package, every other
// field as the underlying carrier has it. A source that keeps every line of
// a field (http.Header, gRPC metadata.MD, anything with Values) gives the
// normaliser all of them; a single-valued source gives it one.

var (
	_ propagation.TextMapCarrier = HeaderCarrier(nil)
	_ propagation.ValuesGetter   = HeaderCarrier(nil)
	_ propagation.TextMapCarrier = (*carrier)(nil)
	_ propagation.ValuesGetter   = (*carrier)(nil)
	_ propagation.TextMapCarrier = MapCarrier(nil)
	_ propagation.ValuesGetter   = MapCarrier(nil)
)

// canonicalNames are the http.Header keys of the fields (net/http
// canonicalises every received header name).
var canonicalNames = [numFields]string{"Traceparent", "Tracestate", "Baggage"}

// fieldOf matches key to a field without regard to case (RFC 9110 §5.1).
func fieldOf(key string) (Field, bool) {
	switch key {
	case "traceparent":
		return TraceParent, true
	case "tracestate":
		return TraceState, true
	case "baggage":
		return Baggage, true
	}
	if n := len(key); n != len("baggage") && n != len("tracestate") && n != len("traceparent") {
		return 0, false
	}
	for f, name := range fieldNames {
		if strings.EqualFold(key, name) {
			return Field(f), true
		}
	}
	return 0, false
}

// get is the normalised field as one value.
func get(f Field, lines []string) string {
	if f == Baggage {
		vs, d := NormalizeBaggage(lines)
		record(Baggage, d)
		if len(vs) == 1 {
			return vs[0]
		}
		return strings.Join(vs, ",")
	}
	v, d := normalizeSingle(f, lines)
	record(f, d)
	return v
}

// values is the normalised field as lines.
func values(f Field, lines []string) []string {
	if f == Baggage {
		vs, d := NormalizeBaggage(lines)
		record(Baggage, d)
		return vs
	}
	v, d := normalizeSingle(f, lines)
	record(f, d)
	switch {
	case v == "":
		return nil
	case len(lines) == 1 && lines[0] == v:
		return lines
	}
	return []string{v}
}

func normalizeSingle(f Field, lines []string) (string, Drop) {
	if f == TraceParent {
		return NormalizeTraceParent(lines)
	}
	return NormalizeTraceState(lines)
}

// HeaderCarrier is propagation.HeaderCarrier with the W3C fields
// normalised. It is a map, like http.Header, so it costs no allocation to
// pass as a propagation.TextMapCarrier, and it reads the fields under their
// canonical names without the allocation http.Header.Get spends on
// canonicalising a lower-case name.
type HeaderCarrier http.Header

// Get returns the normalised W3C field, or the first value of any other
// field.
func (h HeaderCarrier) Get(key string) string {
	if f, ok := fieldOf(key); ok {
		return get(f, h[canonicalNames[f]])
	}
	return http.Header(h).Get(key)
}

// Values returns the normalised W3C field, or every value of any other
// field.
func (h HeaderCarrier) Values(key string) []string {
	if f, ok := fieldOf(key); ok {
		return values(f, h[canonicalNames[f]])
	}
	return http.Header(h).Values(key)
}

// Set sets the header key to value.
func (h HeaderCarrier) Set(key, value string) { http.Header(h).Set(key, value) }

// Keys lists the header names.
func (h HeaderCarrier) Keys() []string { return propagation.HeaderCarrier(h).Keys() }

// carrier is any other carrier with the W3C fields normalised.
type carrier struct{ c propagation.TextMapCarrier }

// Carrier is what Propagator's Extract hands the propagator it wraps for a
// carrier other than an http.Header: that carrier with the W3C fields
// normalised. A transport that keeps state per request (grpcmw) can hold a
// Carrier there, Wrap its carrier in it and pass its address to Extract,
// which takes a *Carrier as it is, so that no wrapper is allocated per
// request.
type Carrier struct{ carrier }

var (
	_ propagation.TextMapCarrier = (*Carrier)(nil)
	_ propagation.ValuesGetter   = (*Carrier)(nil)
)

// Wrap makes w the normalising carrier of c.
func (w *Carrier) Wrap(c propagation.TextMapCarrier) { w.c = c }

func (w *carrier) lines(f Field) []string {
	if vg, ok := w.c.(propagation.ValuesGetter); ok {
		return vg.Values(fieldNames[f])
	}
	if v := w.c.Get(fieldNames[f]); v != "" {
		return []string{v}
	}
	return nil
}

func (w *carrier) Get(key string) string {
	if f, ok := fieldOf(key); ok {
		return get(f, w.lines(f))
	}
	return w.c.Get(key)
}

func (w *carrier) Values(key string) []string {
	if f, ok := fieldOf(key); ok {
		return values(f, w.lines(f))
	}
	if vg, ok := w.c.(propagation.ValuesGetter); ok {
		return vg.Values(key)
	}
	if v := w.c.Get(key); v != "" {
		return []string{v}
	}
	return nil
}

func (w *carrier) Set(key, value string) { w.c.Set(key, value) }
func (w *carrier) Keys() []string        { return w.c.Keys() }

// MapCarrier is a map of field names to values, such as a queue message's
// headers, whose names are matched without regard to case: the exact name
// first, then every other spelling of it, in sorted order, as further lines
// of the field. Set replaces every spelling, so that a field written into
// headers that carried it already (a message passed on) is read as the
// one value written.
type MapCarrier map[string]string

// Get returns the first value of key.
func (m MapCarrier) Get(key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	if vs := m.Values(key); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Values returns every value of key, under any spelling.
func (m MapCarrier) Values(key string) []string {
	var names []string
	for k := range m {
		if k != key && strings.EqualFold(k, key) {
			names = append(names, k)
		}
	}
	v, exact := m[key]
	if len(names) == 0 {
		if exact {
			return []string{v}
		}
		return nil
	}
	slices.Sort(names)
	out := make([]string, 0, len(names)+1)
	if exact {
		out = append(out, v)
	}
	for _, k := range names {
		out = append(out, m[k])
	}
	return out
}

// Set stores value under key and removes the other spellings of key:
// left in place, they would be further lines of the field, and a
// traceparent of an earlier hop beside the new one makes two that differ,
// which Extract drops.
func (m MapCarrier) Set(key, value string) {
	for k := range m {
		if k != key && strings.EqualFold(k, key) {
			delete(m, k)
		}
	}
	m[key] = value
}

// Keys lists the names.
func (m MapCarrier) Keys() []string { return propagation.MapCarrier(m).Keys() }
