package exportwrap

import (
	"context"
	"errors"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// metricMem is a metric exporter that counts its exports.
type metricMem struct {
	sdkmetric.Exporter
	exports int
}

func (m *metricMem) Export(context.Context, *metricdata.ResourceMetrics) error {
	m.exports++
	return nil
}

// TestAbandonRunsAroundsAndExportsNothing: a collection abandoned to a
// chain of metric wrappers runs each one's Around, its context marked
// Abandoned and still carrying the collection's number, and reaches no
// exporter's Export: it stops at the first exporter that is not an
// Abandoner, with ErrAbandoned. An export is not marked.
func TestAbandonRunsAroundsAndExportsNothing(t *testing.T) {
	mem := &metricMem{}
	var seen []string
	note := func(name string) Around[*metricdata.ResourceMetrics] {
		return func(ctx context.Context, rm *metricdata.ResourceMetrics, export func(context.Context, *metricdata.ResourceMetrics) error) error {
			what := name
			if Abandoned(ctx) {
				what += " abandoned"
			}
			if n := CollectionOf(ctx); n != 7 {
				t.Errorf("%s: collection %d, want 7", what, n)
			}
			seen = append(seen, what)
			return export(ctx, rm)
		}
	}
	exp := Metrics(Metrics(mem, note("inner")), note("outer"))
	ctx := WithCollection(context.Background(), 7)
	rm := &metricdata.ResourceMetrics{}

	if err := Abandon(ctx, exp, rm); !errors.Is(err, ErrAbandoned) || mem.exports != 0 {
		t.Errorf("Abandon: %v, %d exports; want ErrAbandoned and none", err, mem.exports)
	}
	if err := exp.Export(ctx, rm); err != nil || mem.exports != 1 {
		t.Errorf("Export: %v, %d exports; want 1", err, mem.exports)
	}
	want := []string{"outer abandoned", "inner abandoned", "outer", "inner"}
	if len(seen) != len(want) {
		t.Fatalf("Arounds ran %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("Arounds ran %v, want %v", seen, want)
			break
		}
	}
	if err := Abandon(ctx, mem, rm); !errors.Is(err, ErrAbandoned) || mem.exports != 1 {
		t.Errorf("Abandon to an exporter that is not a wrapper: %v, %d exports; want ErrAbandoned, no export", err, mem.exports)
	}
	if CollectionOf(context.Background()) != 0 || Abandoned(context.Background()) {
		t.Error("a bare context carries a collection number or is abandoned")
	}
}
