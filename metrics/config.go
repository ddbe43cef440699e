package metrics

import (
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/env"
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

// config is the unexported configuration New builds from options.
type config struct {
	lookup   env.LookupFunc
	resource *resource.Resource
	readers  []sdkmetric.Reader
	views    []sdkmetric.View

	exporters []string // nil: not set

	// OTLP / console overrides; zero values mean "not set".
	endpoint    string
	protocol    string
	headers     map[string]string
	insecure    *bool
	timeout     time.Duration
	compression string
	console     io.Writer

	exportInterval time.Duration // 0: not set
	exportTimeout  time.Duration // 0: not set

	noRuntime   bool
	hostMetrics bool
	noHostGuard bool // WithoutHostGuard (provider.go)

	cardinalityLimit *int
	exemplarFilter   string // "" not set

	promAddr     string // "" not set
	promNoServer bool

	wrap func(name string, exp sdkmetric.Exporter) sdkmetric.Exporter // nil: none

	errs []error // option misuse found while applying options
}

// Option configures New.
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			c = o.apply(c)
		}
	}
	return c
}

// WithEnvLookup makes New read environment variables through f instead of
// os.LookupEnv (for tests, or to feed configuration from elsewhere). It
// covers every variable this package validates and passes on explicitly;
// the OTLP exporter still reads its own OTEL_EXPORTER_OTLP_* variables.
func WithEnvLookup(f func(string) (string, bool)) Option {
	return optionFunc(func(c config) config { c.lookup = f; return c })
}

// WithResource sets the resource every metric carries. Default: the SDK's
// default resource merged with OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(c config) config { c.resource = r; return c })
}

// WithReader adds a reader beside the exporters the configuration selects.
// With WithExporter("none") it is the only reader, which is how tests read
// metrics from memory with sdkmetric.NewManualReader.
func WithReader(r sdkmetric.Reader) Option {
	return optionFunc(func(c config) config {
		if r != nil {
			c.readers = append(c.readers, r)
		}
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
// separated. It wins over OTEL_METRICS_EXPORTER; the default is "otlp".
func WithExporter(names ...string) Option {
	return optionFunc(func(c config) config {
		c.exporters = append([]string{}, names...)
		if c.exporters == nil {
			c.exporters = []string{}
		}
		return c
	})
}

// WithEndpoint sets the OTLP endpoint: a URL ("http://collector:4318"; a URL
// without path gets /v1/metrics appended for http/protobuf) or host:port. It
// wins over OTEL_EXPORTER_OTLP_METRICS_ENDPOINT and
// OTEL_EXPORTER_OTLP_ENDPOINT; the default is the SDK's (localhost:4318 for
// http/protobuf, localhost:4317 for grpc).
func WithEndpoint(endpoint string) Option {
	return optionFunc(func(c config) config { c.endpoint = endpoint; return c })
}

// WithProtocol sets the OTLP protocol, "grpc" or "http/protobuf". It wins
// over OTEL_EXPORTER_OTLP_METRICS_PROTOCOL and OTEL_EXPORTER_OTLP_PROTOCOL;
// the default is "http/protobuf".
func WithProtocol(protocol string) Option {
	return optionFunc(func(c config) config { c.protocol = protocol; return c })
}

// WithHeaders sets headers sent with every OTLP export (never logged). They
// win over OTEL_EXPORTER_OTLP_METRICS_HEADERS and OTEL_EXPORTER_OTLP_HEADERS.
func WithHeaders(h map[string]string) Option {
	if h == nil {
		return optionFunc(func(c config) config { c.headers = nil; return c })
	}
	cp := make(map[string]string, len(h))
	for k, v := range h {
		cp[k] = v
	}
	return headersOption(cp)
}

// headersOption is WithHeaders' option. Its OTLPHeaders method lets
// otel.Init, given it through WithMetricsOptions, scrub the values from
// exporter errors.
type headersOption map[string]string

func (h headersOption) apply(c config) config { c.headers = h; return c }

// OTLPHeaders returns the headers (not to be changed).
func (h headersOption) OTLPHeaders() map[string]string { return h }

// WithInsecure turns TLS off (true) or on (false) for the OTLP exporter. It
// wins over OTEL_EXPORTER_OTLP_METRICS_INSECURE and OTEL_EXPORTER_OTLP_INSECURE.
func WithInsecure(insecure bool) Option {
	return optionFunc(func(c config) config { c.insecure = &insecure; return c })
}

// WithTimeout bounds each OTLP export request. It wins over
// OTEL_EXPORTER_OTLP_METRICS_TIMEOUT and OTEL_EXPORTER_OTLP_TIMEOUT (default
// 10 s). It must be positive.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config { c.timeout = d; return c })
}

// WithCompression sets OTLP compression, "gzip" or "none". It wins over
// OTEL_EXPORTER_OTLP_METRICS_COMPRESSION and OTEL_EXPORTER_OTLP_COMPRESSION.
func WithCompression(compression string) Option {
	return optionFunc(func(c config) config { c.compression = compression; return c })
}

// WithConsoleWriter sets where the "console" exporter writes (default
// os.Stdout).
func WithConsoleWriter(w io.Writer) Option {
	return optionFunc(func(c config) config { c.console = w; return c })
}

// WithExportInterval sets how often push exporters (OTLP, console) export.
// It wins over OTEL_METRIC_EXPORT_INTERVAL (milliseconds); the default is
// 60 s. It must be positive.
func WithExportInterval(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("otelkit/metrics: WithExportInterval(%v): must be positive", d))
		}
		c.exportInterval = d
		return c
	})
}

// WithExportTimeout bounds one export of a push exporter. It wins over
// OTEL_METRIC_EXPORT_TIMEOUT (milliseconds); the default is 30 s. It must be
// positive.
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Errorf("otelkit/metrics: WithExportTimeout(%v): must be positive", d))
		}
		c.exportTimeout = d
		return c
	})
}

// WithoutRuntimeMetrics turns off the Go runtime metrics (go.memory.used,
// go.goroutine.count, ...) that are on by default.
func WithoutRuntimeMetrics() Option {
	return optionFunc(func(c config) config { c.noRuntime = true; return c })
}

// WithHostMetrics turns on host and process metrics (CPU time, memory,
// network I/O) from the OpenTelemetry contrib host instrumentation. Off by
// default.
func WithHostMetrics() Option {
	return optionFunc(func(c config) config { c.hostMetrics = true; return c })
}

// WithCardinalityLimit caps the distinct attribute sets each instrument keeps
// per collection cycle; measurements past the cap are aggregated into one
// series carrying otel.metric.overflow=true. It wins over
// OTEL_GO_X_CARDINALITY_LIMIT; the default is 2000. Zero means no limit (not
// recommended); negative values are an error.
func WithCardinalityLimit(n int) Option {
	return optionFunc(func(c config) config {
		if n < 0 {
			c.errs = append(c.errs, fmt.Errorf("otelkit/metrics: WithCardinalityLimit(%d): must be >= 0 (0 means no limit)", n))
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
// default is localhost:9464.
func WithPrometheusAddr(hostport string) Option {
	return optionFunc(func(c config) config { c.promAddr = hostport; return c })
}

// WithoutPrometheusServer keeps the Prometheus exporter but starts no
// listener: mount Provider.Handler on your own mux instead.
func WithoutPrometheusServer() Option {
	return optionFunc(func(c config) config { c.promNoServer = true; return c })
}

// WithExporterWrapper makes New pass each push exporter it builds (OTLP and
// console; name is "otlp" or "console") through wrap and give the periodic
// reader what wrap returns. Use it to observe exports, e.g. to count data
// points exported and failed: the returned exporter must forward every
// method (embedding the sdkmetric.Exporter it is given does that). The
// exporter wrap gets already receives valid UTF-8 only (invalid bytes in
// attributes, exemplars, descriptions, scope or resource become U+FFFD).
// The Prometheus exporter is pulled, not pushed, and is not wrapped. A later
// call replaces an earlier one; nil removes the wrapper. If wrap returns
// nil, New returns an error.
func WithExporterWrapper(wrap func(name string, exp sdkmetric.Exporter) sdkmetric.Exporter) Option {
	return optionFunc(func(c config) config { c.wrap = wrap; return c })
}

// settings is the validated, effective configuration.
type settings struct {
	otlp, prometheus, console bool
	exporterSource            string

	interval, timeout time.Duration // 0: SDK default
	cardinalityLimit  int
	exemplarFilter    exemplar.Filter
	exemplarName      string
	promAddr          string
}

// resolve applies option > environment > default and validates every value.
func (c config) resolve(src env.Source) (settings, error) {
	var s settings
	if len(c.errs) > 0 {
		return s, c.errs[0]
	}

	// Exporters.
	var names []string
	s.exporterSource = "default"
	switch {
	case c.exporters != nil:
		s.exporterSource = "option"
		if len(c.exporters) == 0 {
			return s, exporterError(s.exporterSource, "")
		}
		for _, n := range c.exporters {
			names = append(names, strings.Split(n, ",")...)
		}
	default:
		if v, ok := src.String(envExporter); ok {
			s.exporterSource = "env:" + envExporter
			names = strings.Split(v, ",")
		} else {
			names = []string{ExporterOTLP}
		}
	}
	seen := map[string]bool{}
	for _, raw := range names {
		n := strings.ToLower(strings.TrimSpace(raw))
		switch n {
		case ExporterOTLP, ExporterPrometheus, ExporterConsole, ExporterNone:
			seen[n] = true
		default:
			return s, exporterError(s.exporterSource, strings.Join(names, ","))
		}
	}
	if seen[ExporterNone] && len(seen) > 1 {
		return s, exporterError(s.exporterSource, strings.Join(names, ","))
	}
	s.otlp, s.prometheus, s.console = seen[ExporterOTLP], seen[ExporterPrometheus], seen[ExporterConsole]

	// Export interval and timeout.
	var err error
	if s.interval, err = durationSetting(src, c.exportInterval, envInterval); err != nil {
		return s, err
	}
	if s.timeout, err = durationSetting(src, c.exportTimeout, envTimeout); err != nil {
		return s, err
	}

	// Cardinality limit.
	s.cardinalityLimit = DefaultCardinalityLimit
	if c.cardinalityLimit != nil {
		s.cardinalityLimit = *c.cardinalityLimit
	} else if n, set, err := src.Int(envCardinalityLimit, 0, math.MaxInt32); err != nil {
		return s, err
	} else if set {
		s.cardinalityLimit = n
	}

	// Exemplar filter.
	name, from := c.exemplarFilter, "WithExemplarFilter"
	if name == "" {
		from = envExemplarFilter
		name, _ = src.String(envExemplarFilter)
	}
	switch strings.ToLower(name) {
	case "", "trace_based":
		s.exemplarFilter, s.exemplarName = exemplar.TraceBasedFilter, "trace_based"
	case "always_on":
		s.exemplarFilter, s.exemplarName = exemplar.AlwaysOnFilter, "always_on"
	case "always_off":
		s.exemplarFilter, s.exemplarName = exemplar.AlwaysOffFilter, "always_off"
	default:
		if from == envExemplarFilter {
			return s, &env.Error{Var: envExemplarFilter, Value: name, Allowed: "trace_based, always_on or always_off"}
		}
		return s, fmt.Errorf("otelkit/metrics: WithExemplarFilter(%q): allowed: trace_based, always_on or always_off", name)
	}

	// Prometheus address (validated even when the exporter is off, so a
	// typo never waits for the day someone turns it on).
	if s.promAddr, err = c.prometheusAddr(src); err != nil {
		return s, err
	}
	return s, nil
}

func exporterError(source, value string) error {
	allowed := "otlp, prometheus, console or none (several comma separated; none alone)"
	if source == "option" {
		return fmt.Errorf("otelkit/metrics: WithExporter(%q): allowed: %s", value, allowed)
	}
	return &env.Error{Var: envExporter, Value: value, Allowed: allowed}
}

func durationSetting(src env.Source, opt time.Duration, name string) (time.Duration, error) {
	if opt > 0 {
		return opt, nil
	}
	d, _, err := src.Millis(name, time.Millisecond)
	return d, err
}

func (c config) prometheusAddr(src env.Source) (string, error) {
	if c.promAddr != "" {
		host, port, err := net.SplitHostPort(c.promAddr)
		if err == nil {
			_, err = strconv.ParseUint(port, 10, 16)
		}
		if err != nil {
			return "", fmt.Errorf("otelkit/metrics: WithPrometheusAddr(%q): want host:port with a port from 0 to 65535: %w", c.promAddr, err)
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
