package exportwrap

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// What otelkit's periodic metric reader tells the wrappers of its exporter
// besides the data: the number of each collection, and the collection its
// Shutdown made but will not export.
//
// The reader makes one collection and export at a time. When Shutdown's
// context ends while another export (a ForceFlush's) holds the reader,
// Shutdown still collects what was measured since, or it would be lost
// uncounted; but it must not export it: the SDK calls an exporter's
// Export synchronously, and a program's exporter may not be safe for
// concurrent use. It abandons the collection instead (Abandon), so that
// the export-health wrapper counts it as lost. That wrapper then sees two
// collections at once and their ends in either order; the numbers say
// which is the newer (CollectionOf).

// ErrAbandoned is the error of a collection that Shutdown made after its
// context ended and did not export (Abandon).
var ErrAbandoned = errors.New("otelkit: metric collection not exported: Shutdown's context ended while another export held the reader")

// Abandoner is a metric exporter that wants to know of a collection that
// will not be exported. Each metric wrapper of this package is one: it
// runs its Around with a context marked Abandoned and, in place of the
// export, passes the collection on to the exporter it wraps. Abandon may
// run while an Export is in progress; an Around must allow that.
type Abandoner interface {
	Abandon(ctx context.Context, rm *metricdata.ResourceMetrics) error
}

// Abandon tells exp that rm will not be exported, if exp is an Abandoner,
// and returns ErrAbandoned (as the Arounds on the way left it): no
// exporter exports rm.
func Abandon(ctx context.Context, exp any, rm *metricdata.ResourceMetrics) error {
	if a, ok := exp.(Abandoner); ok {
		return a.Abandon(ctx, rm)
	}
	return ErrAbandoned
}

// Abandon runs e's Around over rm, which will not be exported, and passes
// it on to the exporter e wraps (Abandon).
func (e metricExporter) Abandon(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return e.around(context.WithValue(ctx, abandonedKey{}, true), rm, func(ctx context.Context, rm *metricdata.ResourceMetrics) error {
		return Abandon(ctx, e.Exporter, rm)
	})
}

var _ Abandoner = metricExporter{}

type abandonedKey struct{}

// Abandoned reports whether ctx is an abandoned collection's (Abandon):
// an Around that would cut the export into parts passes it on whole.
func Abandoned(ctx context.Context) bool {
	v, _ := ctx.Value(abandonedKey{}).(bool)
	return v
}

type collectionKey struct{}

// WithCollection returns ctx carrying n, the number of the collection
// exported or abandoned with it: the reader numbers its collections 1, 2,
// … in the order it makes them.
func WithCollection(ctx context.Context, n uint64) context.Context {
	return context.WithValue(ctx, collectionKey{}, n)
}

// CollectionOf returns the number of the collection ctx carries, 0 for
// none (spans, log records): a higher number is a newer collection.
func CollectionOf(ctx context.Context) uint64 {
	n, _ := ctx.Value(collectionKey{}).(uint64)
	return n
}
