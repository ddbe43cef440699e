package logging

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// BenchmarkOTLPValueStruct shows what the bridge's cycle guard for
// structs (fmtEnds) costs: a struct logged with zap.Any, converted
// (impl=bridge) and its %+v text alone, what the bridge did without the
// guard (impl=fmt). A flat struct holds no map, slice or interface and is
// not walked; the nested one is.
func BenchmarkOTLPValueStruct(b *testing.B) {
	values := map[string]any{
		"flat":   point{1, 2},
		"nested": holder{M: map[string]any{"k": []any{1, point{5, 6}}, "j": "v"}, D: time.Second, E: errors.New("e"), A: [1]any{"x"}},
	}
	for _, name := range []string{"flat", "nested"} {
		v := values[name]
		b.Run(name+"/impl=bridge", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = otlpValue(v)
			}
		})
		b.Run(name+"/impl=fmt", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = fmt.Sprintf("%+v", v)
			}
		})
	}
}

// BenchmarkOTLPValueGuard is the guard alone on the flat struct of
// BenchmarkOTLPValueStruct: what it adds to the %+v text. The type's
// facts (mayNest, printsItself) are cached, so this is a cache hit.
func BenchmarkOTLPValueGuard(b *testing.B) {
	v := reflect.ValueOf(point{1, 2})
	b.ReportAllocs()
	for b.Loop() {
		w := valueWalk{left: maxValueNodes}
		_ = w.fmtEnds(v, maxValueDepth)
	}
}
