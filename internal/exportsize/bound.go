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
// the exporter r describes may carry, 0 for no bound (not OTLP, or
// OTLP/JSON). A collector's OTLP receiver refuses a gRPC message over
// 4 MiB and an HTTP body over 20 MiB by default, and refuses the whole
// export, every item in it. Each bound leaves 1 MiB or more for the
// resource, the scopes and what the estimates miss.
func Limit(r otlpconf.Resolved) int {
	if r.Exporter != otlpconf.ExporterOTLP {
		return 0
	}
	switch r.Protocol {
	case otlpconf.ProtocolGRPC:
		return 3 << 20
	case otlpconf.ProtocolHTTPProtobuf:
		return 16 << 20
	}
	return 0
}

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
// is one export of the same slice.
func (b Bound[T]) Around(ctx context.Context, items []T, export func(context.Context, []T) error) error {
	var errs []error
	part := func(p []T) {
		if err := export(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	start, size := 0, 0
	for i := range items {
		n := b.Size(&items[i])
		if n > b.Limit || size+n > b.Limit {
			if i > start {
				part(items[start:i])
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
		part(items[start:])
	}
	return errors.Join(errs...)
}
