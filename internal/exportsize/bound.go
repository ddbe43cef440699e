package exportsize

import (
	"context"
	"errors"

	"github.com/otelkit/otelkit/internal/otlpconf"
)

// TooLarge is the drop reason of an item too large for an OTLP export on
// its own (see Limit); otel's DropTooLarge.
const TooLarge = "too_large"

// Limit returns the estimated size in bytes of the items one export of
// the exporter r describes may carry, 0 for no bound (not OTLP). A
// collector's OTLP receiver refuses a gRPC message over 4 MiB and an HTTP
// body over 20 MiB by default, and refuses the whole export, every item
// in it. Each bound leaves 1 MiB or more for the resource, the scopes and
// what the estimates miss.
//
// The estimates count protobuf. OTLP/JSON (traces only) writes the same
// items in at most jsonGrowth times as many bytes: hex IDs, field names
// and decimal numbers in place of the framing the estimates count (a
// float64 slice about 3.4 times), and text escaped by encoding/json:
// quotes, backslashes and line breaks in two bytes, and "<", ">", "&"
// and other control characters in six (\u003c), so that a database
// statement of comparisons takes six times its bytes.
func Limit(r otlpconf.Resolved) int {
	if r.Exporter != otlpconf.ExporterOTLP {
		return 0
	}
	switch r.Protocol {
	case otlpconf.ProtocolGRPC:
		return 3 << 20
	case otlpconf.ProtocolHTTPProtobuf:
		return 16 << 20
	case otlpconf.ProtocolHTTPJSON:
		return 16 << 20 / jsonGrowth
	}
	return 0
}

// jsonGrowth bounds how many times larger OTLP/JSON writes what the
// estimates count as protobuf (see Limit).
const jsonGrowth = 6

// Bound splits exports of items of type T into parts under Limit bytes,
// as Size estimates them. Its Around is an exportwrap.Around: put it
// outside the export-health wrapper, which then counts each part as an
// export.
type Bound[T any] struct {
	// Limit is the most bytes one export may carry (Limit's).
	Limit int
	// Size estimates from above the bytes an item adds to an export.
	Size func(*T) int
	// Drop receives each item over Limit on its own, as TooLarge.
	Drop func(reason string, n int)
}

// Around exports items in as few exports under the limit as their order
// allows and returns the errors of all of them, joined: a part that fails
// does not stop the next. An item over the limit on its own is reported
// to Drop and not exported; its neighbours are. A batch under the limit
// is one export of the same slice. When it cuts a batch, the context of
// each part tells its place (PartOf): each part is exported once the next
// is cut, so that the last knows it is the last.
func (b Bound[T]) Around(ctx context.Context, items []T, export func(context.Context, []T) error) error {
	var (
		errs  []error
		held  []T // cut, not yet exported
		first = true
	)
	flush := func(last bool) {
		if err := export(partContext(ctx, first, last), held); err != nil {
			errs = append(errs, err)
		}
		held, first = nil, false
	}
	cut := func(p []T) {
		if held != nil {
			flush(false)
		}
		held = p
	}
	start, size := 0, 0
	for i := range items {
		n := b.Size(&items[i])
		if n > b.Limit || size+n > b.Limit {
			if i > start {
				cut(items[start:i])
			}
			start, size = i, 0
		}
		if n > b.Limit {
			b.Drop(TooLarge, 1)
			start = i + 1
			continue
		}
		size += n
	}
	if start < len(items) {
		cut(items[start:])
	}
	if held != nil {
		flush(true)
	}
	return errors.Join(errs...)
}

// Part is the place of one export among the parts Bound cut a batch into.
// The export-health wrapper needs it for cumulative metric data points:
// those a failed part leaves for the next export to send again add up
// over the parts of one batch, and the last part tells the total.
type Part struct{ First, Last bool }

type partKey struct{}

// partContext returns ctx marked with the part's place; a whole batch
// (first and last) is left unmarked, so the common export costs nothing.
func partContext(ctx context.Context, first, last bool) context.Context {
	if first && last {
		return ctx
	}
	return context.WithValue(ctx, partKey{}, Part{First: first, Last: last})
}

// PartOf returns the place of the export ctx was given to: an export of a
// whole batch, not cut by Bound, is its first and last part.
func PartOf(ctx context.Context) Part {
	if p, ok := ctx.Value(partKey{}).(Part); ok {
		return p
	}
	return Part{First: true, Last: true}
}
