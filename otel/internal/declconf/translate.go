package declconf

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/otelconf"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
)

// builder translates the decoded model into a File.
type builder struct {
	p *parser
	f *File
}

func (p *parser) translate(cfg *otelconf.OpenTelemetryConfiguration) *File {
	b := &builder{p: p, f: newFile(p.name)}
	b.f.Disabled = cfg.Disabled != nil && *cfg.Disabled
	b.resource(cfg.Resource)
	b.propagator(cfg.Propagator)
	b.traces(cfg.TracerProvider)
	b.metrics(cfg.MeterProvider)
	b.logs(cfg.LoggerProvider)
	b.attributeLimits(cfg.AttributeLimits)
	b.otelkit()
	if e, ok := p.index["log_level"]; ok {
		p.warn("log_level", e.line(), "is not used: otelkit writes the SDK's errors as otel_sdk_error lines; distribution.otelkit.log.level sets otelkit's logger")
	}
	b.f.secrets = p.secrets
	b.f.reads = p.reads
	b.f.Warnings = p.warnings
	return b.f
}

// loc is where path is in the file.
func (b *builder) loc(path string) Loc {
	return Loc{Key: path, Line: b.p.index[path].line()}
}

// set records the OTEL_* setting name = value, made by the key at path.
func (b *builder) set(name, value, path string) {
	b.f.env[name] = value
	b.f.where[name] = b.loc(path)
}

// setShared is set for a setting otelkit has once per signal although the
// file may give it per reader: a second, different value is an error.
func (b *builder) setShared(name, value, path string) {
	if old, ok := b.f.env[name]; ok && old != value {
		l := b.f.where[name]
		b.fail(path, fmt.Sprintf("differs from %s (line %d): otelkit uses one value for all metric readers", l.Key, l.Line), "the value of "+l.Key)
		return
	}
	b.set(name, value, path)
}

func (b *builder) setInt(name string, v *int, path string) {
	if v != nil {
		b.set(name, strconv.Itoa(*v), path)
	}
}

// fail records an error about the setting at path.
func (b *builder) fail(path, why, allowed string) {
	b.p.errs = append(b.p.errs, b.p.errorAt(nil, path, why, allowed))
}

// failValue records an error about the value of the setting at path,
// which it does not show (no error quotes a value of the file: the key
// and line point to it).
func (b *builder) failValue(path, allowed string) {
	err := b.p.errorAt(nil, path, "", allowed).(*env.Error)
	err.Withheld, err.Err = true, nil
	b.p.errs = append(b.p.errs, err)
}

// failWithheld records an error about a setting whose value is never shown.
func (b *builder) failWithheld(path, why, allowed string) {
	err := b.p.errorAt(nil, path, why, allowed).(*env.Error)
	err.Withheld = true
	b.p.errs = append(b.p.errs, err)
}

// signal names the variables of one signal.
type signal struct {
	section  string // tracer_provider, …
	exporter string // OTEL_TRACES_EXPORTER, …
	otlp     string // OTEL_EXPORTER_OTLP_TRACES_, …
	batch    string // OTEL_BSP_, OTEL_BLRP_
	urlPath  string // /v1/traces, …
}

var (
	tracesSignal  = signal{"tracer_provider", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_TRACES_", "OTEL_BSP_", "/v1/traces"}
	metricsSignal = signal{"meter_provider", "OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_METRICS_", "", "/v1/metrics"}
	logsSignal    = signal{"logger_provider", "OTEL_LOGS_EXPORTER", "OTEL_EXPORTER_OTLP_LOGS_", "OTEL_BLRP_", "/v1/logs"}
)

const exportersAllowed = "one of otlp_http, otlp_grpc, console"

// oneProcessor checks that a provider has at most one processor: otelkit
// puts one exporter behind its own batch processor per signal. With none,
// the signal exports nothing.
func (b *builder) oneProcessor(s signal, n int) (string, bool) {
	switch {
	case n == 0:
		b.set(s.exporter, otlpconf.ExporterNone, s.section+".processors")
		return "", false
	case n > 1:
		b.fail(s.section+".processors[1]", "a second processor: otelkit exports each signal through one batch processor", "one processor")
		return "", false
	}
	return s.section + ".processors[0]", true
}

// batchSettings records a batch processor's settings.
func (b *builder) batchSettings(s signal, path string, delay, timeout, queue, size *int) {
	b.setInt(s.batch+"SCHEDULE_DELAY", delay, path+".schedule_delay")
	b.setInt(s.batch+"EXPORT_TIMEOUT", timeout, path+".export_timeout")
	b.setInt(s.batch+"MAX_QUEUE_SIZE", queue, path+".max_queue_size")
	b.setInt(s.batch+"MAX_EXPORT_BATCH_SIZE", size, path+".max_export_batch_size")
}

// simple warns that a simple processor becomes otelkit's batch processor.
func (b *builder) simple(path string) {
	b.p.warn(path, b.p.index[path].line(), "otelkit exports through its batch processor with default settings "+
		"(a simple processor would export on the request path, one item at a time)")
}

// processorSpec is a span or log record processor: the two signals'
// configuration types differ in their names only, so that both are read
// into this and translated once, by processor.
type processorSpec struct {
	kind                        string // "batch" or "simple"; "" for neither
	exporter                    exporterSpec
	delay, timeout, queue, size *int // the batch processor's settings
}

// exporterSpec is the exporter of a processorSpec.
type exporterSpec struct {
	console    bool
	http, grpc *otlpFields
}

// exporterOf reads an exporter of either signal: a log record exporter
// converts to a span exporter, as the generated types have the same
// fields.
func exporterOf(e otelconf.SpanExporter) exporterSpec {
	return exporterSpec{console: e.Console != nil, http: httpFields(e.OTLPHttp), grpc: grpcFields(e.OTLPGrpc)}
}

// processor records the one processor of a signal (traces, logs) at path.
func (b *builder) processor(s signal, path string, p processorSpec) {
	switch p.kind {
	case "batch":
		b.batchSettings(s, path+".batch", p.delay, p.timeout, p.queue, p.size)
	case "simple":
		b.simple(path + ".simple")
	default:
		b.fail(path, "no processor otelkit builds", "batch or simple")
		return
	}
	b.exporter(s, path+"."+p.kind+".exporter", p.exporter)
}

// exporter records the one exporter of a processor (traces, logs).
func (b *builder) exporter(s signal, path string, e exporterSpec) {
	console, http, grpc := e.console, e.http, e.grpc
	switch n := count(console, http != nil, grpc != nil); {
	case n == 0:
		b.fail(path, errNoExporter.Error(), exportersAllowed)
	case n > 1:
		b.fail(path, "several exporters in one processor: otelkit builds one per signal", exportersAllowed)
	case console:
		b.set(s.exporter, otlpconf.ExporterConsole, path+".console")
	case http != nil:
		b.set(s.exporter, otlpconf.ExporterOTLP, path+".otlp_http")
		b.otlp(s, path+".otlp_http", *http)
	default:
		b.set(s.exporter, otlpconf.ExporterOTLP, path+".otlp_grpc")
		b.otlp(s, path+".otlp_grpc", *grpc)
	}
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func (b *builder) traces(tp *otelconf.TracerProvider) {
	s := tracesSignal
	if tp == nil {
		b.set(s.exporter, otlpconf.ExporterNone, s.section)
		return
	}
	if tp.Sampler != nil {
		b.f.Sampler = b.sampler(tp.Sampler, s.section+".sampler")
	}
	if l := tp.Limits; l != nil {
		path := s.section + ".limits"
		b.setInt("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", l.AttributeCountLimit, path+".attribute_count_limit")
		b.setInt("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", l.AttributeValueLengthLimit, path+".attribute_value_length_limit")
		b.setInt("OTEL_SPAN_EVENT_COUNT_LIMIT", l.EventCountLimit, path+".event_count_limit")
		b.setInt("OTEL_SPAN_LINK_COUNT_LIMIT", l.LinkCountLimit, path+".link_count_limit")
		b.setInt("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", l.EventAttributeCountLimit, path+".event_attribute_count_limit")
		b.setInt("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", l.LinkAttributeCountLimit, path+".link_attribute_count_limit")
	}
	path, ok := b.oneProcessor(s, len(tp.Processors))
	if !ok {
		return
	}
	b.processor(s, path, spanProcessor(tp.Processors[0]))
}

// spanProcessor reads a span processor into the shape processor takes.
func spanProcessor(p otelconf.SpanProcessor) processorSpec {
	if bp := p.Batch; bp != nil {
		return processorSpec{kind: "batch", exporter: exporterOf(bp.Exporter),
			delay: bp.ScheduleDelay, timeout: bp.ExportTimeout, queue: bp.MaxQueueSize, size: bp.MaxExportBatchSize}
	}
	if sp := p.Simple; sp != nil {
		return processorSpec{kind: "simple", exporter: exporterOf(sp.Exporter)}
	}
	return processorSpec{}
}

func (b *builder) logs(lp *otelconf.LoggerProvider) {
	s := logsSignal
	if lp == nil {
		b.set(s.exporter, otlpconf.ExporterNone, s.section)
		return
	}
	if l := lp.Limits; l != nil {
		path := s.section + ".limits"
		b.setInt("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", l.AttributeCountLimit, path+".attribute_count_limit")
		b.setInt("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", l.AttributeValueLengthLimit, path+".attribute_value_length_limit")
	}
	path, ok := b.oneProcessor(s, len(lp.Processors))
	if !ok {
		return
	}
	b.processor(s, path, logProcessor(lp.Processors[0]))
}

// logProcessor reads a log record processor into the shape processor
// takes.
func logProcessor(p otelconf.LogRecordProcessor) processorSpec {
	if bp := p.Batch; bp != nil {
		return processorSpec{kind: "batch", exporter: exporterOf(otelconf.SpanExporter(bp.Exporter)),
			delay: bp.ScheduleDelay, timeout: bp.ExportTimeout, queue: bp.MaxQueueSize, size: bp.MaxExportBatchSize}
	}
	if sp := p.Simple; sp != nil {
		return processorSpec{kind: "simple", exporter: exporterOf(otelconf.SpanExporter(sp.Exporter))}
	}
	return processorSpec{}
}

// attributeLimits records the general limits; the signal-specific ones
// win (the tracing package applies that rule for spans itself).
func (b *builder) attributeLimits(l *otelconf.AttributeLimits) {
	if l == nil {
		return
	}
	const path = "attribute_limits"
	b.setInt("OTEL_ATTRIBUTE_COUNT_LIMIT", l.AttributeCountLimit, path+".attribute_count_limit")
	b.setInt("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", l.AttributeValueLengthLimit, path+".attribute_value_length_limit")
	if _, ok := b.f.env["OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT"]; !ok {
		b.setInt("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", l.AttributeCountLimit, path+".attribute_count_limit")
	}
	if _, ok := b.f.env["OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT"]; !ok {
		b.setInt("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", l.AttributeValueLengthLimit, path+".attribute_value_length_limit")
	}
}

// otlpFields are the settings the four OTLP exporter types of the model
// share (HTTP and gRPC, spans and logs or metrics).
type otlpFields struct {
	protocol, protocolKey          string
	badEncoding                    bool // an otlp_http encoding other than protobuf and json
	endpoint, compression, headers *string
	timeout                        *int
	headerPairs                    []otelconf.NameStringValuePair
	ca, cert, key                  *string
	insecure                       *bool
	temporality, histogram         *string
}

func httpFields(e *otelconf.OTLPHttpExporter) *otlpFields {
	if e == nil {
		return nil
	}
	f := &otlpFields{protocol: otlpconf.ProtocolHTTPProtobuf, endpoint: e.Endpoint, compression: e.Compression,
		headers: e.HeadersList, timeout: e.Timeout, headerPairs: e.Headers, badEncoding: badEncoding(e.Encoding)}
	if e.Encoding != nil && *e.Encoding == otelconf.OTLPHttpEncodingJson {
		f.protocol, f.protocolKey = otlpconf.ProtocolHTTPJSON, "encoding"
	}
	if t := e.Tls; t != nil {
		f.ca, f.cert, f.key = t.CaFile, t.CertFile, t.KeyFile
	}
	return f
}

func grpcFields(e *otelconf.OTLPGrpcExporter) *otlpFields {
	if e == nil {
		return nil
	}
	f := &otlpFields{protocol: otlpconf.ProtocolGRPC, endpoint: e.Endpoint, compression: e.Compression,
		headers: e.HeadersList, timeout: e.Timeout, headerPairs: e.Headers}
	if t := e.Tls; t != nil {
		f.ca, f.cert, f.key, f.insecure = t.CaFile, t.CertFile, t.KeyFile, t.Insecure
	}
	return f
}

// badEncoding reports an otlp_http encoding the schema does not define,
// which otelconf would take for protobuf without a word.
func badEncoding(e *otelconf.OTLPHttpEncoding) bool {
	return e != nil && *e != otelconf.OTLPHttpEncodingProtobuf && *e != otelconf.OTLPHttpEncodingJson
}

const timeoutAllowed = "whole milliseconds >= 1 (0, no limit, is not supported: an export to a collector that never answers would hold its batch for ever)"

// otlp records an OTLP exporter's settings under the signal's variables,
// whose per-signal semantics are the file's: an HTTP endpoint is used as
// it is, path included.
func (b *builder) otlp(s signal, path string, f otlpFields) {
	protoPath := path
	if f.protocolKey != "" {
		protoPath = path + "." + f.protocolKey
	}
	if f.badEncoding {
		b.failValue(path+".encoding", "protobuf or json")
	} else {
		b.set(s.otlp+"PROTOCOL", f.protocol, protoPath)
	}
	if f.endpoint != nil {
		ep := *f.endpoint
		// As otelconf does: an HTTP endpoint without a path gets the
		// signal's (the schema's default endpoints carry it).
		if u, err := url.Parse(ep); err == nil && u.Path == "" && f.protocol != otlpconf.ProtocolGRPC && u.Host != "" {
			ep = strings.TrimRight(ep, "/") + s.urlPath
		}
		b.set(s.otlp+"ENDPOINT", ep, path+".endpoint")
	}
	if f.compression != nil {
		b.set(s.otlp+"COMPRESSION", *f.compression, path+".compression")
	}
	if f.timeout != nil && *f.timeout == 0 {
		b.failValue(path+".timeout", timeoutAllowed)
	} else {
		b.setInt(s.otlp+"TIMEOUT", f.timeout, path+".timeout")
	}
	b.headers(s.otlp+"HEADERS", path, f.headerPairs, f.headers)
	for _, x := range []struct {
		v         *string
		name, key string
	}{{f.ca, "CERTIFICATE", "ca_file"}, {f.cert, "CLIENT_CERTIFICATE", "cert_file"}, {f.key, "CLIENT_KEY", "key_file"}} {
		if x.v != nil {
			b.set(s.otlp+x.name, *x.v, path+".tls."+x.key)
		}
	}
	if f.insecure != nil {
		b.set(s.otlp+"INSECURE", strconv.FormatBool(*f.insecure), path+".tls.insecure")
	}
	if f.temporality != nil {
		b.setShared(s.otlp+"TEMPORALITY_PREFERENCE", strings.ReplaceAll(*f.temporality, "_", ""), path+".temporality_preference")
	}
	if f.histogram != nil {
		b.setShared(s.otlp+"DEFAULT_HISTOGRAM_AGGREGATION", *f.histogram, path+".default_histogram_aggregation")
	}
}

const headersAllowed = "header names that are HTTP tokens and values without control characters; headers_list as in OTEL_EXPORTER_OTLP_HEADERS (names and values are not shown)"

// headers records an exporter's headers (headers win over headers_list,
// as the schema says) in the variable's syntax. No error quotes a name or
// a value.
func (b *builder) headers(name, path string, pairs []otelconf.NameStringValuePair, list *string) {
	h := map[string]string{}
	at := path + ".headers"
	if list != nil {
		at = path + ".headers_list"
		m, err := otlpconf.ParseHeaders(*list)
		if err != nil {
			b.failWithheld(at, err.Error(), headersAllowed)
		}
		maps.Copy(h, m)
	}
	for i, kv := range pairs {
		at = path + ".headers"
		if kv.Value == nil {
			continue
		}
		if why := otlpconf.HeaderProblem(kv.Name, *kv.Value); why != "" {
			b.failWithheld(fmt.Sprintf("%s.headers[%d]", path, i), why, headersAllowed)
			continue
		}
		h[kv.Name] = *kv.Value
	}
	if list == nil && pairs == nil {
		return
	}
	var items []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		items = append(items, k+"="+url.PathEscape(h[k]))
		b.p.secrets = append(b.p.secrets, h[k])
	}
	b.set(name, strings.Join(items, ","), at)
}
