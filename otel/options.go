package otel

import (
	"io"
	"maps"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/redact"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/otel/internal/traceview"
	"github.com/otelkit/otelkit/tracing"
)

// Option configures Init. Options win over the OTEL_* and OTELKIT_*
// environment, which wins over the defaults.
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

type config struct {
	serviceName    string
	serviceVersion string
	environment    string
	attrs          []attribute.KeyValue
	detectors      bool

	globals bool

	tracesExporter  string
	metricsExporter string
	logsExporter    string
	otlp            otlpconf.Overrides // for all three signals; Exporter is set per signal (wiring.go)

	sampler        sdktrace.Sampler
	spanProcessors []sdktrace.SpanProcessor
	spanExporter   sdktrace.SpanExporter
	metricReaders  []sdkmetric.Reader
	logProcessors  []sdklog.Processor
	propagator     propagation.TextMapPropagator

	runtimeMetrics bool
	promAddr       string

	logOptions   []logging.Option
	tracingExtra []tracing.Option
	metricsExtra []metrics.Option
	logLevel     *zapcore.Level
	logBuffer    *zapcore.Level // WithLogBufferLevel (logbuffer.go)
	logFormat    string
	logOutput    zapcore.WriteSyncer

	shutdownTimeout time.Duration

	lookup      func(string) (string, bool) // WithEnvLookup; nil: the process environment
	traceViewer *traceview.Config           // WithTraceViewer; nil: off (traceviewer.go)
	file        fileSource                  // WithConfigFile, WithConfigYAML (configfile.go)
	logsExtra   []logprovider.Option        // the configuration file's log provider settings

	allowedHosts []string       // WithAllowedHosts (allowedhosts.go)
	redact       redact.Setting // WithRedactedKeys, WithoutKeyRedaction (redact.go)
}

func newConfig(opts []Option) config {
	c := config{
		globals:         true,
		detectors:       true,
		runtimeMetrics:  true,
		shutdownTimeout: DefaultShutdownTimeout,
		// The names errors give the OTLP settings, which are passed on to
		// the signal packages with their values (otlpconf.Merge).
		otlp: otlpconf.Overrides{Names: otlpconf.Names{Protocol: "WithOTLPProtocol", Endpoint: "WithOTLPEndpoint",
			Headers: "WithOTLPHeaders", Timeout: "WithOTLPTimeout", Compression: "WithOTLPCompression"}},
	}
	return option.Apply(c, opts, Option.apply)
}

// DefaultShutdownTimeout bounds Shutdown and ForceFlush when their context
// has no deadline.
const DefaultShutdownTimeout = 10 * time.Second

// WithServiceName sets service.name. It wins over OTEL_SERVICE_NAME and
// over service.name in OTEL_RESOURCE_ATTRIBUTES; without either, the name
// is the last element of the main package's path in the build info
// ("checkout" for example.com/shop/cmd/checkout). Surrounding spaces are
// trimmed, and a blank name is as if not given, as for the variable.
func WithServiceName(name string) Option {
	return optionFunc(func(c config) config { c.serviceName = given(c.serviceName, name); return c })
}

// WithServiceVersion sets service.version. It wins over
// OTEL_RESOURCE_ATTRIBUTES; without either, the main module's version from the
// build info is used when it is a release version. Surrounding spaces are
// trimmed, and a blank version is as if not given.
func WithServiceVersion(version string) Option {
	return optionFunc(func(c config) config { c.serviceVersion = given(c.serviceVersion, version); return c })
}

// given returns v trimmed, or old when v is blank: a blank value is as if
// its option were not given, so an earlier one stands.
func given(old, v string) string {
	if v = strings.TrimSpace(v); v == "" {
		return old
	}
	return v
}

// WithEnvironment sets deployment.environment.name (for example
// "production"). It wins over OTELKIT_ENVIRONMENT and over
// OTEL_RESOURCE_ATTRIBUTES. Surrounding spaces are trimmed, and a blank
// name is as if not given, as for the variable.
func WithEnvironment(name string) Option {
	return optionFunc(func(c config) config { c.environment = given(c.environment, name); return c })
}

// WithResourceAttributes adds resource attributes. They win over
// OTEL_RESOURCE_ATTRIBUTES and the detectors; service name, version and
// environment options win over them. An attribute with an empty key, which
// the SDK would drop, or a service.name that is not a non-blank string
// makes Init fail with a ConfigError.
func WithResourceAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c config) config { c.attrs = append(c.attrs, attrs...); return c })
}

// WithoutDetectors turns off the host, process, OS and container resource
// detectors (on by default).
func WithoutDetectors() Option {
	return optionFunc(func(c config) config { c.detectors = false; return c })
}

// WithoutGlobals keeps Init from installing its providers, propagator, error
// handler and logger as the OpenTelemetry and zap globals. By default Init
// installs them and Shutdown puts the previous ones back.
func WithoutGlobals() Option {
	return optionFunc(func(c config) config { c.globals = false; return c })
}

// WithTracesExporter chooses the span exporter: "otlp", "console" or "none".
// It wins over OTEL_TRACES_EXPORTER (default "otlp"). Surrounding spaces
// are trimmed, and a blank name is as if not given (for this and the two
// options below).
func WithTracesExporter(name string) Option {
	return optionFunc(func(c config) config { c.tracesExporter = given(c.tracesExporter, name); return c })
}

// WithMetricsExporter chooses the metric exporter: "otlp", "prometheus",
// "console" or "none". It wins over OTEL_METRICS_EXPORTER (default "otlp").
func WithMetricsExporter(name string) Option {
	return optionFunc(func(c config) config { c.metricsExporter = given(c.metricsExporter, name); return c })
}

// WithLogsExporter chooses the log record exporter: "otlp", "console" or
// "none". It wins over OTEL_LOGS_EXPORTER (default "otlp"). The zap logger
// writes its own lines to stdout whatever this is.
func WithLogsExporter(name string) Option {
	return optionFunc(func(c config) config { c.logsExporter = given(c.logsExporter, name); return c })
}

// WithOTLPEndpoint sets the OTLP endpoint of all three signals, such as
// "http://collector:4317" (gRPC) or "http://collector:4318" (HTTP, the
// signal path is appended). The URL's scheme chooses TLS; a bare
// "host:port" means TLS unless WithOTLPInsecure(true) or
// OTEL_EXPORTER_OTLP_INSECURE=true says otherwise. It wins over
// OTEL_EXPORTER_OTLP_ENDPOINT and the per-signal variables. Surrounding
// spaces are trimmed, and a blank endpoint is as if not given.
func WithOTLPEndpoint(endpoint string) Option {
	return optionFunc(func(c config) config { c.otlp.Endpoint = given(c.otlp.Endpoint, endpoint); return c })
}

// WithOTLPProtocol sets the OTLP protocol, "grpc" or "http/protobuf". It
// wins over OTEL_EXPORTER_OTLP_PROTOCOL and the per-signal variables (default
// "http/protobuf", as the specification prescribes). Surrounding spaces
// are trimmed, and a blank protocol is as if not given.
func WithOTLPProtocol(protocol string) Option {
	return optionFunc(func(c config) config { c.otlp.Protocol = given(c.otlp.Protocol, protocol); return c })
}

// WithOTLPHeaders sets headers sent with every export (API keys). They win
// over OTEL_EXPORTER_OTLP_HEADERS and the per-signal variables; an empty
// map sends none, whatever the variables say, and a nil map is as if the
// option were not given (as tracing.WithHeaders and metrics.WithHeaders),
// so that the variables' API key is not dropped by a map never filled.
// Their names and values are never logged nor shown in an error.
func WithOTLPHeaders(headers map[string]string) Option {
	return optionFunc(func(c config) config {
		if headers != nil {
			c.otlp.Headers = maps.Clone(headers)
		}
		return c
	})
}

// WithOTLPInsecure turns transport security off (true) or on (false) for
// the OTLP exporters. It wins over OTEL_EXPORTER_OTLP_INSECURE and the scheme
// of the endpoint.
func WithOTLPInsecure(insecure bool) Option {
	return optionFunc(func(c config) config { c.otlp.Insecure = &insecure; return c })
}

// WithOTLPTimeout bounds each OTLP export. It wins over
// OTEL_EXPORTER_OTLP_TIMEOUT and the per-signal variables (default 10s). A
// negative value is an error; zero is as if the option were not given (it
// is not "no limit").
func WithOTLPTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config { c.otlp.Timeout = d; return c })
}

// WithOTLPCompression sets OTLP compression, "gzip" or "none". It wins over
// OTEL_EXPORTER_OTLP_COMPRESSION and the per-signal variables (default none).
// Surrounding spaces are trimmed, and a blank value is as if not given.
func WithOTLPCompression(compression string) Option {
	return optionFunc(func(c config) config { c.otlp.Compression = given(c.otlp.Compression, compression); return c })
}

// WithConsoleWriter sets where the "console" exporters write (default
// os.Stdout).
func WithConsoleWriter(w io.Writer) Option {
	return optionFunc(func(c config) config { c.otlp.Console = option.Value(w); return c })
}

// WithSampler sets the sampler. It wins over OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on).
func WithSampler(s sdktrace.Sampler) Option {
	return optionFunc(func(c config) config { c.sampler = option.Value(s); return c })
}

// WithSpanProcessor adds a span processor beside the exporter's (for
// example a tracetest.SpanRecorder in tests).
func WithSpanProcessor(p sdktrace.SpanProcessor) Option {
	return optionFunc(func(c config) config { c.spanProcessors = option.Append(c.spanProcessors, p); return c })
}

// WithSpanExporter replaces the exporter OTEL_TRACES_EXPORTER would choose.
func WithSpanExporter(e sdktrace.SpanExporter) Option {
	return optionFunc(func(c config) config { c.spanExporter = option.Value(e); return c })
}

// WithMetricReader adds a metric reader beside the exporter's (for example
// a metric.ManualReader in tests).
func WithMetricReader(r sdkmetric.Reader) Option {
	return optionFunc(func(c config) config { c.metricReaders = option.Append(c.metricReaders, r); return c })
}

// WithLogProcessor adds a log record processor beside the exporter's, so
// the OTLP log bridge is on even when OTEL_LOGS_EXPORTER is "none".
func WithLogProcessor(p sdklog.Processor) Option {
	return optionFunc(func(c config) config { c.logProcessors = option.Append(c.logProcessors, p); return c })
}

// WithPropagators sets the text-map propagator. It wins over
// OTEL_PROPAGATORS (tracecontext, baggage, b3, b3multi, jaeger, ottrace,
// none; default "tracecontext,baggage"). It is also how a service keeps
// a propagator otelkit no longer names, such as AWS X-Ray's.
func WithPropagators(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c config) config { c.propagator = option.Value(p); return c })
}

// WithoutRuntimeMetrics turns off the Go runtime metrics (on by default).
func WithoutRuntimeMetrics() Option {
	return optionFunc(func(c config) config { c.runtimeMetrics = false; return c })
}

// WithPrometheusAddr sets the host:port the Prometheus exporter serves on
// when the metrics exporter is "prometheus". It wins over
// OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT (default
// localhost:9464). Surrounding spaces are trimmed, and a blank address is
// as if not given.
func WithPrometheusAddr(addr string) Option {
	return optionFunc(func(c config) config { c.promAddr = given(c.promAddr, addr); return c })
}

// WithLogLevel sets the logger's level. It wins over OTELKIT_LOG_LEVEL
// (default info).
func WithLogLevel(l zapcore.Level) Option {
	return optionFunc(func(c config) config { c.logLevel = &l; return c })
}

// WithLogFormat sets the log format, "json" or "console". It wins over
// OTELKIT_LOG_FORMAT (default console on a terminal, JSON otherwise).
// Surrounding spaces are trimmed, and a blank format is as if not given
// (as for logging.WithFormat).
func WithLogFormat(format string) Option {
	return optionFunc(func(c config) config { c.logFormat = given(c.logFormat, format); return c })
}

// WithLogOutput sets where log lines go (default os.Stdout).
func WithLogOutput(w zapcore.WriteSyncer) Option {
	return optionFunc(func(c config) config { c.logOutput = option.Value(w); return c })
}

// WithLoggingOptions passes further options to logging.New (output
// profile, GCP project, …). Init's own log options win over them; the
// resource, which the vendor profiles name the service from, is always
// Init's. logging.WithRedactedKeys and logging.WithoutKeyRedaction among
// them set key redaction for the whole Telemetry (WithRedactedKeys).
func WithLoggingOptions(opts ...logging.Option) Option {
	return optionFunc(func(c config) config { c.logOptions = append(c.logOptions, opts...); return c })
}

// WithTracingOptions passes further options to tracing.NewTracerProvider,
// for what Init has no option of its own (span limits, say). Init's own
// options win over them; the resource is always Init's. Handlers and
// exporter wrappers (tracing.WithExporterWrapper, WithDropHandler,
// WithWarningHandler) add to Init's own, which feed the health document
// and the log: yours are called too, and your wrapper sits inside Init's.
// tracing.WithRedactedKeys and tracing.WithoutKeyRedaction set key
// redaction for the whole Telemetry (WithRedactedKeys).
func WithTracingOptions(opts ...tracing.Option) Option {
	return optionFunc(func(c config) config { c.tracingExtra = append(c.tracingExtra, opts...); return c })
}

// WithMetricsOptions passes further options to metrics.NewMeterProvider,
// for what Init has no option of its own (views, cardinality limit,
// exemplar filter, host metrics, export interval). Init's own options win
// over them; the resource is always Init's. Handlers and exporter wrappers
// (metrics.WithExporterWrapper, WithWarningHandler, WithOverflowHandler)
// add to Init's own, as for WithTracingOptions.
func WithMetricsOptions(opts ...metrics.Option) Option {
	return optionFunc(func(c config) config { c.metricsExtra = append(c.metricsExtra, opts...); return c })
}

// WithShutdownTimeout sets the bound Shutdown and ForceFlush use when their
// context has no deadline (default DefaultShutdownTimeout). A non-positive
// value keeps the default.
func WithShutdownTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config { c.shutdownTimeout = d; return c })
}

// WithEnvLookup makes Init read every OTEL_* and OTELKIT_* variable through
// lookup instead of the process environment (default os.LookupEnv), and
// hands lookup to the signal packages and the logger: what it returns is
// the whole environment Init sees (a configuration file's ${NAME}
// references included), and the OTLP exporters get every
// setting explicitly, defaults included, so that what the process
// environment holds changes nothing. Options still win over what lookup
// returns. The SDK's experimental OTEL_GO_X_* switches are read by the SDK
// itself from the process environment. A Source that cannot list its
// names is not checked for misspelled variables nor for text that is not
// UTF-8. oteltest uses it with a lookup that finds nothing.
func WithEnvLookup(lookup func(name string) (string, bool)) Option {
	return optionFunc(func(c config) config { c.lookup = lookup; return c })
}

// envLookup is WithEnvLookup's lookup, else the process environment's.
func (c config) envLookup() func(string) (string, bool) {
	if c.lookup != nil {
		return c.lookup
	}
	return os.LookupEnv
}
