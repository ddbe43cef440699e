package logging

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

// TestTypeFactsCached: the answers fmtEnds asks of a type are computed
// once and then read from the cache, by concurrent lines too, and are
// the answers of mayNest and printsItself.
func TestTypeFactsCached(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[point](), reflect.TypeFor[holder](), reflect.TypeFor[time.Duration](),
		reflect.TypeFor[[2][]int](), reflect.TypeFor[*selfRef](), reflect.TypeFor[struct{ E error }](),
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, typ := range types {
				f := factsOf(typ)
				if (f&mayNestFact != 0) != mayNest(typ) || (f&printsItselfFact != 0) != printsItself(typ) {
					t.Errorf("%v: facts %b, want mayNest %v printsItself %v", typ, f, mayNest(typ), printsItself(typ))
				}
			}
		})
	}
	wg.Wait()
	for _, typ := range types {
		if _, ok := typeFactsCache.Load(typ); !ok {
			t.Errorf("%v: not cached", typ)
		}
	}
}

type selfRef struct{ Next *selfRef }
