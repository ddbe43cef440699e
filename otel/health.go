package otel

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/internal/hostcheck"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/w3c"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

// healthState is what Init resolved and what the exporters did since, for
// HealthHandler.
type healthState struct {
	traces, metrics, logs exportHealth
	config                map[string]SignalConfig // what the three constructors resolved
	logLevelSource        string
	started               time.Time
	selfObs               *sdkmetric.ManualReader // OTEL_GO_X_OBSERVABILITY=true
	drops                 *dropLog                // the telemetry_dropped line
	overflow              cardinalityOverflow     // instruments past their cardinality limit
	gauges                observableGauges        // their points are unsent, not lost, under delta too
	configFile            string                  // the declarative configuration file in use, if any
}

// dropLogInterval is the least time between two telemetry_dropped lines.
const dropLogInterval = 10 * time.Second

func newHealthState(started time.Time) *healthState {
	hs := &healthState{started: started, drops: newDropLog(dropLogInterval)}
	for i, h := range []*exportHealth{&hs.traces, &hs.metrics, &hs.logs} {
		h.sig, h.log = i, hs.drops
	}
	return hs
}

// SignalConfig is the effective exporter configuration of one signal, as
// HealthHandler shows it. Header values are never kept (only names), and
// the endpoint has its user-info and query values masked.
type SignalConfig struct {
	// Exporter is the exporter the options and variables chose, as
	// OTEL_<SIGNAL>_EXPORTER writes it: "otlp", "console" or "none"; for
	// metrics a comma-separated list ("otlp,prometheus"), which Exporters
	// lists one by one.
	Exporter string `json:"exporter"`
	// Exporters lists the metrics' exporters in use ("otlp", "prometheus",
	// "console"), none for "none"; empty for traces and logs.
	Exporters   []string `json:"exporters,omitempty"`
	Protocol    string   `json:"protocol,omitempty"`
	Endpoint    string   `json:"endpoint,omitempty"`
	Insecure    bool     `json:"insecure"`
	HeaderNames []string `json:"header_names,omitempty"`
	Timeout     string   `json:"timeout,omitempty"`
	Compression string   `json:"compression,omitempty"`
	Temporality string   `json:"temporality,omitempty"`
	// HistogramAggregation is the metrics' default histogram aggregation
	// (OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION).
	HistogramAggregation string `json:"histogram_aggregation,omitempty"`
	// Sources says where each value came from: "option", "env:<NAME>",
	// "file:<file>:<line>" (a configuration file; "file:<file>" when the
	// file decides by leaving a section out) or "default".
	Sources map[string]string `json:"sources"`
	// Error is always empty.
	//
	// Deprecated: the configuration shown is the one the providers
	// resolved when Init built them; it is no longer resolved a second time
	// for display, which is what could fail.
	Error string `json:"error,omitempty"`
}

// clone returns a deep copy of sc: Health hands out copies, so that a
// caller changing them cannot change the next answer.
func (sc SignalConfig) clone() SignalConfig {
	sc.Exporters = slices.Clone(sc.Exporters)
	sc.HeaderNames = slices.Clone(sc.HeaderNames)
	sc.Sources = maps.Clone(sc.Sources)
	return sc
}

// signalConfig formats what a signal's constructor resolved. Metrics may
// have several exporters: Exporter joins them (or is "none"), Exporters
// lists them.
func signalConfig(r otlpconf.Resolved) SignalConfig {
	sc := SignalConfig{
		Exporter: r.Exporter, Protocol: r.Protocol, Endpoint: r.Endpoint, Insecure: r.Insecure,
		HeaderNames: r.HeaderNames, Compression: r.Compression, Temporality: r.Temporality,
		Sources: r.Sources,
	}
	if r.Signal == otlpconf.Metrics {
		sc.Exporters, sc.HistogramAggregation = r.Exporters, r.Histogram
	}
	if r.Timeout > 0 {
		sc.Timeout = r.Timeout.String()
	}
	return sc
}

// describe records the exporter configurations the providers resolved
// (those that were built).
func (hs *healthState) describe(tp *tracing.Provider, mp *metrics.Provider, logs otlpconf.Resolved) {
	hs.config = map[string]SignalConfig{"logs": signalConfig(logs)}
	if tp != nil {
		hs.config["traces"] = signalConfig(tp.ExporterConfig())
	}
	if mp != nil {
		hs.config["metrics"] = signalConfig(mp.ExporterConfig())
	}
}

// logLevelSource says where the logger's level came from, as the logger
// says it: WithLogLevel or a logging.WithLevel given to WithLoggingOptions
// ("option"), OTELKIT_LOG_LEVEL, or the default.
func logLevelSource(l *logging.Logger) string {
	return cmp.Or(l.LevelSource(), otlpconf.SourceDefault)
}

// LogLevelSourceRuntime is Health.LogLevelSrc once the log level was
// changed at run time.
const LogLevelSourceRuntime = "runtime"

// Health is the document HealthHandler serves.
type Health struct {
	Service   string                  `json:"service"`
	Disabled  bool                    `json:"sdk_disabled"`
	ShutDown  bool                    `json:"shut_down"`
	Uptime    string                  `json:"uptime"`
	Config    map[string]SignalConfig `json:"config"`
	Export    map[string]ExportStatus `json:"export"`
	SDKErrors int64                   `json:"sdk_errors_total"`
	// SDKWarnings counts the warnings of the SDK's own logger (see
	// "Globals" in the package documentation), also logged as
	// otel_sdk_warning, at most one line per 10 s.
	SDKWarnings int64  `json:"sdk_warnings_total"`
	LogLevel    string `json:"log_level"`
	// LogLevelSrc says where LogLevel comes from: "option" (WithLogLevel),
	// "env:OTELKIT_LOG_LEVEL", "default", or LogLevelSourceRuntime once
	// the level was changed while the service runs (a PUT to
	// HealthHandler or LevelHandler, Logging().SetLevel).
	LogLevelSrc string `json:"log_level_source"`
	// ConfigFile is the declarative configuration file Init built from
	// (OTEL_CONFIG_FILE, WithConfigFile; "WithConfigYAML"), empty
	// without one. Sources then say "file:<name>:<line>".
	ConfigFile string `json:"config_file,omitempty"`
	// SelfObservability holds the SDK's otel.sdk.* counters (spans, metric
	// points and log records exported and failed by the OTLP exporters, by
	// error.type) when OTEL_GO_X_OBSERVABILITY=true. The batch processors
	// are otelkit's, so the SDK's otel.sdk.processor.* counters are absent:
	// what they drop is under Export.*.Dropped, with or without the setting.
	SelfObservability map[string]int64 `json:"sdk_self_observability,omitempty"`
	// TraceContextDropped counts, since the process started, the incoming
	// or outgoing traceparent, tracestate and baggage fields that lost
	// members or were dropped whole under the W3C rules, keyed
	// "<field>.<reason>" (e.g. "tracestate.oversize"); see httpmw's
	// "Trace context" documentation.
	TraceContextDropped map[string]uint64 `json:"trace_context_dropped,omitempty"`
	// LogOutputErrors counts the log lines the output, or a copy
	// (logging.WithOutputCopy), did not take whole since Init (a write that failed, came back short or panicked: a
	// closed pipe, a full disk); each still reached the OTLP log bridge.
	LogOutputErrors uint64 `json:"log_output_errors"`
	// LogBuffer shows per-request log buffering when it is on (or has
	// held lines): lines buffered, flushed, dropped by design, and lost to
	// its bounds (logbuffer.go).
	LogBuffer *LogBufferHealth `json:"log_buffer,omitempty"`
	// MetricOverflow lists the instruments whose exported or scraped data
	// reached the cardinality limit (metric_cardinality_limit_reached):
	// their measurements past it are in one series without their
	// attributes.
	MetricOverflow []OverflowedInstrument `json:"metric_cardinality_overflow,omitempty"`
	Hint           string                 `json:"hint"`
}

const healthHint = "traces missing? check config.*.endpoint and protocol, export.*.last_error, failed and dropped (why items were lost); " +
	"sdk_errors_total counts every error the SDK reported (also logged as otel_sdk_error, at most one line per 10 s), sdk_warnings_total its warnings (otel_sdk_warning); " +
	"PUT {\"level\":\"debug\"} here to change the log level"

// Health returns the snapshot HealthHandler serves.
func (t *Telemetry) Health() Health {
	h := Health{Config: map[string]SignalConfig{}, Export: map[string]ExportStatus{}, Hint: healthHint}
	if t == nil {
		return h
	}
	h.Disabled = t.disabled
	h.ShutDown = t.closed.Load()
	if v, ok := t.res.Set().Value(semconv.ServiceNameKey); ok {
		h.Service = v.AsString()
	}
	if t.logger != nil {
		h.LogLevel = t.logger.Level().String()
		h.LogBuffer = logBufferHealth(t.logger)
		h.LogOutputErrors = t.logger.OutputErrors()
	}
	// Read before hs: the level may be changed at run time in any case.
	levelChanged := t.logger.LevelChanged()
	hs := t.health
	if hs == nil {
		h.SDKErrors, h.SDKWarnings = t.sdkErrorsTotal(), t.sdkWarningsTotal()
		return h
	}
	h.Uptime = time.Since(hs.started).Round(time.Second).String()
	h.TraceContextDropped = w3c.Counts()
	h.LogLevelSrc = hs.logLevelSource
	if levelChanged {
		h.LogLevelSrc = LogLevelSourceRuntime
	}
	h.ConfigFile = hs.configFile
	h.MetricOverflow = hs.overflow.instruments()
	for k, v := range hs.config {
		h.Config[k] = v.clone() // the caller may change what it gets
	}
	// Metrics count data points of every push exporter (OTLP, console; the
	// pulled Prometheus exporter is not tracked); logs count log records.
	h.Export["traces"] = hs.traces.status()
	h.Export["metrics"] = hs.metrics.status()
	h.Export["logs"] = hs.logs.status()
	// After the statuses: a failed export is counted there before the SDK
	// reports it, so no snapshot shows the failed batch without its error.
	h.SDKErrors, h.SDKWarnings = t.sdkErrorsTotal(), t.sdkWarningsTotal()
	if hs.selfObs != nil && !h.ShutDown {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		h.SelfObservability = selfObservability(ctx, hs.selfObs)
		cancel()
	}
	return h
}

// HealthHandler returns an http.Handler for an admin port: GET answers
// the Health document as JSON (effective configuration with where each
// value came from, secrets masked; export counts, last success and last
// error; the log level); PUT or POST with {"level":"debug"} changes the
// log level (see logging.Logger.LevelHandler, which refuses a browser's
// change sent from a page of another origin). It does no authentication:
// do not expose it publicly. It is the first stop when "traces are
// missing".
//
// Against DNS rebinding (a web page whose name the attacker resolves to
// this address, of the same origin to the browser), a change whose Host
// is neither an IP address, localhost nor a name WithAllowedHosts gives
// is refused with 403, and so is a GET that arrived on a loopback address
// (a developer's machine, where such a page runs), or on one net/http does
// not name (a Unix socket; httptest.NewRequest, whose Host is example.com:
// set Host to an IP address in a test): a probe or scraper reaching a pod
// by its service's name arrives on the pod's address and is answered, and
// the document holds no secret.
func (t *Telemetry) HealthHandler() http.Handler {
	var levels http.Handler
	if t != nil && t.logger != nil {
		levels = t.logger.LevelHandler()
	}
	hosts := t.hostPolicy()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if refused(w, hosts.CheckLoopback(r)) {
				return
			}
			jsonHeaders(w.Header())
			w.Header().Set("Cache-Control", "no-store")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(t.Health())
		case http.MethodPut, http.MethodPost:
			if refused(w, hosts.Check(r)) {
				return
			}
			if levels == nil {
				jsonError(w, http.StatusServiceUnavailable, "no logger")
				return
			}
			levels.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, PUT, POST")
			jsonError(w, http.StatusMethodNotAllowed, "method not allowed; use GET, PUT or POST")
		}
	})
}

// refused answers the refusal of a request's Host as JSON, if there is
// one: the level handler's checks come second, and name logging's option.
func refused(w http.ResponseWriter, ref *hostcheck.Refusal) bool {
	if ref != nil {
		jsonError(w, ref.Status, ref.Message)
	}
	return ref != nil
}

// jsonHeaders marks an answer of HealthHandler as JSON, never to be
// sniffed as anything else, as LevelHandler's answers are.
func jsonHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
}

// jsonError answers {"error": msg} with status code (http.Error would
// label it text/plain).
func jsonError(w http.ResponseWriter, code int, msg string) {
	jsonHeaders(w.Header())
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// sdkWarningsTotal is the number of warnings the SDK's logger wrote.
func (t *Telemetry) sdkWarningsTotal() int64 {
	if t.sdkWarnings == nil {
		return 0
	}
	return t.sdkWarnings.total.Load()
}

// sdkErrorsTotal is the number of errors the SDK reported to otelkit.
func (t *Telemetry) sdkErrorsTotal() int64 {
	if t.sdkErrors == nil {
		return 0
	}
	return t.sdkErrors.total.Load()
}
