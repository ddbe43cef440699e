package otel

import (
	"slices"
	"sync"

	"go.uber.org/zap"
)

// cardinalityOverflow is what otel makes of metrics.WithOverflowHandler:
// the instruments whose data reached their cardinality limit, listed in
// the health document (metric_cardinality_overflow), and a
// metric_cardinality_limit_reached warning line for each. metrics reports
// each instrument once, at most 1000.
type cardinalityOverflow struct {
	mu    sync.Mutex
	names []string
	limit int
	log   *zap.Logger // nil until start
}

// add notes instrument; it is written at once, or at start.
func (o *cardinalityOverflow) add(instrument string, limit int) {
	o.mu.Lock()
	o.names, o.limit = append(o.names, instrument), limit
	log := o.log
	o.mu.Unlock()
	if log != nil {
		writeOverflow(log, instrument, limit)
	}
}

// start gives the lines their logger; instruments noted before are
// written now.
func (o *cardinalityOverflow) start(l *zap.Logger) {
	o.mu.Lock()
	o.log = l
	before, limit := slices.Clone(o.names), o.limit
	o.mu.Unlock()
	for _, name := range before {
		writeOverflow(l, name, limit)
	}
}

// instruments returns the instruments noted, sorted.
func (o *cardinalityOverflow) instruments() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	names := slices.Clone(o.names)
	slices.Sort(names)
	return names
}

func writeOverflow(l *zap.Logger, instrument string, limit int) {
	l.Warn("metric_cardinality_limit_reached", zap.String("instrument", instrument), zap.Int("limit", limit),
		zap.String("detail", "the instrument reached the limit of series it keeps (the overflow series counts: limit-1 attribute sets are kept): the measurements of further sets are "+
			"aggregated into one series with otel.metric.overflow=true, so totals stay right but their attributes are lost; "+
			"drop a high-cardinality attribute with a view (metrics.WithView) or raise the limit (metrics.WithCardinalityLimit)"))
}
