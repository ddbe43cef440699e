package logging

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
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

// countingLeaf counts how often fmt prints it; past limit the walk that
// prints it is taken as unbounded and the test ends there (Fatalf on the
// test's goroutine, which logs the value), rather than running for the
// minutes 30^6 leaves take.
type countingLeaf struct {
	n     *int
	limit int
	t     *testing.T
}

func (l countingLeaf) String() string {
	if *l.n++; *l.n > l.limit {
		l.t.Fatalf("%d leaves printed: the work is not bounded", *l.n)
	}
	return "leaf"
}

// sharedLevels builds levels of fanout references to one value of the
// level below, leaf at the bottom: small in memory, fanout^levels leaves
// to visit. wrap makes a level's reference to the one below.
func sharedLevels(leaf any, fanout, levels int, wrap func(s []any) any) any {
	v := leaf
	for range levels {
		s := make([]any, fanout)
		for i := range s {
			s[i] = v
		}
		v = wrap(s)
	}
	return v
}

// TestOTLPSharedSubstructuresBounded: a value that shares sub-structures
// (30 references to one value, each holding 30 references to the next, 6
// levels; no cycle) costs the bridge at most maxValueNodes nodes, counted
// by the leaves fmt prints and the size of what comes out; past them is
// the note. Through pointers the bridge's own walk visited 30^6 leaves;
// through slices in a struct, fmtEnds did, and then fmt's %+v printed
// them all, holding the logging goroutine for minutes.
func TestOTLPSharedSubstructuresBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(s []any) any // one level's reference to the level below
		top  func(v any) any
	}{
		{"pointers", func(s []any) any { return &s }, func(v any) any { return v }},
		{"slices in a struct", func(s []any) any { return s }, func(v any) any { return struct{ S any }{v} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			printed := 0
			leaf := countingLeaf{n: &printed, limit: 2 * maxValueNodes, t: t}
			got := otlpValue(tc.top(sharedLevels(leaf, 30, 6, tc.wrap)))
			nodes, notes := countNodes(got)
			t.Logf("%d leaves printed, %d nodes out, %d notes", printed, nodes, notes)
			if nodes > maxValueNodes+1 || notes == 0 {
				t.Errorf("%d nodes out, %d notes: want at most %d and the note", nodes, notes, maxValueNodes+1)
			}
		})
	}
}

// TestOTLPValueWithinBudgetWhole: a value of fewer nodes than the budget
// is converted whole, sharing or not, with no note.
func TestOTLPValueWithinBudgetWhole(t *testing.T) {
	printed := 0
	leaf := countingLeaf{n: &printed, limit: 1 << 20, t: t}
	got := otlpValue(sharedLevels(leaf, 10, 3, func(s []any) any { return s })) // 1000 leaves
	if nodes, notes := countNodes(got); notes != 0 || printed != 1000 || nodes != 1+10+100+1000 {
		t.Errorf("%d nodes, %d notes, %d leaves printed", nodes, notes, printed)
	}
}

// TestOTLPStructWithFlatSliceWhole: a struct holding a flat slice longer
// than the node budget (a 20 KB payload) is written by fmt, not replaced by
// the node note: flat elements count 1/flatElems of a node each.
func TestOTLPStructWithFlatSliceWhole(t *testing.T) {
	type upload struct {
		Name string
		Data []byte
		IDs  map[int]int
	}
	ids := make(map[int]int, 2*maxValueNodes)
	for i := range 2 * maxValueNodes {
		ids[i] = i
	}
	got := otlpValue(upload{Name: "report.pdf", Data: make([]byte, 2*maxValueNodes), IDs: ids})
	if s := got.AsString(); got.Type() != attribute.STRING || !strings.HasPrefix(s, "{Name:report.pdf Data:[0 0 ") {
		t.Errorf("otlpValue = %.80q (%v), want the struct's text", got.String(), got.Type())
	}
}

// countNodes counts the values in v and the node notes among them (a
// note as a map key too).
func countNodes(v attribute.Value) (nodes, notes int) {
	nodes = 1
	switch v.Type() {
	case attribute.STRING:
		if v.AsString() == maxNodesNote {
			notes++
		}
	case attribute.SLICE:
		for _, e := range v.AsSlice() {
			n, k := countNodes(e)
			nodes, notes = nodes+n, notes+k
		}
	case attribute.MAP:
		for _, kv := range v.AsMap() {
			n, k := countNodes(kv.Value)
			nodes, notes = nodes+n, notes+k
		}
	}
	return nodes, notes
}
