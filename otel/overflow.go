package otel

import (
	"cmp"
	"slices"
	"sync"

	"go.uber.org/zap"
)

// OverflowedInstrument is an instrument whose data reached the
// cardinality limit: Health.MetricOverflow.
type OverflowedInstrument struct {
	Scope      string `json:"scope"`
	Instrument string `json:"instrument"`
}

// cardinalityOverflow is what otel makes of metrics.WithOverflowHandler:
// the instruments whose data reached their cardinality limit, listed in
// the health document (metric_cardinality_overflow), and a
// metric_cardinality_limit_reached warning line for each. metrics reports
// each instrument once, at most 1000.
type cardinalityOverflow struct {
	mu    sync.Mutex
	seen  []OverflowedInstrument
	limit int
	log   *zap.Logger // nil until start
}

// add notes an instrument; it is written at once, or at start.
func (o *cardinalityOverflow) add(scope, instrument string, limit int) {
	i := OverflowedInstrument{Scope: scope, Instrument: instrument}
	o.mu.Lock()
	o.seen, o.limit = append(o.seen, i), limit
	log := o.log
	o.mu.Unlock()
	if log != nil {
		writeOverflow(log, i, limit)
	}
}

// start gives the lines their logger; instruments noted before are
// written now.
func (o *cardinalityOverflow) start(l *zap.Logger) {
	o.mu.Lock()
	o.log = l
	before, limit := slices.Clone(o.seen), o.limit
	o.mu.Unlock()
	for _, i := range before {
		writeOverflow(l, i, limit)
	}
}

// instruments returns the instruments noted, sorted.
func (o *cardinalityOverflow) instruments() []OverflowedInstrument {
	o.mu.Lock()
	defer o.mu.Unlock()
	seen := slices.Clone(o.seen)
	slices.SortFunc(seen, func(a, b OverflowedInstrument) int {
		return cmp.Or(cmp.Compare(a.Instrument, b.Instrument), cmp.Compare(a.Scope, b.Scope))
	})
	return seen
}

func writeOverflow(l *zap.Logger, i OverflowedInstrument, limit int) {
	l.Warn("metric_cardinality_limit_reached", zap.String("instrument", i.Instrument), zap.String("scope", i.Scope), zap.Int("limit", limit),
		zap.String("detail", "the instrument reached the limit of series it keeps (the overflow series counts: limit-1 attribute sets are kept): the measurements of further sets are "+
			"aggregated into one series with otel.metric.overflow=true, so totals stay right but their attributes are lost; "+
			"drop a high-cardinality attribute with a view (metrics.WithView) or raise the limit (metrics.WithCardinalityLimit)"))
}
