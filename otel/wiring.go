package otel

import (
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

// tracingOptions maps Init's options onto tracing.NewTracerProvider's.
func (c config) tracingOptions(res *resource.Resource, warn func(error)) []tracing.Option {
	opts := append([]tracing.Option{}, c.tracingExtra...)
	opts = append(opts, tracing.WithResource(res), tracing.WithWarningHandler(warn))
	if c.tracesExporter != "" {
		opts = append(opts, tracing.WithExporter(c.tracesExporter))
	}
	opts = append(opts, c.tracingOTLP()...)
	if c.console != nil {
		opts = append(opts, tracing.WithConsoleWriter(c.console))
	}
	if c.sampler != nil {
		opts = append(opts, tracing.WithSampler(c.sampler))
	}
	if c.spanExporter != nil {
		opts = append(opts, tracing.WithSpanExporter(c.spanExporter))
	}
	for _, p := range c.spanProcessors {
		opts = append(opts, tracing.WithSpanProcessor(p))
	}
	return opts
}

func (c config) tracingOTLP() []tracing.Option {
	var opts []tracing.Option
	o := c.otlp
	if o.endpoint != "" {
		opts = append(opts, tracing.WithEndpoint(o.endpoint))
	}
	if o.protocol != "" {
		opts = append(opts, tracing.WithProtocol(o.protocol))
	}
	if o.headers != nil {
		opts = append(opts, tracing.WithHeaders(o.headers))
	}
	if o.insecure != nil {
		opts = append(opts, tracing.WithInsecure(*o.insecure))
	}
	if o.timeout > 0 {
		opts = append(opts, tracing.WithTimeout(o.timeout))
	}
	if o.compression != "" {
		opts = append(opts, tracing.WithCompression(o.compression))
	}
	return opts
}

// metricsOptions maps Init's options onto metrics.New's.
func (c config) metricsOptions(res *resource.Resource, warn func(error)) []metrics.Option {
	opts := append([]metrics.Option{}, c.metricsExtra...)
	opts = append(opts, metrics.WithResource(res))
	if c.metricsExporter != "" {
		opts = append(opts, metrics.WithExporter(c.metricsExporter))
	}
	o := c.otlp
	if o.endpoint != "" {
		opts = append(opts, metrics.WithEndpoint(o.endpoint))
	}
	if o.protocol != "" {
		opts = append(opts, metrics.WithProtocol(o.protocol))
	}
	if o.headers != nil {
		opts = append(opts, metrics.WithHeaders(o.headers))
	}
	if o.insecure != nil {
		opts = append(opts, metrics.WithInsecure(*o.insecure))
	}
	if o.timeout > 0 {
		opts = append(opts, metrics.WithTimeout(o.timeout))
	}
	if o.compression != "" {
		opts = append(opts, metrics.WithCompression(o.compression))
	}
	if c.console != nil {
		opts = append(opts, metrics.WithConsoleWriter(c.console))
	}
	for _, r := range c.metricReaders {
		opts = append(opts, metrics.WithReader(r))
	}
	if !c.runtimeMetrics {
		opts = append(opts, metrics.WithoutRuntimeMetrics())
	}
	if c.promAddr != "" {
		opts = append(opts, metrics.WithPrometheusAddr(c.promAddr))
	}
	return opts
}
