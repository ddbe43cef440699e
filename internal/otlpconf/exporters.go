package otlpconf

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutlog"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/scrub"
)

// plan is what an exporter constructor passes to the SDK: only what was set
// in code, plus what the SDK could not take from env itself (TLS files it
// would otherwise ignore silently are validated and passed as they are).
type plan struct {
	endpointURL  string // full URL (scheme decides TLS); "" -> SDK reads its env
	grpcEndpoint string // host:port for gRPC; "" -> SDK reads its env
	grpcInsecure *bool  // gRPC transport choice; nil -> SDK reads its env
	headers      map[string]string
	scrub        *scrub.Scrubber // the values of the headers in effect, kept out of export errors (guard)
	timeout      time.Duration   // 0 -> SDK reads its env (gRPC)
	httpTimeout  time.Duration   // OTLP/HTTP: the resolved timeout, per export and per request
	compression  string
	tlsConfig    *tls.Config
	console      io.Writer
	jsonEncoding bool
}

func newPlan(o Overrides, r Resolved) *plan {
	p := &plan{console: o.Console, scrub: scrub.New(slices.Collect(maps.Values(r.headers)))}
	if p.console == nil {
		p.console = os.Stdout
	}
	// What an option or a variable set is passed on, so that the exporter
	// does what Resolved (and otel's HealthHandler) says, whatever its own
	// reading of the process environment would make of it: that reading
	// is case-sensitive where the specification is not, and a Source other
	// than the process environment is not what it reads (then the defaults
	// are passed too).
	explicit := func(key string) bool { return r.Sources[key] != SourceDefault || !r.process }
	if r.endpointURL != nil && (explicit(KeyEndpoint) || explicit(KeyInsecure)) {
		if r.Protocol == ProtocolGRPC {
			ins := r.Insecure
			p.grpcEndpoint, p.grpcInsecure = r.endpointURL.Host, &ins
		} else {
			p.endpointURL = r.endpointURL.String()
		}
	}
	if explicit(KeyHeaders) {
		p.headers = r.headers
		if p.headers == nil {
			p.headers = map[string]string{}
		}
	}
	if explicit(KeyTimeout) {
		p.timeout = r.Timeout
	}
	p.httpTimeout = r.Timeout
	p.compression = compressionToPass(r)
	if !r.Insecure {
		p.tlsConfig = r.tlsConfig
	}
	p.jsonEncoding = r.Protocol == ProtocolHTTPJSON
	return p
}

// compressionToPass returns the compression to pass to the SDK exporter,
// "" when it would use the resolved one by itself: it reads
// OTEL_EXPORTER_OTLP_[SIGNAL_]COMPRESSION from the process environment
// and compresses only for exactly "gzip". "none" is passed only to undo a
// gzip it would read, since the gRPC exporters report "none" as an invalid
// compressor (while applying it).
func compressionToPass(r Resolved) string {
	sdkGzip := sdkReadsGzip(r.Signal)
	switch {
	case r.Compression == "gzip" && !sdkGzip:
		return "gzip"
	case r.Compression != "gzip" && sdkGzip:
		return "none"
	}
	return ""
}

// sdkReadsGzip reports whether the SDK exporters of sig, left to
// themselves, would compress with gzip: the per-signal variable wins over
// the generic one, blanks are unset, and only "gzip" compresses.
func sdkReadsGzip(sig Signal) bool {
	generic, per := envNames(sig, "COMPRESSION")
	for _, n := range []string{per, generic} {
		if v := strings.TrimSpace(os.Getenv(n)); v != "" {
			return v == "gzip"
		}
	}
	return false
}

// httpClient is the OTLP/HTTP exporters' client (see newHTTPClient): it
// carries the TLS settings and the timeout, which the SDK then ignores.
func (p *plan) httpClient() *http.Client { return newHTTPClient(p.tlsConfig, p.httpTimeout) }

func (p *plan) grpcCredentials() credentials.TransportCredentials {
	cfg := p.tlsConfig
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return credentials.NewTLS(cfg)
}

// grpcOptions are one signal's OTLP/gRPC exporter options; the three
// exporter packages have the same ones.
type grpcOptions[O any] struct {
	dial        func(...grpc.DialOption) O
	endpoint    func(string) O
	insecure    func() O
	credentials func(credentials.TransportCredentials) O
	headers     func(map[string]string) O
	timeout     func(time.Duration) O
	compressor  func(string) O
}

// from returns the options for what p sets; what it leaves unset the
// exporter reads from its environment itself.
func (g grpcOptions[O]) from(p *plan) []O {
	opts := []O{g.dial(grpcDialOptions()...)}
	if p.grpcEndpoint != "" {
		opts = append(opts, g.endpoint(p.grpcEndpoint))
	}
	if p.grpcInsecure != nil && *p.grpcInsecure {
		opts = append(opts, g.insecure())
	} else if p.grpcInsecure != nil || p.tlsConfig != nil {
		opts = append(opts, g.credentials(p.grpcCredentials()))
	}
	if p.headers != nil {
		opts = append(opts, g.headers(p.headers))
	}
	if p.timeout > 0 {
		opts = append(opts, g.timeout(p.timeout))
	}
	if p.compression != "" {
		opts = append(opts, g.compressor(p.compression))
	}
	return opts
}

// httpOptions are one signal's OTLP/HTTP exporter options; gzip maps the
// compression onto the package's own constants.
type httpOptions[O any] struct {
	client      func(*http.Client) O
	endpointURL func(string) O
	headers     func(map[string]string) O
	gzip        func(bool) O
}

func (h httpOptions[O]) from(p *plan) []O {
	opts := []O{h.client(p.httpClient())}
	if p.endpointURL != "" {
		opts = append(opts, h.endpointURL(p.endpointURL))
	}
	if p.headers != nil {
		opts = append(opts, h.headers(p.headers))
	}
	if p.compression != "" {
		opts = append(opts, h.gzip(p.compression == "gzip"))
	}
	return opts
}

var (
	spanGRPC = grpcOptions[otlptracegrpc.Option]{otlptracegrpc.WithDialOption, otlptracegrpc.WithEndpoint,
		otlptracegrpc.WithInsecure, otlptracegrpc.WithTLSCredentials, otlptracegrpc.WithHeaders,
		otlptracegrpc.WithTimeout, otlptracegrpc.WithCompressor}
	metricGRPC = grpcOptions[otlpmetricgrpc.Option]{otlpmetricgrpc.WithDialOption, otlpmetricgrpc.WithEndpoint,
		otlpmetricgrpc.WithInsecure, otlpmetricgrpc.WithTLSCredentials, otlpmetricgrpc.WithHeaders,
		otlpmetricgrpc.WithTimeout, otlpmetricgrpc.WithCompressor}
	logGRPC = grpcOptions[otlploggrpc.Option]{otlploggrpc.WithDialOption, otlploggrpc.WithEndpoint,
		otlploggrpc.WithInsecure, otlploggrpc.WithTLSCredentials, otlploggrpc.WithHeaders,
		otlploggrpc.WithTimeout, otlploggrpc.WithCompressor}

	spanHTTP = httpOptions[otlptracehttp.Option]{otlptracehttp.WithHTTPClient, otlptracehttp.WithEndpointURL,
		otlptracehttp.WithHeaders, func(gzip bool) otlptracehttp.Option {
			return otlptracehttp.WithCompression(pick(gzip, otlptracehttp.GzipCompression, otlptracehttp.NoCompression))
		}}
	metricHTTP = httpOptions[otlpmetrichttp.Option]{otlpmetrichttp.WithHTTPClient, otlpmetrichttp.WithEndpointURL,
		otlpmetrichttp.WithHeaders, func(gzip bool) otlpmetrichttp.Option {
			return otlpmetrichttp.WithCompression(pick(gzip, otlpmetrichttp.GzipCompression, otlpmetrichttp.NoCompression))
		}}
	logHTTP = httpOptions[otlploghttp.Option]{otlploghttp.WithHTTPClient, otlploghttp.WithEndpointURL,
		otlploghttp.WithHeaders, func(gzip bool) otlploghttp.Option {
			return otlploghttp.WithCompression(pick(gzip, otlploghttp.GzipCompression, otlploghttp.NoCompression))
		}}
)

func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

// builders build one signal's exporters from a plan: console, OTLP/gRPC
// and OTLP/HTTP.
type builders[E any] struct {
	console func(p *plan) (E, error)
	grpc    func(ctx context.Context, p *plan) (E, error)
	http    func(ctx context.Context, p *plan) (E, error)
}

// build builds the exporter name ("otlp" or "console") for sig the same way
// for the three signals, from r, which must come from Resolve for sig
// without error.
func build[E any](ctx context.Context, r Resolved, sig Signal, name string, b builders[E]) (exp E, err error) {
	if r.plan == nil || r.Signal != sig {
		return exp, fmt.Errorf("otelkit: no valid %s exporter configuration (Resolve failed or was not called)", sig)
	}
	switch {
	case name == ExporterConsole:
		exp, err = b.console(r.plan)
	case name != ExporterOTLP:
		return exp, fmt.Errorf("otelkit: %q is not an exporter otelkit builds for %s", name, sig)
	case r.Protocol == ProtocolGRPC:
		exp, err = b.grpc(ctx, r.plan)
	default:
		exp, err = b.http(ctx, r.plan)
	}
	if err != nil {
		var none E
		return none, fmt.Errorf("otelkit: create %s %s exporter: %w", name, sig, err)
	}
	return exp, nil
}

// SpanExporter builds the span exporter r names (Resolve for Traces); nil
// for "none". What the options set is passed to the SDK exporter; what they
// leave unset is left to the exporter's own reading of the
// OTEL_EXPORTER_OTLP_* variables. It never waits for a connection.
func SpanExporter(ctx context.Context, r Resolved) (sdktrace.SpanExporter, error) {
	if r.Exporter == ExporterNone {
		return nil, nil
	}
	return build(ctx, r, Traces, r.Exporter, builders[sdktrace.SpanExporter]{
		console: func(p *plan) (sdktrace.SpanExporter, error) {
			return stdouttrace.New(stdouttrace.WithWriter(p.console))
		},
		grpc: func(ctx context.Context, p *plan) (sdktrace.SpanExporter, error) {
			exp, err := otlptracegrpc.New(ctx, spanGRPC.from(p)...)
			return exportwrap.Spans(exp, guard[[]sdktrace.ReadOnlySpan](p, false)), err
		},
		http: func(ctx context.Context, p *plan) (sdktrace.SpanExporter, error) {
			enc := pick(p.jsonEncoding, otlptracehttp.EncodingJSON, otlptracehttp.EncodingProtobuf)
			exp, err := otlptracehttp.New(ctx, append(spanHTTP.from(p), otlptracehttp.WithEncoding(enc))...)
			return exportwrap.Spans(exp, guard[[]sdktrace.ReadOnlySpan](p, true)), err
		},
	})
}

// TemporalitySelector returns the selector the specification defines for
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE ("cumulative", "delta",
// "lowmemory"); nil for anything else.
func TemporalitySelector(preference string) sdkmetric.TemporalitySelector {
	switch preference {
	case "cumulative":
		return sdkmetric.DefaultTemporalitySelector
	case "delta": // delta but for the up-down counters
		return temporalityBut(metricdata.DeltaTemporality, metricdata.CumulativeTemporality,
			sdkmetric.InstrumentKindUpDownCounter, sdkmetric.InstrumentKindObservableUpDownCounter)
	case "lowmemory": // cumulative but for the synchronous counters and histograms
		return temporalityBut(metricdata.CumulativeTemporality, metricdata.DeltaTemporality,
			sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindHistogram)
	}
	return nil
}

// temporalityBut selects t for every instrument kind but kinds, which get
// other.
func temporalityBut(t, other metricdata.Temporality, kinds ...sdkmetric.InstrumentKind) sdkmetric.TemporalitySelector {
	return func(k sdkmetric.InstrumentKind) metricdata.Temporality {
		if slices.Contains(kinds, k) {
			return other
		}
		return t
	}
}

// withTemporality adds the option that sets t, unless t is nil (the SDK
// default then stays).
func withTemporality[O any](opts []O, t sdkmetric.TemporalitySelector, option func(sdkmetric.TemporalitySelector) O) []O {
	if t == nil {
		return opts
	}
	return append(opts, option(t))
}

// AggregationSelector returns the selector the specification defines for
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION
// ("explicit_bucket_histogram", "base2_exponential_bucket_histogram", with
// the SDK's own maximum size 160 and scale 20); nil for anything else.
func AggregationSelector(histogram string) sdkmetric.AggregationSelector {
	switch histogram {
	case "explicit_bucket_histogram":
		return sdkmetric.DefaultAggregationSelector
	case "base2_exponential_bucket_histogram":
		return func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
			if k == sdkmetric.InstrumentKindHistogram {
				return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
			}
			return sdkmetric.DefaultAggregationSelector(k)
		}
	}
	return nil
}

// withAggregation adds the option that sets a, unless a is nil.
func withAggregation[O any](opts []O, a sdkmetric.AggregationSelector, option func(sdkmetric.AggregationSelector) O) []O {
	if a == nil {
		return opts
	}
	return append(opts, option(a))
}

// MetricExporter builds the push exporter name ("otlp" or "console", one
// of r.Exporters) with the settings r holds (Resolve for Metrics).
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, when set, chooses the
// temporality; otherwise the SDK default (cumulative) stays.
func MetricExporter(ctx context.Context, r Resolved, name string) (sdkmetric.Exporter, error) {
	var temporality sdkmetric.TemporalitySelector
	var aggregation sdkmetric.AggregationSelector
	// Passed when set (the console exporter reads no variable at all), or
	// when the SDK's own reading of the process environment is not what
	// was resolved.
	if r.Sources[KeyTemporality] != SourceDefault || !r.process {
		temporality = TemporalitySelector(r.Temporality)
	}
	if r.Sources[KeyHistogram] != SourceDefault || !r.process {
		aggregation = AggregationSelector(r.Histogram)
	}
	return build(ctx, r, Metrics, name, builders[sdkmetric.Exporter]{
		console: func(p *plan) (sdkmetric.Exporter, error) {
			opts := withTemporality([]stdoutmetric.Option{stdoutmetric.WithWriter(p.console)}, temporality, stdoutmetric.WithTemporalitySelector)
			return stdoutmetric.New(withAggregation(opts, aggregation, stdoutmetric.WithAggregationSelector)...)
		},
		grpc: func(ctx context.Context, p *plan) (sdkmetric.Exporter, error) {
			opts := withTemporality(metricGRPC.from(p), temporality, otlpmetricgrpc.WithTemporalitySelector)
			exp, err := otlpmetricgrpc.New(ctx, withAggregation(opts, aggregation, otlpmetricgrpc.WithAggregationSelector)...)
			return exportwrap.Metrics(exp, guard[*metricdata.ResourceMetrics](p, false)), err
		},
		http: func(ctx context.Context, p *plan) (sdkmetric.Exporter, error) {
			opts := withTemporality(metricHTTP.from(p), temporality, otlpmetrichttp.WithTemporalitySelector)
			exp, err := otlpmetrichttp.New(ctx, withAggregation(opts, aggregation, otlpmetrichttp.WithAggregationSelector)...)
			return exportwrap.Metrics(exp, guard[*metricdata.ResourceMetrics](p, true)), err
		},
	})
}

// LogExporter builds the log record exporter r names (Resolve for Logs);
// nil for "none". It never waits for a connection.
func LogExporter(ctx context.Context, r Resolved) (sdklog.Exporter, error) {
	if r.Exporter == ExporterNone {
		return nil, nil
	}
	return build(ctx, r, Logs, r.Exporter, builders[sdklog.Exporter]{
		console: func(p *plan) (sdklog.Exporter, error) { return stdoutlog.New(stdoutlog.WithWriter(p.console)) },
		grpc: func(ctx context.Context, p *plan) (sdklog.Exporter, error) {
			exp, err := otlploggrpc.New(ctx, logGRPC.from(p)...)
			return exportwrap.Logs(exp, guard[[]sdklog.Record](p, false)), err
		},
		http: func(ctx context.Context, p *plan) (sdklog.Exporter, error) {
			exp, err := otlploghttp.New(ctx, logHTTP.from(p)...)
			return exportwrap.Logs(exp, guard[[]sdklog.Record](p, true)), err
		},
	})
}
