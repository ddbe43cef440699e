package logging

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// maxValueDepth bounds how deep otlpValue follows slices, maps and
// pointers; a deeper value becomes maxDepthNote (otelzap's bound and note).
const (
	maxValueDepth = 100
	maxDepthNote  = "<max-depth-exceeded>"
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
	r, ok := reflectValue(reflect.ValueOf(v), maxValueDepth)
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

// reflectValue converts what scalarValue does not, following at most
// depth levels; false when the value is deeper.
func reflectValue(val reflect.Value, depth int) (attribute.Value, bool) {
	if val.Kind() == reflect.Interface {
		if val.IsNil() {
			return attribute.Value{}, true
		}
		val = val.Elem()
	}
	if sv, ok := scalarValue(val.Interface()); ok {
		return sv, true
	}
	switch val.Kind() {
	case reflect.Struct:
		return attribute.StringValue(fmt.Sprintf("%+v", val.Interface())), true
	case reflect.Slice, reflect.Array:
		return reflectSlice(val, depth)
	case reflect.Map:
		return reflectMap(val, depth)
	case reflect.Pointer:
		if val.IsNil() {
			return attribute.Value{}, true
		}
		if depth == 0 {
			return attribute.Value{}, false
		}
		return reflectValue(val.Elem(), depth-1)
	}
	return attribute.StringValue(fmt.Sprintf("unhandled: (%s) %+v", val.Type(), val.Interface())), true
}

func reflectSlice(val reflect.Value, depth int) (attribute.Value, bool) {
	if val.Len() == 0 {
		return attribute.SliceValue(), true
	}
	if depth == 0 {
		return attribute.Value{}, false
	}
	items := make([]attribute.Value, 0, val.Len())
	for i := range val.Len() {
		item, ok := reflectValue(val.Index(i), depth-1)
		if !ok {
			return attribute.Value{}, false
		}
		items = append(items, item)
	}
	return attribute.SliceValue(items...), true
}

func reflectMap(val reflect.Value, depth int) (attribute.Value, bool) {
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
			key = fmt.Sprintf("%+v", k.Interface())
		}
		v, ok := reflectValue(it.Value(), depth-1)
		if !ok {
			return attribute.Value{}, false
		}
		kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(key), Value: v})
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
