package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
)

// Environment variables this package reads (besides the OTLP exporter's own
// OTEL_EXPORTER_OTLP_* variables).
const (
	envExporter         = "OTEL_METRICS_EXPORTER"
	envInterval         = "OTEL_METRIC_EXPORT_INTERVAL"
	envTimeout          = "OTEL_METRIC_EXPORT_TIMEOUT"
	envExemplarFilter   = "OTEL_METRICS_EXEMPLAR_FILTER"
	envCardinalityLimit = "OTEL_GO_X_CARDINALITY_LIMIT"
	envPromHost         = "OTEL_EXPORTER_PROMETHEUS_HOST"
	envPromPort         = "OTEL_EXPORTER_PROMETHEUS_PORT"
)

// Defaults where neither an option nor the environment says otherwise.
const (
	// DefaultPrometheusHost is the host the Prometheus listener binds by
	// default (the specification's default for OTEL_EXPORTER_PROMETHEUS_HOST).
	DefaultPrometheusHost = "localhost"
	// DefaultPrometheusPort is the specification's default for
	// OTEL_EXPORTER_PROMETHEUS_PORT.
	DefaultPrometheusPort = 9464
	// DefaultCardinalityLimit is the SDK's per-instrument limit on distinct
	// attribute sets per collection cycle.
	DefaultCardinalityLimit = 2000
)

// Exporter names accepted by WithExporter and OTEL_METRICS_EXPORTER.
const (
	ExporterOTLP       = "otlp"
	ExporterPrometheus = "prometheus"
	ExporterConsole    = "console"
	ExporterNone       = "none"
)

// config is the unexported configuration NewMeterProvider builds from
// options.
type config struct {
	lookup   env.LookupFunc
	resource *resource.Resource
	readers  []sdkmetric.Reader
	views    []sdkmetric.View

	otlp            otlpconf.Overrides // exporters, OTLP and console settings; zero values: not set
	noExporterNamed bool               // WithExporter() or WithExporter("")

	exportInterval time.Duration // 0: not set
	exportTimeout  time.Duration // 0: not set

	noRuntime       bool
	instrumentation []instrumentation // WithInstrumentation and WithNamedInstrumentation, in order
	noHostGuard     bool              // WithoutHostGuard (provider.go)

	cardinalityLimit *int
	exemplarFilter   string // "" not set

	promAddr     string // "" not set
	promNoServer bool

	wraps    []func(sdkmetric.Exporter) sdkmetric.Exporter // WithExporterWrapper, first innermost
	warn     []func(error)                                 // WithWarningHandler, each called; none: otel.Handle
	overflow []func(scope, instrument string, limit int)   // WithOverflowHandler, each called
	onDrop   []func(reason string, n int)                  // WithDropHandler, each called

	errs []error // option misuse found while applying options
}

// Option configures NewMeterProvider.
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

func newConfig(opts []Option) config {
	return option.Apply(config{}, opts, Option.apply)
}

// WithEnvLookup makes NewMeterProvider read environment variables through f instead of
// os.LookupEnv (for tests, or to feed configuration from elsewhere). It
// covers every variable this package validates and passes on explicitly;
// the OTLP exporter still reads its own OTEL_EXPORTER_OTLP_* variables.
func WithEnvLookup(f func(string) (string, bool)) Option {
	return optionFunc(func(c config) config { c.lookup = f; return c })
}

// WithResource sets the resource every metric carries; default the SDK's
// default resource merged with OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(c config) config { c.resource = r; return c })
}

// WithReader adds a reader beside the exporters the configuration selects.
// With WithExporter("none") it is the only reader, which is how tests read
// metrics from memory with sdkmetric.NewManualReader.
func WithReader(r sdkmetric.Reader) Option {
	return optionFunc(func(c config) config {
		c.readers = option.Append(c.readers, r)
		return c
	})
}

// WithView adds views (rename, re-bucket, drop attributes, drop instruments).
// Views from repeated calls accumulate, in order; nil views are ignored.
func WithView(views ...sdkmetric.View) Option {
	return optionFunc(func(c config) config {
		for _, v := range views {
			if v != nil {
				c.views = append(c.views, v)
			}
		}
		return c
	})
}

// WithExporter selects the exporters: "otlp", "prometheus", "console" or
// "none"; several may be named ("otlp", "prometheus") or given comma
// separated. It wins over OTEL_METRICS_EXPORTER; default "otlp".
func WithExporter(names ...string) Option {
	return optionFunc(func(c config) config {
		otlpconf.SetExporter(strings.Join(names, ",")).Apply(&c.otlp)
		c.noExporterNamed = strings.TrimSpace(c.otlp.Exporter) == ""
		return c
	})
}

// WithEndpoint sets the OTLP endpoint: a URL ("http://collector:4318"; a URL
// without path gets /v1/metrics appended for http/protobuf; the scheme
// chooses TLS) or host:port (TLS unless WithInsecure or
// OTEL_EXPORTER_OTLP_[METRICS_]INSECURE says otherwise). It
// wins over OTEL_EXPORTER_OTLP_METRICS_ENDPOINT and
// OTEL_EXPORTER_OTLP_ENDPOINT; default https://localhost:4318/v1/metrics
// (localhost:4317 for grpc).
func WithEndpoint(endpoint string) Option {
	return otlpOption{otlpconf.SetEndpoint(endpoint)}
}

// WithProtocol sets the OTLP protocol, "grpc" or "http/protobuf". It wins
// over OTEL_EXPORTER_OTLP_METRICS_PROTOCOL and OTEL_EXPORTER_OTLP_PROTOCOL;
// default "http/protobuf".
func WithProtocol(protocol string) Option {
	return otlpOption{otlpconf.SetProtocol(protocol)}
}

// WithHeaders sets headers sent with every OTLP export (never logged); they
// replace, not extend, OTEL_EXPORTER_OTLP_METRICS_HEADERS and
// OTEL_EXPORTER_OTLP_HEADERS. A nil map leaves the variables in charge; an
// empty one sends no headers.
func WithHeaders(headers map[string]string) Option {
	return otlpOption{otlpconf.SetHeaders(headers)}
}

// otlpOption is an OTLP option: the setting is otlpconf's, shared with
// the other signal package. Through the setting's OTLPHeaders, otel.Init,
// given WithHeaders' option through WithMetricsOptions, scrubs the header
// values from exporter errors.
type otlpOption struct{ otlpconf.Setting }

func (o otlpOption) apply(c config) config { o.Apply(&c.otlp); return c }

// WithInsecure turns TLS off (true) or on (false) for the OTLP exporter. It
// wins over OTEL_EXPORTER_OTLP_METRICS_INSECURE, OTEL_EXPORTER_OTLP_INSECURE
// and the endpoint's scheme; default TLS.
func WithInsecure(insecure bool) Option {
	return otlpOption{otlpconf.SetInsecure(insecure)}
}

// WithTimeout bounds each OTLP export request. It wins over
// OTEL_EXPORTER_OTLP_METRICS_TIMEOUT and OTEL_EXPORTER_OTLP_TIMEOUT;
// default 10s. A negative value is an error; zero is as if the option
// were not given (it is not "no limit").
func WithTimeout(d time.Duration) Option {
	return otlpOption{otlpconf.SetTimeout(d)}
}

// WithCompression sets OTLP compression, "gzip" or "none". It wins over
// OTEL_EXPORTER_OTLP_METRICS_COMPRESSION and OTEL_EXPORTER_OTLP_COMPRESSION;
// default "none".
func WithCompression(compression string) Option {
	return otlpOption{otlpconf.SetCompression(compression)}
}

// WithConsoleWriter sets where the "console" exporter writes; default
// os.Stdout.
func WithConsoleWriter(w io.Writer) Option {
	return otlpOption{otlpconf.SetConsole(w)}
}

// WithOTLPOverrides is how otel.Init hands its OTLP settings
// (WithOTLPEndpoint, WithMetricsExporter, …) to this package, with the
// names of its options for the errors: each setting it holds wins over the
// one given by WithEndpoint, WithExporter, …. Its argument type is internal
// to otelkit, so other callers use those options instead.
func WithOTLPOverrides(o otlpconf.Overrides) Option {
	return optionFunc(func(c config) config { c.otlp = c.otlp.Merge(o); return c })
}

// WithExportInterval sets how often push exporters (OTLP, console) export.
// It wins over OTEL_METRIC_EXPORT_INTERVAL (milliseconds); default 60s. It
// must be positive.
func WithExportInterval(d time.Duration) Option {
	return optionFunc(func(c config) config {
		c.exportInterval, c.errs = d, positive(c.errs, "WithExportInterval", d)
		return c
	})
}

// WithExportTimeout bounds one export of a push exporter. It wins over
// OTEL_METRIC_EXPORT_TIMEOUT (milliseconds); default 30s. It must be
// positive.
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config {
		c.exportTimeout, c.errs = d, positive(c.errs, "WithExportTimeout", d)
		return c
	})
}

// positive adds to errs the error of an option whose duration d must be
// positive and is not.
func positive(errs []error, option string, d time.Duration) []error {
	if d > 0 {
		return errs
	}
	return append(errs, env.OptionError(option, d.String(), "a positive duration"))
}

// WithoutRuntimeMetrics turns off the Go runtime metrics (go.memory.used,
// go.goroutine.count, ...) that are on by default.
func WithoutRuntimeMetrics() Option {
	return optionFunc(func(c config) config { c.noRuntime = true; return c })
}

// WithInstrumentation makes NewMeterProvider call start with the provider
// it built, as it starts the runtime metrics: for instrumentation that
// takes a meter provider (hostmetrics.Enable is one). If start returns an
// error or panics, NewMeterProvider shuts the provider down (closing the
// Prometheus listener) and returns that error, or one that quotes the
// panic.
// Repeated calls add more, started in order, the same instrumentation
// twice too (which counts its points twice: see WithNamedInstrumentation;
// the runtime metrics are started already unless WithoutRuntimeMetrics).
// A nil start is a ConfigError. None by default.
func WithInstrumentation(start func(metric.MeterProvider) error) Option {
	return withInstrumentation("WithInstrumentation", "", start)
}

// WithNamedInstrumentation is WithInstrumentation for instrumentation that
// must start once per provider: of the options that share a name, only
// the first is started, so that one given twice (in an options list a
// program shares, and by the program) does not register the same
// instruments twice, which would count every point of their counters
// twice. name is, by convention, the instrumentation's scope name
// (hostmetrics.Enable uses host.ScopeName); another provider starts its
// own. An empty name or a nil start is a ConfigError.
func WithNamedInstrumentation(name string, start func(metric.MeterProvider) error) Option {
	if name == "" {
		return optionFunc(func(c config) config {
			c.errs = append(c.errs, env.OptionError("WithNamedInstrumentation", "", "a name, such as the instrumentation's scope name"))
			return c
		})
	}
	return withInstrumentation("WithNamedInstrumentation", name, start)
}

// instrumentation is what WithInstrumentation (name "") or
// WithNamedInstrumentation added.
type instrumentation struct {
	name  string
	start func(metric.MeterProvider) error
}

// withInstrumentation adds start under name, unless an earlier option
// added an instrumentation of that name (see WithNamedInstrumentation).
func withInstrumentation(option, name string, start func(metric.MeterProvider) error) Option {
	return optionFunc(func(c config) config {
		if start == nil {
			c.errs = append(c.errs, env.OptionError(option, "nil", "a function that starts instrumentation"))
			return c
		}
		if name != "" && slices.ContainsFunc(c.instrumentation, func(in instrumentation) bool { return in.name == name }) {
			return c
		}
		c.instrumentation = append(c.instrumentation, instrumentation{name: name, start: start})
		return c
	})
}

// WithWarningHandler receives what is accepted with a warning rather than
// refused (a deprecated variable); default otel.Handle, the OpenTelemetry
// global error handler. It may be given more than once: each handler is
// called, in order. otel.Init adds one that writes these as
// otelkit_config_warning lines.
func WithWarningHandler(h func(error)) Option {
	return optionFunc(func(c config) config { c.warn = option.Append(c.warn, h); return c })
}

// WithOverflowHandler is called once for each instrument (its scope and
// name) whose exported or scraped data holds the overflow series
// (OverflowAttribute), with the provider's cardinality limit: the SDK keeps
// limit-1 attribute sets of an instrument and aggregates the measurements
// of any further set into that one series, so the totals stay right but
// their attributes are lost, and the SDK says nothing. At most 1000
// instruments are reported; data read by a reader of your own (WithReader)
// is not watched. Repeated calls add handlers, each called; a nil h is
// ignored, and a panic in h goes to otel.Handle. Default none; otel.Init adds one that writes a
// metric_cardinality_limit_reached warning line and lists the instrument
// in its HealthHandler.
func WithOverflowHandler(h func(scope, instrument string, limit int)) Option {
	return optionFunc(func(c config) config { c.overflow = option.Append(c.overflow, h); return c })
}

// WithDropHandler receives the data points that are not exported and why:
// "too_large" (otel.DropTooLarge), a data point too large for an OTLP
// export on its own (see the package doc). It is called on the periodic
// reader's goroutine: it must be fast and must not block. Data points
// lost in a failed export are not reported here: the exporter's error is
// (otel.Handle, ForceFlush, Shutdown); wrap the exporter
// (WithExporterWrapper) to count them, except those of a collection
// Shutdown does not export (see Shutdown in the package doc), which only
// Shutdown's error counts. Repeated calls add handlers, each
// called in order; a nil h is ignored, and a panic in h goes to
// otel.Handle. Default none; otel.Init adds one that feeds HealthHandler
// and the telemetry_dropped warning.
func WithDropHandler(h func(reason string, n int)) Option {
	return optionFunc(func(c config) config { c.onDrop = option.Append(c.onDrop, h); return c })
}

// WithCardinalityLimit caps the distinct attribute sets each instrument keeps
// per collection cycle; measurements past the cap are aggregated into one
// series carrying otel.metric.overflow=true. It wins over
// OTEL_GO_X_CARDINALITY_LIMIT (which the SDK deprecated: NewMeterProvider
// still applies it, as the SDK does, with a warning); default 2000, the
// SDK's. Zero means no limit (not recommended); negative values are an
// error.
func WithCardinalityLimit(n int) Option {
	return optionFunc(func(c config) config {
		if n < 0 {
			c.errs = append(c.errs, env.OptionError("WithCardinalityLimit", strconv.Itoa(n), "an integer >= 0 (0 means no limit)"))
		}
		c.cardinalityLimit = &n
		return c
	})
}

// WithExemplarFilter selects which measurements may become exemplars:
// "trace_based" (default: only those recorded inside a sampled span),
// "always_on" or "always_off". It wins over OTEL_METRICS_EXEMPLAR_FILTER.
func WithExemplarFilter(name string) Option {
	return optionFunc(func(c config) config { c.exemplarFilter = name; return c })
}

// WithPrometheusAddr sets the host:port the Prometheus listener binds (port
// 0 picks a free port, see Provider.PrometheusAddr; an empty host means
// localhost, not every interface). It wins over
// OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT; the
// default localhost:9464.
func WithPrometheusAddr(hostport string) Option {
	return optionFunc(func(c config) config { c.promAddr = hostport; return c })
}

// WithoutPrometheusServer keeps the Prometheus exporter but starts no
// listener: mount Provider.Handler on your own mux instead.
func WithoutPrometheusServer() Option {
	return optionFunc(func(c config) config { c.promNoServer = true; return c })
}

// WithExporterWrapper makes NewMeterProvider pass each push exporter it
// builds (OTLP and console) through wrap and give the periodic reader what
// wrap returns. Use it to observe exports, e.g. to count data points
// exported and failed: the returned exporter must forward every method
// (embedding the sdkmetric.Exporter it is given does that). The exporter
// wrap gets already receives valid UTF-8 only (invalid bytes in attributes,
// exemplars, descriptions, scope or resource become U+FFFD). The Prometheus
// exporter is pulled, not pushed, and is not wrapped. It may be given more
// than once: each wrapper wraps what the one before returned, the first
// given innermost (otel.Init adds its own, which counts exports for the
// health document, outermost); nil is ignored. A collection Shutdown
// does not export (see Shutdown in the package doc) never reaches wrap's
// exporter. If wrap returns nil,
// NewMeterProvider returns a ConfigError. tracing and otelkit's log
// provider take a wrapper of the same shape.
func WithExporterWrapper(wrap func(sdkmetric.Exporter) sdkmetric.Exporter) Option {
	return optionFunc(func(c config) config { c.wraps = option.Append(c.wraps, wrap); return c })
}

// settings is the validated, effective configuration.
type settings struct {
	exporter ExporterConfig // the exporters in use and the OTLP settings

	interval, timeout time.Duration // the periodic reader's
	cardinalityLimit  int
	exemplarFilter    exemplar.Filter
	exemplarName      string
	promAddr          string
}

// resolve applies option > environment > default and validates every
// value, returning every invalid one, joined.
func (c config) resolve(src env.Source) (settings, error) {
	var s settings
	var errs [7]error
	if c.noExporterNamed && c.otlp.Exporter == "" {
		errs[0] = env.OptionError("WithExporter", "", otlpconf.MetricsExportersAllowed)
	}
	// The OTLP settings are validated even when no OTLP exporter is on: a
	// bad variable is never silent.
	s.exporter, errs[1] = otlpconf.Resolve(src, otlpconf.Metrics, c.otlp)
	s.interval, errs[2] = durationSetting(src, c.exportInterval, envInterval)
	s.timeout, errs[3] = durationSetting(src, c.exportTimeout, envTimeout)
	s.interval, s.timeout = cmp.Or(s.interval, defaultInterval), cmp.Or(s.timeout, defaultTimeout)
	s.cardinalityLimit, errs[4] = c.cardinality(src)
	s.exemplarFilter, s.exemplarName, errs[5] = c.exemplar(src)
	// The Prometheus address is validated even when the exporter is off, so
	// a typo never waits for the day someone turns it on.
	s.promAddr, errs[6] = c.prometheusAddr(src)
	return s, errors.Join(append(c.errs, errs[:]...)...)
}

// The periodic reader's defaults (the specification's).
const (
	defaultInterval = 60 * time.Second
	defaultTimeout  = 30 * time.Second
)

func durationSetting(src env.Source, opt time.Duration, name string) (time.Duration, error) {
	if opt > 0 {
		return opt, nil
	}
	d, _, err := src.Millis(name, time.Millisecond)
	return d, err
}

func (c config) cardinality(src env.Source) (int, error) {
	if c.cardinalityLimit != nil {
		return *c.cardinalityLimit, nil
	}
	n, set, err := src.Int(envCardinalityLimit, 0, math.MaxInt32)
	if !set || err != nil {
		return DefaultCardinalityLimit, err
	}
	c.warning(fmt.Errorf("otelkit: %s is deprecated by the OpenTelemetry Go SDK (since v1.38.0) and may stop working in a later release; "+
		"its value %d is applied: use metrics.WithCardinalityLimit instead (the default, %d, needs neither)", envCardinalityLimit, n, DefaultCardinalityLimit))
	return n, nil
}

// warning hands err to the warning handler (default otel.Handle).
func (c config) warning(err error) { env.Warner(c.warn...)(err) }

const exemplarFiltersAllowed = "trace_based, always_on or always_off"

func (c config) exemplar(src env.Source) (exemplar.Filter, string, error) {
	name, fromEnv := c.exemplarFilter, false
	if name == "" {
		name, fromEnv = src.String(envExemplarFilter)
	}
	switch strings.ToLower(name) {
	case "", "trace_based":
		return exemplar.TraceBasedFilter, "trace_based", nil
	case "always_on":
		return exemplar.AlwaysOnFilter, "always_on", nil
	case "always_off":
		return exemplar.AlwaysOffFilter, "always_off", nil
	}
	if fromEnv {
		return exemplar.TraceBasedFilter, "", &env.Error{Var: envExemplarFilter, Value: name, Allowed: exemplarFiltersAllowed}
	}
	return exemplar.TraceBasedFilter, "", env.OptionError("WithExemplarFilter", name, exemplarFiltersAllowed)
}

func (c config) prometheusAddr(src env.Source) (string, error) {
	if c.promAddr != "" {
		host, port, err := net.SplitHostPort(c.promAddr)
		if err == nil {
			_, err = strconv.ParseUint(port, 10, 16)
		}
		if err != nil {
			return "", &env.Error{Option: "WithPrometheusAddr", Value: c.promAddr,
				Allowed: "host:port with a port from 0 to 65535", Err: err}
		}
		if host == "" {
			host = DefaultPrometheusHost
		}
		return net.JoinHostPort(host, port), nil
	}
	host, ok := src.String(envPromHost)
	if !ok {
		host = DefaultPrometheusHost
	} else if strings.ContainsAny(host, "/ :") && net.ParseIP(host) == nil {
		return "", &env.Error{Var: envPromHost, Value: host, Allowed: "a host name or IP address, without port"}
	}
	port, set, err := src.Int(envPromPort, 0, 65535)
	if err != nil {
		return "", err
	}
	if !set {
		port = DefaultPrometheusPort
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}
