package otel

import "github.com/otelkit/otelkit/internal/scrub"

// headerCarrier is implemented by the OTLP options of the tracing and
// metrics packages (otlpconf.Setting), of which WithHeaders' return their
// map (the others nil), so that headers given through WithTracingOptions
// and WithMetricsOptions are scrubbed too.
type headerCarrier interface{ OTLPHeaders() map[string]string }

// configuredHeaders returns every header map set in code: WithOTLPHeaders
// and the WithHeaders options passed through to tracing and metrics.
func (c config) configuredHeaders() []map[string]string {
	maps := []map[string]string{c.otlp.Headers}
	for _, o := range c.tracingExtra {
		if h, ok := o.(headerCarrier); ok {
			maps = append(maps, h.OTLPHeaders())
		}
	}
	for _, o := range c.metricsExtra {
		if h, ok := o.(headerCarrier); ok {
			maps = append(maps, h.OTLPHeaders())
		}
	}
	return maps
}

// useScrubber makes every output of the health state scrub with s.
func (hs *healthState) useScrubber(s *scrub.Scrubber) {
	hs.traces.scrub, hs.metrics.scrub, hs.logs.scrub = s, s, s
}
