package declconf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelkit/otelkit/internal/otlpconf"
)

// metrics records the meter provider: one exporter of each kind (otlp,
// console, prometheus), as otelkit builds them, with one export interval,
// timeout and temporality for all.
func (b *builder) metrics(mp *otelconf.MeterProvider) {
	s := metricsSignal
	if mp == nil {
		b.set(s.exporter, otlpconf.ExporterNone, s.section)
		return
	}
	var exporters []string
	for i, r := range mp.Readers {
		path := fmt.Sprintf("%s.readers[%d]", s.section, i)
		var name string
		switch {
		case r.Periodic != nil:
			name = b.periodic(path+".periodic", r.Periodic)
		case r.Pull != nil:
			name = b.pull(path+".pull", r.Pull)
		default:
			b.fail(path, "no reader otelkit builds", "periodic or pull")
		}
		if name != "" && slices.Contains(exporters, name) {
			b.fail(path, "a second "+name+" exporter: otelkit builds one of each", "one reader per exporter")
		}
		exporters = append(exporters, name)
	}
	exporters = slices.DeleteFunc(exporters, func(n string) bool { return n == "" })
	value := otlpconf.ExporterNone
	if len(exporters) > 0 {
		value = strings.Join(exporters, ",")
	}
	b.set(s.exporter, value, s.section+".readers")
	if mp.ExemplarFilter != nil {
		b.set("OTEL_METRICS_EXEMPLAR_FILTER", string(*mp.ExemplarFilter), s.section+".exemplar_filter")
	}
	for i, v := range mp.Views {
		if view := b.view(fmt.Sprintf("%s.views[%d]", s.section, i), v); view != nil {
			b.f.Views = append(b.f.Views, view)
		}
	}
}

// periodic records a periodic reader and returns its exporter's name.
func (b *builder) periodic(path string, r *otelconf.PeriodicMetricReader) string {
	if r.Interval != nil {
		b.setShared("OTEL_METRIC_EXPORT_INTERVAL", strconv.Itoa(*r.Interval), path+".interval")
	}
	if r.Timeout != nil {
		b.setShared("OTEL_METRIC_EXPORT_TIMEOUT", strconv.Itoa(*r.Timeout), path+".timeout")
	}
	b.cardinality(path+".cardinality_limits", r.CardinalityLimits)
	if len(r.Producers) > 0 {
		b.p.warn(path+".producers", b.p.index[path+".producers"].line(), "metric producers are not supported by otelkit and are ignored")
	}
	e, ep := r.Exporter, path+".exporter"
	switch n := count(e.Console != nil, e.OTLPHttp != nil, e.OTLPGrpc != nil); {
	case n == 0:
		b.fail(ep, errNoExporter.Error(), exportersAllowed)
	case n > 1:
		b.fail(ep, "several exporters in one reader", exportersAllowed)
	case e.Console != nil:
		if c := e.Console; c.TemporalityPreference != nil {
			b.setShared(metricsSignal.otlp+"TEMPORALITY_PREFERENCE", strings.ReplaceAll(string(*c.TemporalityPreference), "_", ""),
				ep+".console.temporality_preference")
		}
		if c := e.Console; c.DefaultHistogramAggregation != nil {
			b.setShared(metricsSignal.otlp+"DEFAULT_HISTOGRAM_AGGREGATION", string(*c.DefaultHistogramAggregation),
				ep+".console.default_histogram_aggregation")
		}
		return otlpconf.ExporterConsole
	case e.OTLPHttp != nil:
		b.otlp(metricsSignal, ep+".otlp_http", metricHTTPFields(e.OTLPHttp))
		return otlpconf.ExporterOTLP
	default:
		b.otlp(metricsSignal, ep+".otlp_grpc", metricGRPCFields(e.OTLPGrpc))
		return otlpconf.ExporterOTLP
	}
	return ""
}

func metricHTTPFields(e *otelconf.OTLPHttpMetricExporter) otlpFields {
	f := otlpFields{protocol: otlpconf.ProtocolHTTPProtobuf, endpoint: e.Endpoint, compression: e.Compression,
		headers: e.HeadersList, timeout: e.Timeout, headerPairs: e.Headers, badEncoding: badEncoding(e.Encoding)}
	if e.Encoding != nil && *e.Encoding == otelconf.OTLPHttpEncodingJson {
		f.protocol, f.protocolKey = otlpconf.ProtocolHTTPJSON, "encoding" // otlpconf refuses it for metrics
	}
	if t := e.Tls; t != nil {
		f.ca, f.cert, f.key = t.CaFile, t.CertFile, t.KeyFile
	}
	f.temporality, f.histogram = (*string)(e.TemporalityPreference), (*string)(e.DefaultHistogramAggregation)
	return f
}

func metricGRPCFields(e *otelconf.OTLPGrpcMetricExporter) otlpFields {
	f := otlpFields{protocol: otlpconf.ProtocolGRPC, endpoint: e.Endpoint, compression: e.Compression,
		headers: e.HeadersList, timeout: e.Timeout, headerPairs: e.Headers}
	if t := e.Tls; t != nil {
		f.ca, f.cert, f.key, f.insecure = t.CaFile, t.CertFile, t.KeyFile, t.Insecure
	}
	f.temporality, f.histogram = (*string)(e.TemporalityPreference), (*string)(e.DefaultHistogramAggregation)
	return f
}

// cardinality records a reader's default cardinality limit (otelkit has
// one for the provider); the per-kind limits are not supported.
func (b *builder) cardinality(path string, l *otelconf.CardinalityLimits) {
	if l == nil {
		return
	}
	if l.Default != nil {
		if old := b.f.CardinalityLimit; old != nil && *old != *l.Default {
			b.fail(path+".default", "differs from another reader's: otelkit uses one limit for all readers", "the same default in every reader")
		}
		b.f.CardinalityLimit = l.Default
	}
	if l.Counter != nil || l.Gauge != nil || l.Histogram != nil || l.ObservableCounter != nil ||
		l.ObservableGauge != nil || l.ObservableUpDownCounter != nil || l.UpDownCounter != nil {
		b.p.warn(path, b.p.index[path].line(), "limits per instrument kind are not supported by otelkit and are ignored; default applies to all")
	}
}

// prometheusExporter is the schema's prometheus/development pull exporter
// (otelconf v0.27 does not model it).
type prometheusExporter struct {
	Host                       *string `yaml:"host"`
	Port                       *int    `yaml:"port"`
	WithoutScopeInfo           *bool   `yaml:"without_scope_info"`
	WithoutUnits               *bool   `yaml:"without_units"`
	WithoutTypeSuffix          *bool   `yaml:"without_type_suffix"`
	WithResourceConstantLabels any     `yaml:"with_resource_constant_labels"`
	TranslationStrategy        *string `yaml:"translation_strategy"`
}

const prometheusKey = "prometheus/development"

// pull records the Prometheus pull exporter and returns its name.
func (b *builder) pull(path string, r *otelconf.PullMetricReader) string {
	b.cardinality(path+".cardinality_limits", r.CardinalityLimits)
	ep := path + ".exporter." + prometheusKey
	e, ok := b.p.index[ep]
	if !ok {
		b.fail(path+".exporter", errNoExporter.Error(), prometheusKey)
		return ""
	}
	var pe prometheusExporter
	if err := e.value.Decode(&pe); err != nil {
		b.fail(ep, hideValues(cleanMessage(err), e.value), "host (a string) and port (an integer)")
		return ""
	}
	if pe.Host != nil {
		b.set("OTEL_EXPORTER_PROMETHEUS_HOST", *pe.Host, ep+".host")
	}
	b.setInt("OTEL_EXPORTER_PROMETHEUS_PORT", pe.Port, ep+".port")
	if pe.WithoutScopeInfo != nil || pe.WithoutUnits != nil || pe.WithoutTypeSuffix != nil ||
		pe.WithResourceConstantLabels != nil || pe.TranslationStrategy != nil {
		b.p.warn(ep, e.line(), "only host and port are supported by otelkit; the other settings are ignored")
	}
	return otlpconf.ExporterPrometheus
}

var instrumentKinds = map[otelconf.InstrumentType]sdkmetric.InstrumentKind{
	"counter":                    sdkmetric.InstrumentKindCounter,
	"gauge":                      sdkmetric.InstrumentKindGauge,
	"histogram":                  sdkmetric.InstrumentKindHistogram,
	"observable_counter":         sdkmetric.InstrumentKindObservableCounter,
	"observable_gauge":           sdkmetric.InstrumentKindObservableGauge,
	"observable_up_down_counter": sdkmetric.InstrumentKindObservableUpDownCounter,
	"up_down_counter":            sdkmetric.InstrumentKindUpDownCounter,
}

// view translates a view. A selector that matches everything, or a
// stream name for a wildcard selector, is an error (the SDK would only
// log it and drop the view).
func (b *builder) view(path string, v otelconf.View) sdkmetric.View {
	sel, crit := v.Selector, sdkmetric.Instrument{}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&crit.Name, sel.InstrumentName)
	set(&crit.Unit, sel.Unit)
	set(&crit.Scope.Name, sel.MeterName)
	set(&crit.Scope.Version, sel.MeterVersion)
	set(&crit.Scope.SchemaURL, sel.MeterSchemaUrl)
	if sel.InstrumentType != nil {
		crit.Kind = instrumentKinds[*sel.InstrumentType]
	}
	if crit.IsEmpty() {
		b.fail(path+".selector", "matches every instrument", "at least one of instrument_name, instrument_type, unit, meter_name, meter_version, meter_schema_url")
		return nil
	}
	st, stream := v.Stream, sdkmetric.Stream{}
	set(&stream.Name, st.Name)
	set(&stream.Description, st.Description)
	if stream.Name != "" && strings.ContainsAny(crit.Name, "*?") {
		b.fail(path+".stream.name", "a name for a selector with a wildcard would give several instruments one name", "a selector without * or ?")
		return nil
	}
	if k := st.AttributeKeys; k != nil {
		stream.AttributeFilter = keysFilter(k.Included, k.Excluded)
	}
	stream.Aggregation = b.aggregation(path+".stream.aggregation", st.Aggregation)
	if st.AggregationCardinalityLimit != nil {
		b.p.warn(path+".stream.aggregation_cardinality_limit", b.p.index[path+".stream.aggregation_cardinality_limit"].line(),
			"is not supported by the Go SDK and is ignored")
	}
	return sdkmetric.NewView(crit, stream)
}

// keysFilter keeps the keys in included (all when it is empty) that are
// not in excluded.
func keysFilter(included, excluded []string) attribute.Filter {
	return func(kv attribute.KeyValue) bool {
		k := string(kv.Key)
		return (len(included) == 0 || slices.Contains(included, k)) && !slices.Contains(excluded, k)
	}
}

// aggregation translates a view's aggregation; nil keeps the default.
func (b *builder) aggregation(path string, a *otelconf.Aggregation) sdkmetric.Aggregation {
	if a == nil {
		return nil
	}
	has := func(key string) bool { _, ok := b.p.index[path+"."+key]; return ok }
	switch {
	case a.ExplicitBucketHistogram != nil:
		h := a.ExplicitBucketHistogram
		if !slices.IsSorted(h.Boundaries) || len(slices.Compact(slices.Clone(h.Boundaries))) != len(h.Boundaries) {
			b.fail(path+".explicit_bucket_histogram.boundaries", "not strictly increasing", "strictly increasing numbers")
		}
		return sdkmetric.AggregationExplicitBucketHistogram{Boundaries: h.Boundaries, NoMinMax: h.RecordMinMax != nil && !*h.RecordMinMax}
	case a.Base2ExponentialBucketHistogram != nil:
		return b.base2(path+".base2_exponential_bucket_histogram", a.Base2ExponentialBucketHistogram)
	case has("drop"):
		return sdkmetric.AggregationDrop{}
	case has("sum"):
		return sdkmetric.AggregationSum{}
	case has("last_value"):
		return sdkmetric.AggregationLastValue{}
	}
	return nil
}

func (b *builder) base2(path string, h *otelconf.Base2ExponentialBucketHistogramAggregation) sdkmetric.Aggregation {
	agg := sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20, NoMinMax: h.RecordMinMax != nil && !*h.RecordMinMax}
	if h.MaxSize != nil {
		agg.MaxSize = int32(min(max(*h.MaxSize, -1), 1<<30))
		if *h.MaxSize < 2 {
			b.failValue(path+".max_size", "an integer >= 2")
		}
	}
	if h.MaxScale != nil {
		agg.MaxScale = int32(min(max(*h.MaxScale, -100), 100))
		if *h.MaxScale < -10 || *h.MaxScale > 20 {
			b.failValue(path+".max_scale", "an integer from -10 to 20")
		}
	}
	return agg
}
