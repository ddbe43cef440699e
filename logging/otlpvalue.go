package logging

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// maxValueDepth bounds how deep otlpValue follows slices, maps and
// pointers; a deeper value becomes maxDepthNote (otelzap's bound and note).
//
// maxValueNodes bounds the work of one value: the nodes (values) the
// conversion and fmt's %+v of its structs visit, all told. A value that
// shares sub-structures (30 pointers to one node, each holding 30 pointers
// to the next, 6 levels) is small in memory but has 30^6 nodes to visit;
// past the budget, the node where it ran out becomes maxNodesNote and the
// rest of each slice and map around it is left out (a struct is the note
// whole: its text is fmt's, all or nothing).
const (
	maxValueDepth = 100
	maxDepthNote  = "<max-depth-exceeded>"
	maxValueNodes = 10_000
	maxNodesNote  = "<max-nodes-exceeded>"
)

// otlpValue converts a value logged with zap.Any (zap.Reflect) as the
// otelzap bridge does: Go's scalar types, time.Duration (nanoseconds),
// time.Time (Unix nanoseconds), []byte, errors (their message) and
// attribute.Value directly; then by reflection a struct as its %+v text,
// slices, arrays and maps element by element, a pointer as what it points
// to (nil: an empty value), anything else as an "unhandled" note.
func otlpValue(v any) attribute.Value {
	if sv, ok := scalarValue(v); ok {
		return sv
	}
	if v == nil {
		return attribute.Value{}
	}
	w := valueWalk{left: maxValueNodes}
	r, ok := w.value(reflect.ValueOf(v), maxValueDepth)
	if !ok {
		return attribute.StringValue(maxDepthNote)
	}
	return r
}

// scalarValue converts the types otlpValue takes without reflection.
func scalarValue(v any) (attribute.Value, bool) {
	switch x := v.(type) {
	case bool:
		return attribute.BoolValue(x), true
	case string:
		return attribute.StringValue(x), true
	case int:
		return attribute.Int64Value(int64(x)), true
	case int8:
		return attribute.Int64Value(int64(x)), true
	case int16:
		return attribute.Int64Value(int64(x)), true
	case int32:
		return attribute.Int64Value(int64(x)), true
	case int64:
		return attribute.Int64Value(x), true
	case uint:
		return reflectedUint(uint64(x)), true
	case uint8:
		return attribute.Int64Value(int64(x)), true
	case uint16:
		return attribute.Int64Value(int64(x)), true
	case uint32:
		return attribute.Int64Value(int64(x)), true
	case uint64:
		return reflectedUint(x), true
	case uintptr:
		return reflectedUint(uint64(x)), true
	case float32:
		return attribute.Float64Value(float64(x)), true
	case float64:
		return attribute.Float64Value(x), true
	case time.Duration:
		return attribute.Int64Value(x.Nanoseconds()), true
	case complex64:
		return complexValue(complex128(x)), true
	case complex128:
		return complexValue(x), true
	case time.Time:
		return attribute.Int64Value(x.UnixNano()), true
	case []byte:
		return attribute.ByteSliceValue(x), true
	case error:
		return attribute.StringValue(x.Error()), true
	case attribute.Value:
		return x, true
	}
	return attribute.Value{}, false
}

// valueWalk is one conversion by otlpValue: left counts the nodes it may
// still visit (maxValueNodes), its own and fmt's.
type valueWalk struct{ left int }

// spend takes n nodes from the budget and reports whether it lasted.
func (w *valueWalk) spend(n int) bool {
	w.left -= n
	return w.left >= 0
}

// spent reports whether the budget has run out: the walk adds no more.
func (w *valueWalk) spent() bool { return w.left < 0 }

var nodesNote = attribute.StringValue(maxNodesNote)

// value converts what scalarValue does not, following at most depth
// levels; false when the value is deeper. Past the node budget it is
// maxNodesNote.
func (w *valueWalk) value(val reflect.Value, depth int) (attribute.Value, bool) {
	if val.Kind() == reflect.Interface {
		if val.IsNil() {
			return attribute.Value{}, true
		}
		val = val.Elem()
	}
	if !w.spend(1) {
		return nodesNote, true
	}
	if sv, ok := scalarValue(val.Interface()); ok {
		return sv, true
	}
	switch val.Kind() {
	case reflect.Struct:
		if !w.fmtEnds(val, depth) {
			if w.spent() {
				return nodesNote, true
			}
			return attribute.Value{}, false
		}
		return attribute.StringValue(fmt.Sprintf("%+v", val.Interface())), true
	case reflect.Slice, reflect.Array:
		return w.slice(val, depth)
	case reflect.Map:
		return w.mapValue(val, depth)
	case reflect.Pointer:
		if val.IsNil() {
			return attribute.Value{}, true
		}
		if depth == 0 {
			return attribute.Value{}, false
		}
		return w.value(val.Elem(), depth-1)
	}
	return attribute.StringValue(fmt.Sprintf("unhandled: (%s) %+v", val.Type(), val.Interface())), true
}

// slice converts a slice or array element by element; the element where
// the budget ran out is the last.
func (w *valueWalk) slice(val reflect.Value, depth int) (attribute.Value, bool) {
	if val.Len() == 0 {
		return attribute.SliceValue(), true
	}
	if depth == 0 {
		return attribute.Value{}, false
	}
	items := make([]attribute.Value, 0, val.Len())
	for i := range val.Len() {
		item, ok := w.value(val.Index(i), depth-1)
		if !ok {
			return attribute.Value{}, false
		}
		items = append(items, item)
		if w.spent() {
			break
		}
	}
	return attribute.SliceValue(items...), true
}

// mapValue converts a map entry by entry; the entry where the budget ran
// out is the last (the note its key too when the key's text ran out).
func (w *valueWalk) mapValue(val reflect.Value, depth int) (attribute.Value, bool) {
	if val.Len() == 0 {
		return attribute.MapValue(), true
	}
	if depth == 0 {
		return attribute.Value{}, false
	}
	kvs := make([]attribute.KeyValue, 0, val.Len())
	for it := val.MapRange(); it.Next(); {
		k := it.Key()
		key := ""
		if k.Kind() == reflect.String {
			key = k.String()
		} else {
			kv := k.Interface()
			if !w.fmtEndsTop(reflect.ValueOf(kv), depth-1) {
				if !w.spent() {
					return attribute.Value{}, false
				}
				kvs = append(kvs, attribute.KeyValue{Key: maxNodesNote, Value: nodesNote})
				break
			}
			key = fmt.Sprintf("%+v", kv)
		}
		v, ok := w.value(it.Value(), depth-1)
		if !ok {
			return attribute.Value{}, false
		}
		kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(key), Value: v})
		if w.spent() {
			break
		}
	}
	return attribute.MapValue(kvs...), true
}

// reflectedUint is an unsigned value logged with zap.Any: an int64 when it
// fits, else its decimal text (otelzap's encoder makes a field of
// zap.Uint64 a float64 instead, see uintValue).
func reflectedUint(v uint64) attribute.Value {
	if v > math.MaxInt64 {
		return attribute.StringValue(strconv.FormatUint(v, 10))
	}
	return attribute.Int64Value(int64(v))
}

// fmtEnds reports whether fmt's %+v of v descends at most depth levels,
// counted as value counts them (an interface is no level), and visits no
// more nodes than the walk has left (it spends them; when it reports
// false, spent tells which bound it met).
// fmt follows maps, slices, arrays, structs and interfaces without a bound
// or a check for cycles (a pointer below the top it prints as an address),
// so a struct holding a map that holds itself would overflow the stack, a
// fatal error that no recover catches. fmtEnds follows what fmt follows,
// and stops where fmt would call a value's Format, Error or String
// instead. A type that cannot hold a map, slice or interface ends at once,
// one node; so does a map or slice of such elements, a node each (counted,
// not walked).
func (w *valueWalk) fmtEnds(v reflect.Value, depth int) bool {
	if f := factsOf(v.Type()); f&mayNestFact == 0 || (v.CanInterface() && f&printsItselfFact != 0) {
		return w.spend(1)
	}
	if v.Kind() == reflect.Interface {
		// No level of its own, as in value: what it holds is one
		// (never an interface), so the walk stays bounded.
		return v.IsNil() || w.fmtEnds(v.Elem(), depth)
	}
	if depth == 0 || !w.spend(1) {
		return false
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if !w.fmtEnds(v.Field(i), depth-1) {
				return false
			}
		}
	case reflect.Map:
		if factsOf(v.Type().Elem())&mayNestFact == 0 {
			return w.spend(flatNodes(v.Len())) // keys are comparable: no map or slice, no cycle
		}
		var it reflect.MapIter // on the stack, unlike MapRange's
		for it.Reset(v); it.Next(); {
			if !w.fmtEnds(it.Value(), depth-1) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		if factsOf(v.Type().Elem())&mayNestFact == 0 {
			return w.spend(flatNodes(v.Len()))
		}
		for i := range v.Len() {
			if !w.fmtEnds(v.Index(i), depth-1) {
				return false
			}
		}
	}
	return true
}

// flatElems is how many elements of a flat slice, array or map (of
// values that hold no map, slice or interface) count as one node: fmt
// prints them in one linear pass, so they cost far less than a node whose
// walk may branch, and a struct holding a []byte of 20 KB must not become
// maxNodesNote whole. They still count, so that a flat slice shared many
// times over is bounded.
const flatElems = 64

// flatNodes is the nodes n flat elements count for.
func flatNodes(n int) int { return (n + flatElems - 1) / flatElems }

// fmtEndsTop is fmtEnds for a value fmt prints at the top, where it
// follows a pointer to an array, slice, struct or map (a map key may be
// such a pointer).
func (w *valueWalk) fmtEndsTop(v reflect.Value, depth int) bool {
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() || factsOf(v.Type())&printsItselfFact != 0 {
		return !v.IsValid() || w.fmtEnds(v, depth)
	}
	switch v.Elem().Kind() {
	case reflect.Array, reflect.Slice, reflect.Struct, reflect.Map:
		return depth > 0 && w.fmtEnds(v.Elem(), depth-1)
	}
	return true
}

// typeFacts is what fmtEnds asks of a type (mayNest, printsItself),
// answered once per type: reflection over a type's fields and method sets
// cost a flat struct about as much again as its %+v text, on every line.
type typeFacts uint8

const (
	mayNestFact typeFacts = 1 << iota
	printsItselfFact
)

// typeFactsCache maps a reflect.Type to its typeFacts. It is keyed by
// types only, which are finite in a program, so it needs no bound; a
// sync.Map, as it is read far more than written (encoding/json caches its
// encoders per type the same way).
var typeFactsCache sync.Map

// factsOf returns t's typeFacts, from the cache when t was seen before.
func factsOf(t reflect.Type) typeFacts {
	if f, ok := typeFactsCache.Load(t); ok {
		return f.(typeFacts)
	}
	var f typeFacts
	if mayNest(t) {
		f |= mayNestFact
	}
	if printsItself(t) {
		f |= printsItselfFact
	}
	typeFactsCache.Store(t, f)
	return f
}

// mayNest reports whether fmt's %+v of a value of type t may descend
// without a bound known from t: t is, or holds without a pointer between,
// an interface, map or slice.
func mayNest(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface, reflect.Map, reflect.Slice:
		return true
	case reflect.Array:
		return mayNest(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if mayNest(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

var (
	errorType     = reflect.TypeFor[error]()
	stringerType  = reflect.TypeFor[fmt.Stringer]()
	formatterType = reflect.TypeFor[fmt.Formatter]()
)

// printsItself reports whether fmt prints a value of type t with its own
// method (Format, Error or String) rather than by descending into it.
func printsItself(t reflect.Type) bool {
	return t.Implements(formatterType) || t.Implements(errorType) || t.Implements(stringerType)
}
