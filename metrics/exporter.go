package metrics

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelkit/otelkit/internal/env"
)

const (
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
	envTemporality     = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
)

// temporality validates OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
// and returns the selector it names (nil when unset: the exporter default,
// cumulative).
func temporality(src env.Source) (sdkmetric.TemporalitySelector, error) {
	v, ok := src.String(envTemporality)
	if !ok {
		return nil, nil
	}
	switch strings.ToLower(v) {
	case "cumulative":
		return sdkmetric.CumulativeTemporalitySelector, nil
	case "delta":
		return sdkmetric.DeltaTemporalitySelector, nil
	case "lowmemory":
		return sdkmetric.LowMemoryTemporalitySelector, nil
	}
	return nil, &env.Error{Var: envTemporality, Value: v, Allowed: "cumulative, delta or lowmemory"}
}

// otlpExporter builds the OTLP metric exporter. Explicit options become
// exporter options; where nothing was set, nothing is passed, so the
// exporter reads its own OTEL_EXPORTER_OTLP_* variables. It never blocks on
// connecting.
func otlpExporter(ctx context.Context, src env.Source, c config) (sdkmetric.Exporter, error) {
	tsel, err := temporality(src)
	if err != nil {
		return nil, err
	}
	protocol, from := c.protocol, "WithProtocol"
	if protocol == "" {
		var ok bool
		if from, protocol, ok = src.First(envMetricsProtocol, envProtocol); !ok {
			protocol = "http/protobuf"
		}
	}
	if c.timeout < 0 {
		return nil, fmt.Errorf("otelkit/metrics: WithTimeout(%v): must be positive", c.timeout)
	}
	switch c.compression {
	case "", "gzip", "none":
	default:
		return nil, fmt.Errorf("otelkit/metrics: WithCompression(%q): allowed: gzip or none", c.compression)
	}
	switch strings.ToLower(protocol) {
	case "grpc":
		var opts []otlpmetricgrpc.Option
		if c.endpoint != "" {
			if strings.Contains(c.endpoint, "://") {
				opts = append(opts, otlpmetricgrpc.WithEndpointURL(c.endpoint))
			} else {
				opts = append(opts, otlpmetricgrpc.WithEndpoint(c.endpoint))
			}
		}
		if c.headers != nil {
			opts = append(opts, otlpmetricgrpc.WithHeaders(c.headers))
		}
		if c.insecure != nil && *c.insecure {
			opts = append(opts, otlpmetricgrpc.WithInsecure())
		}
		if c.timeout > 0 {
			opts = append(opts, otlpmetricgrpc.WithTimeout(c.timeout))
		}
		if c.compression != "" {
			opts = append(opts, otlpmetricgrpc.WithCompressor(c.compression))
		}
		if tsel != nil {
			opts = append(opts, otlpmetricgrpc.WithTemporalitySelector(tsel))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	case "http/protobuf":
		var opts []otlpmetrichttp.Option
		if c.endpoint != "" {
			if strings.Contains(c.endpoint, "://") {
				u, err := url.Parse(c.endpoint)
				if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
					return nil, fmt.Errorf("otelkit/metrics: WithEndpoint(%q): want an http or https URL, or host:port", c.endpoint)
				}
				if u.Path == "" || u.Path == "/" {
					// A base URL, as in OTEL_EXPORTER_OTLP_ENDPOINT: the signal path is appended.
					u.Path = "/v1/metrics"
				}
				opts = append(opts, otlpmetrichttp.WithEndpointURL(u.String()))
			} else {
				opts = append(opts, otlpmetrichttp.WithEndpoint(c.endpoint))
			}
		}
		if c.headers != nil {
			opts = append(opts, otlpmetrichttp.WithHeaders(c.headers))
		}
		if c.insecure != nil && *c.insecure {
			opts = append(opts, otlpmetrichttp.WithInsecure())
		}
		if c.timeout > 0 {
			opts = append(opts, otlpmetrichttp.WithTimeout(c.timeout))
		}
		switch c.compression {
		case "gzip":
			opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
		case "none":
			opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression))
		}
		if tsel != nil {
			opts = append(opts, otlpmetrichttp.WithTemporalitySelector(tsel))
		}
		return otlpmetrichttp.New(ctx, opts...)
	}
	allowed := "grpc or http/protobuf (http/json is not supported by the Go exporters)"
	if from == "WithProtocol" {
		return nil, fmt.Errorf("otelkit/metrics: WithProtocol(%q): allowed: %s", protocol, allowed)
	}
	return nil, &env.Error{Var: from, Value: protocol, Allowed: allowed}
}

// consoleExporter builds the exporter that writes metrics as JSON lines.
func consoleExporter(src env.Source, c config) (sdkmetric.Exporter, error) {
	tsel, err := temporality(src)
	if err != nil {
		return nil, err
	}
	var w io.Writer = os.Stdout
	if c.console != nil {
		w = c.console
	}
	opts := []stdoutmetric.Option{stdoutmetric.WithWriter(w)}
	if tsel != nil {
		opts = append(opts, stdoutmetric.WithTemporalitySelector(tsel))
	}
	return stdoutmetric.New(opts...)
}
