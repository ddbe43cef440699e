package otlpconf

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
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
	"google.golang.org/grpc/credentials"

	"github.com/otelkit/otelkit/internal/env"
)

// plan is what an exporter constructor passes to the SDK: only what was set
// in code, plus what the SDK could not take from env itself (TLS files it
// would otherwise ignore silently are validated and passed as they are).
type plan struct {
	endpointURL  string // full URL (scheme decides TLS); "" -> SDK reads its env
	grpcEndpoint string // host:port for gRPC; "" -> SDK reads its env
	grpcInsecure *bool  // gRPC transport choice; nil -> SDK reads its env
	headers      map[string]string
	timeout      time.Duration // 0 -> SDK reads its env (gRPC)
	httpTimeout  time.Duration // OTLP/HTTP: the resolved timeout, per export and per request
	compression  string
	tlsConfig    *tls.Config
	console      io.Writer
	jsonEncoding bool
}

func newPlan(o Overrides, r Resolved) plan {
	p := plan{headers: o.Headers, console: o.Console}
	if p.console == nil {
		p.console = os.Stdout
	}
	endpointOpt := r.Sources[KeyEndpoint] == SourceOption
	insecureOpt := r.Sources[KeyInsecure] == SourceOption
	if r.endpointURL != nil {
		if r.Protocol == ProtocolGRPC {
			if endpointOpt {
				p.grpcEndpoint = r.endpointURL.Host
			}
			if endpointOpt || insecureOpt {
				ins := r.Insecure
				p.grpcInsecure = &ins
			}
		} else if endpointOpt || insecureOpt {
			p.endpointURL = r.endpointURL.String()
		}
	}
	if o.Timeout > 0 {
		p.timeout = o.Timeout
	}
	p.httpTimeout = r.Timeout
	if r.Sources[KeyCompression] == SourceOption {
		// "none" is passed only to undo a gzip the environment asks for:
		// the gRPC exporters report "none" as an unknown compressor.
		if r.Compression == "gzip" || r.envCompression == "gzip" {
			p.compression = r.Compression
		}
	}
	if !r.Insecure {
		p.tlsConfig = r.tlsConfig
	}
	p.jsonEncoding = r.Protocol == ProtocolHTTPJSON
	return p
}

// httpClient is the OTLP/HTTP exporters' client (see newHTTPClient): it
// carries the TLS settings and the timeout, which the SDK then ignores.
func (p plan) httpClient() *http.Client { return newHTTPClient(p.tlsConfig, p.httpTimeout) }

func (p plan) grpcCredentials() credentials.TransportCredentials {
	cfg := p.tlsConfig
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return credentials.NewTLS(cfg)
}

// SpanExporter validates the configuration for traces (see Resolve) and
// builds the exporter it names. For "none" it returns (nil, resolved, nil).
// Options set in o are passed to the SDK exporter; what o leaves unset is
// left to the exporter's own reading of the OTEL_EXPORTER_OTLP_* variables.
// It never waits for a connection.
func SpanExporter(ctx context.Context, src env.Source, o Overrides) (sdktrace.SpanExporter, Resolved, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := Resolve(src, Traces, o)
	if err != nil {
		return nil, r, err
	}
	p := newPlan(o, r)
	var exp sdktrace.SpanExporter
	switch r.Exporter {
	case ExporterNone:
		return nil, r, nil
	case ExporterConsole:
		exp, err = stdouttrace.New(stdouttrace.WithWriter(p.console))
	case ExporterOTLP:
		if r.Protocol == ProtocolGRPC {
			opts := []otlptracegrpc.Option{otlptracegrpc.WithDialOption(grpcDialOptions()...)}
			if p.grpcEndpoint != "" {
				opts = append(opts, otlptracegrpc.WithEndpoint(p.grpcEndpoint))
			}
			if p.grpcInsecure != nil && *p.grpcInsecure {
				opts = append(opts, otlptracegrpc.WithInsecure())
			} else if p.grpcInsecure != nil || p.tlsConfig != nil {
				opts = append(opts, otlptracegrpc.WithTLSCredentials(p.grpcCredentials()))
			}
			if p.headers != nil {
				opts = append(opts, otlptracegrpc.WithHeaders(p.headers))
			}
			if p.timeout > 0 {
				opts = append(opts, otlptracegrpc.WithTimeout(p.timeout))
			}
			if p.compression != "" {
				opts = append(opts, otlptracegrpc.WithCompressor(p.compression))
			}
			exp, err = otlptracegrpc.New(ctx, opts...)
		} else {
			enc := otlptracehttp.EncodingProtobuf
			if p.jsonEncoding {
				enc = otlptracehttp.EncodingJSON
			}
			opts := []otlptracehttp.Option{otlptracehttp.WithEncoding(enc), otlptracehttp.WithHTTPClient(p.httpClient())}
			if p.endpointURL != "" {
				opts = append(opts, otlptracehttp.WithEndpointURL(p.endpointURL))
			}
			if p.headers != nil {
				opts = append(opts, otlptracehttp.WithHeaders(p.headers))
			}
			if p.compression != "" {
				opts = append(opts, otlptracehttp.WithCompression(httpTraceCompression(p.compression)))
			}
			var he sdktrace.SpanExporter
			if he, err = otlptracehttp.New(ctx, opts...); err == nil {
				exp = timeoutSpanExporter{he, p.httpTimeout}
			}
		}
	default:
		return nil, r, fmt.Errorf("otelkit: exporter %q is not available for traces", r.Exporter)
	}
	if err != nil {
		return nil, r, fmt.Errorf("otelkit: create %s span exporter: %w", r.Exporter, err)
	}
	return exp, r, nil
}

func httpTraceCompression(c string) otlptracehttp.Compression {
	if c == "gzip" {
		return otlptracehttp.GzipCompression
	}
	return otlptracehttp.NoCompression
}

// TemporalitySelector returns the selector the specification defines for
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE ("cumulative", "delta",
// "lowmemory"); nil for anything else.
func TemporalitySelector(preference string) sdkmetric.TemporalitySelector {
	switch preference {
	case "cumulative":
		return sdkmetric.DefaultTemporalitySelector
	case "delta":
		return func(k sdkmetric.InstrumentKind) metricdata.Temporality {
			switch k {
			case sdkmetric.InstrumentKindUpDownCounter, sdkmetric.InstrumentKindObservableUpDownCounter:
				return metricdata.CumulativeTemporality
			}
			return metricdata.DeltaTemporality
		}
	case "lowmemory":
		return func(k sdkmetric.InstrumentKind) metricdata.Temporality {
			switch k {
			case sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindHistogram:
				return metricdata.DeltaTemporality
			}
			return metricdata.CumulativeTemporality
		}
	}
	return nil
}

// MetricExporter validates the configuration for metrics (see Resolve) and
// builds the exporter it names. For "none" it returns (nil, resolved, nil);
// for "prometheus" it returns (nil, resolved, nil) too: the caller builds
// that pull reader itself. temporality wins over
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE; nil leaves the choice to
// that variable (validated), then to the SDK default (cumulative).
func MetricExporter(ctx context.Context, src env.Source, o Overrides, temporality sdkmetric.TemporalitySelector) (sdkmetric.Exporter, Resolved, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := Resolve(src, Metrics, o)
	if err != nil {
		return nil, r, err
	}
	if temporality != nil {
		r.Temporality, r.Sources[KeyTemporality] = "custom", SourceOption
	} else if r.Sources[KeyTemporality] != SourceDefault {
		temporality = TemporalitySelector(r.Temporality)
	}
	p := newPlan(o, r)
	var exp sdkmetric.Exporter
	switch r.Exporter {
	case ExporterNone, ExporterPrometheus:
		return nil, r, nil
	case ExporterConsole:
		opts := []stdoutmetric.Option{stdoutmetric.WithWriter(p.console)}
		if temporality != nil {
			opts = append(opts, stdoutmetric.WithTemporalitySelector(temporality))
		}
		exp, err = stdoutmetric.New(opts...)
	case ExporterOTLP:
		if r.Protocol == ProtocolGRPC {
			opts := []otlpmetricgrpc.Option{otlpmetricgrpc.WithDialOption(grpcDialOptions()...)}
			if p.grpcEndpoint != "" {
				opts = append(opts, otlpmetricgrpc.WithEndpoint(p.grpcEndpoint))
			}
			if p.grpcInsecure != nil && *p.grpcInsecure {
				opts = append(opts, otlpmetricgrpc.WithInsecure())
			} else if p.grpcInsecure != nil || p.tlsConfig != nil {
				opts = append(opts, otlpmetricgrpc.WithTLSCredentials(p.grpcCredentials()))
			}
			if p.headers != nil {
				opts = append(opts, otlpmetricgrpc.WithHeaders(p.headers))
			}
			if p.timeout > 0 {
				opts = append(opts, otlpmetricgrpc.WithTimeout(p.timeout))
			}
			if p.compression != "" {
				opts = append(opts, otlpmetricgrpc.WithCompressor(p.compression))
			}
			if temporality != nil {
				opts = append(opts, otlpmetricgrpc.WithTemporalitySelector(temporality))
			}
			exp, err = otlpmetricgrpc.New(ctx, opts...)
		} else {
			opts := []otlpmetrichttp.Option{otlpmetrichttp.WithHTTPClient(p.httpClient())}
			if p.endpointURL != "" {
				opts = append(opts, otlpmetrichttp.WithEndpointURL(p.endpointURL))
			}
			if p.headers != nil {
				opts = append(opts, otlpmetrichttp.WithHeaders(p.headers))
			}
			if p.compression != "" {
				c := otlpmetrichttp.NoCompression
				if p.compression == "gzip" {
					c = otlpmetrichttp.GzipCompression
				}
				opts = append(opts, otlpmetrichttp.WithCompression(c))
			}
			if temporality != nil {
				opts = append(opts, otlpmetrichttp.WithTemporalitySelector(temporality))
			}
			var he sdkmetric.Exporter
			if he, err = otlpmetrichttp.New(ctx, opts...); err == nil {
				exp = timeoutMetricExporter{he, p.httpTimeout}
			}
		}
	default:
		return nil, r, fmt.Errorf("otelkit: exporter %q is not available for metrics", r.Exporter)
	}
	if err != nil {
		return nil, r, fmt.Errorf("otelkit: create %s metric exporter: %w", r.Exporter, err)
	}
	return exp, r, nil
}

// LogExporter validates the configuration for logs (see Resolve) and builds
// the exporter it names. For "none" it returns (nil, resolved, nil). It never
// waits for a connection.
func LogExporter(ctx context.Context, src env.Source, o Overrides) (sdklog.Exporter, Resolved, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := Resolve(src, Logs, o)
	if err != nil {
		return nil, r, err
	}
	p := newPlan(o, r)
	var exp sdklog.Exporter
	switch r.Exporter {
	case ExporterNone:
		return nil, r, nil
	case ExporterConsole:
		exp, err = stdoutlog.New(stdoutlog.WithWriter(p.console))
	case ExporterOTLP:
		if r.Protocol == ProtocolGRPC {
			opts := []otlploggrpc.Option{otlploggrpc.WithDialOption(grpcDialOptions()...)}
			if p.grpcEndpoint != "" {
				opts = append(opts, otlploggrpc.WithEndpoint(p.grpcEndpoint))
			}
			if p.grpcInsecure != nil && *p.grpcInsecure {
				opts = append(opts, otlploggrpc.WithInsecure())
			} else if p.grpcInsecure != nil || p.tlsConfig != nil {
				opts = append(opts, otlploggrpc.WithTLSCredentials(p.grpcCredentials()))
			}
			if p.headers != nil {
				opts = append(opts, otlploggrpc.WithHeaders(p.headers))
			}
			if p.timeout > 0 {
				opts = append(opts, otlploggrpc.WithTimeout(p.timeout))
			}
			if p.compression != "" {
				opts = append(opts, otlploggrpc.WithCompressor(p.compression))
			}
			exp, err = otlploggrpc.New(ctx, opts...)
		} else {
			opts := []otlploghttp.Option{otlploghttp.WithHTTPClient(p.httpClient())}
			if p.endpointURL != "" {
				opts = append(opts, otlploghttp.WithEndpointURL(p.endpointURL))
			}
			if p.headers != nil {
				opts = append(opts, otlploghttp.WithHeaders(p.headers))
			}
			if p.compression != "" {
				c := otlploghttp.NoCompression
				if p.compression == "gzip" {
					c = otlploghttp.GzipCompression
				}
				opts = append(opts, otlploghttp.WithCompression(c))
			}
			var he sdklog.Exporter
			if he, err = otlploghttp.New(ctx, opts...); err == nil {
				exp = timeoutLogExporter{he, p.httpTimeout}
			}
		}
	default:
		return nil, r, fmt.Errorf("otelkit: exporter %q is not available for logs", r.Exporter)
	}
	if err != nil {
		return nil, r, fmt.Errorf("otelkit: create %s log exporter: %w", r.Exporter, err)
	}
	return exp, r, nil
}
