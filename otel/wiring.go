package otel

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/tracing"
)

// Init builds each signal with one call of the same shape (tracing,
// metrics, internal/logprovider): its resource, its part of Init's options
// and the health state's exporter wrapper and drop handler. The OTLP
// settings go over as they are, with the names of Init's options, so that
// an error names WithOTLPEndpoint and not the signal package's
// WithEndpoint.

// otlpFor returns Init's OTLP settings for one signal, exporter included.
func (c config) otlpFor(exporter, option string) otlpconf.Overrides {
	o := c.otlp
	o.Exporter, o.Names.Exporter = exporter, option
	return o
}

// tracingOptions maps Init's options onto tracing.NewTracerProvider's;
// Init's own come after WithTracingOptions', so they win (handlers and
// wrappers, which tracing keeps all of, add up).
func (c config) tracingOptions(res *resource.Resource, warn func(error), hs *healthState) []tracing.Option {
	opts := append([]tracing.Option{}, c.tracingExtra...)
	if c.lookup != nil {
		opts = append(opts, tracing.WithEnvLookup(c.lookup))
	}
	opts = append(opts, tracing.WithResource(res), tracing.WithWarningHandler(warn),
		tracing.WithOTLPOverrides(c.otlpFor(c.tracesExporter, "WithTracesExporter")),
		tracing.WithExporterWrapper(track(&hs.traces, exportwrap.Spans, spanCount, nil)),
		tracing.WithDropHandler(hs.traces.onDrop))
	opts = append(opts, redactOptions(c.redaction(), tracing.WithRedactedKeys, tracing.WithoutKeyRedaction)...)
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

// metricsOptions maps Init's options onto metrics.NewMeterProvider's.
func (c config) metricsOptions(res *resource.Resource, warn func(error), hs *healthState) []metrics.Option {
	opts := append([]metrics.Option{}, c.metricsExtra...)
	if c.lookup != nil {
		opts = append(opts, metrics.WithEnvLookup(c.lookup))
	}
	opts = append(opts, metrics.WithResource(res), metrics.WithWarningHandler(warn),
		metrics.WithOTLPOverrides(c.otlpFor(c.metricsExporter, "WithMetricsExporter")),
		metrics.WithExporterWrapper(track(&hs.metrics, exportwrap.Metrics, exportwrap.DataPoints, hs.gauges.resentPoints)),
		metrics.WithView(hs.gauges.view),
		metrics.WithOverflowHandler(hs.overflow.add), metrics.WithDropHandler(hs.metrics.onDrop))
	for _, r := range c.metricReaders {
		opts = append(opts, metrics.WithReader(r))
	}
	if hs.selfObs != nil {
		opts = append(opts, metrics.WithReader(hs.selfObs))
	}
	if !c.runtimeMetrics {
		opts = append(opts, metrics.WithoutRuntimeMetrics())
	}
	if c.promAddr != "" {
		opts = append(opts, metrics.WithPrometheusAddr(c.promAddr))
	}
	return opts
}

// logsOptions maps Init's options onto logprovider.NewLoggerProvider's.
func (c config) logsOptions(res *resource.Resource, warn func(error), hs *healthState) []logprovider.Option {
	opts := append([]logprovider.Option{}, c.logsExtra...)
	opts = append(opts, logprovider.WithResource(res), logprovider.WithWarningHandler(warn),
		logprovider.WithOTLPOverrides(c.otlpFor(c.logsExporter, "WithLogsExporter")),
		logprovider.WithExporterWrapper(track(&hs.logs, exportwrap.Logs, recordCount, nil)),
		logprovider.WithDropHandler(hs.logs.onDrop))
	opts = append(opts, redactOptions(c.redaction(), logprovider.WithRedactedKeys, logprovider.WithoutKeyRedaction)...)
	if c.lookup != nil {
		opts = append(opts, logprovider.WithEnvLookup(c.lookup))
	}
	for _, p := range c.logProcessors {
		opts = append(opts, logprovider.WithProcessor(p))
	}
	return opts
}

// buildLogs builds the log provider. With nothing to export to, the OTLP
// log bridge would only cost every line (and every request's bound
// fields) work for nothing: the provider is then shut down and t.logs left
// nil. It returns what the provider resolved either way.
func (t *Telemetry) buildLogs(ctx context.Context, c config) (otlpconf.Resolved, error) {
	p, err := logprovider.NewLoggerProvider(ctx, c.logsOptions(t.res, t.warn, t.health)...)
	if err != nil {
		return otlpconf.Resolved{}, err
	}
	if p.ExporterConfig().Exporter == otlpconf.ExporterNone && len(c.logProcessors) == 0 {
		_ = p.Shutdown(ctx)
		return p.ExporterConfig(), nil
	}
	t.logs = p
	return p.ExporterConfig(), nil
}

// buildLogger builds the zap logger, bridged to t.logs when there is one,
// and the handler that turns SDK errors into otel_sdk_error lines.
func (t *Telemetry) buildLogger(c config) error {
	opts, err := c.loggingOptions(t.res)
	hosts, herr := c.hostPolicy()
	if herr == nil {
		// Its LevelHandler answers the same names HealthHandler does.
		opts = append(opts, logging.WithAllowedHosts(c.allowedHosts...))
	}
	t.hosts, err = hosts, errors.Join(err, herr)
	if t.logs != nil {
		// The Provider, not its SDK provider: its loggers count the
		// records emitted after Shutdown.
		opts = append(opts, logging.WithLoggerProvider(t.logs))
	}
	// First, so that a WithFatalHook of the program's own (WithLoggingOptions)
	// wins over it.
	opts = append([]logging.Option{logging.WithFatalHook(fatalFlush{t})}, opts...)
	l, lerr := logging.New(opts...)
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	t.logger = l
	t.sdkErrors = newRateLimitedHandler(l.Zap(), 10*time.Second)
	t.sdkErrors.scrub = t.scrub
	t.sdkWarnings = newSDKWarnings(l.Zap(), 10*time.Second)
	t.sdkWarnings.scrub = t.scrub
	t.health.drops.start(l.Zap())
	t.health.overflow.start(l.Zap())
	return err
}

func (t *Telemetry) buildTraces(ctx context.Context, c config) (err error) {
	t.traces, err = tracing.NewTracerProvider(ctx, c.tracingOptions(t.res, t.warn, t.health)...)
	return err
}

func (t *Telemetry) buildMetrics(ctx context.Context, c config, src env.Source) (err error) {
	// The switch is read where the SDK reads it, whatever WithEnvLookup says.
	t.health.selfObs = selfObservabilityReader(env.FromOS())
	t.metrics, err = metrics.NewMeterProvider(ctx, c.metricsOptions(t.res, t.warn, t.health)...)
	return err
}

// warn is the signal packages' warning handler: what they correct rather
// than refuse becomes an otelkit_config_warning line once the logger
// exists (report).
func (t *Telemetry) warn(err error) {
	if err != nil {
		t.warnings = append(t.warnings, configWarning{detail: t.scrub.String(err.Error())})
	}
}

// loggingOptions maps Init's options onto logging.New's. Init checks its
// own log options, so that an error names WithLogFormat, WithLogLevel or
// WithLogBufferLevel as the user wrote it; an invalid one is not passed on.
func (c config) loggingOptions(res *resource.Resource) ([]logging.Option, error) {
	opts := append([]logging.Option{}, c.logOptions...)
	// The resource gives the vendor profiles their service fields.
	opts = append(opts, logging.WithName(serviceName(res)), logging.WithResource(res))
	opts = append(opts, redactOptions(c.redaction(), logging.WithRedactedKeys, logging.WithoutKeyRedaction)...)
	if c.lookup != nil {
		opts = append(opts, logging.WithEnvLookup(c.lookup))
	}
	var errs []error
	if l := c.logLevel; l != nil && (*l < zapcore.DebugLevel || *l > zapcore.FatalLevel) {
		errs = append(errs, env.OptionError("WithLogLevel", l.String(), "debug, info, warn, error, dpanic, panic, fatal"))
	} else if l != nil {
		opts = append(opts, logging.WithLevel(*l))
	}
	switch f := strings.ToLower(strings.TrimSpace(c.logFormat)); f {
	case "":
	case logging.FormatJSON, logging.FormatConsole:
		opts = append(opts, logging.WithFormat(c.logFormat))
	default:
		errs = append(errs, env.OptionError("WithLogFormat", c.logFormat, logging.FormatJSON+", "+logging.FormatConsole))
	}
	if c.logOutput != nil {
		opts = append(opts, logging.WithOutput(c.logOutput))
	}
	if o, err := c.logBufferOption(); err != nil {
		errs = append(errs, err)
	} else if o != nil {
		opts = append(opts, o)
	}
	return opts, errors.Join(errs...)
}

// serviceName is the service.name of res, "otelkit" without one.
func serviceName(res *resource.Resource) string {
	if v, ok := res.Set().Value(semconv.ServiceNameKey); ok {
		return v.AsString()
	}
	return "otelkit"
}

// fatalFlush is the logger's fatal hook: zap would os.Exit(1) with the
// fatal line, and everything queued, still in the batch processors. It
// shuts the telemetry down (at most 5 s, and the 100 ms Shutdown may take
// past its deadline), then exits with status 1.
type fatalFlush struct{ t *Telemetry }

func (f fatalFlush) OnWrite(*zapcore.CheckedEntry, []zapcore.Field) {
	ctx, cancel := context.WithTimeout(context.Background(), min(f.t.shutdownTimeout, 5*time.Second))
	_ = f.t.Shutdown(ctx)
	cancel()
	os.Exit(1)
}
