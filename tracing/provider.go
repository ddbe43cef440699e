package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/sanitize"
)

// DefaultAttributeValueLengthLimit is the longest attribute value otelkit
// keeps when neither WithSpanLimits, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT
// nor OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT sets one (the SDK alone keeps values
// of any length, so one request could put megabytes into a span).
const DefaultAttributeValueLengthLimit = 4096

// Upper bounds for the batch processor sizes: the queue is allocated up
// front, so an unbounded value from the environment could exhaust memory.
const (
	maxQueueSize        = 1 << 20
	maxSpanLimitAllowed = 1 << 30
)

// DefaultSpanLimits returns the limits otelkit uses when nothing is set: the
// SDK's defaults with attribute values capped at
// DefaultAttributeValueLengthLimit characters. Unlike sdktrace.NewSpanLimits
// it does not read the environment.
func DefaultSpanLimits() sdktrace.SpanLimits {
	return sdktrace.SpanLimits{
		AttributeValueLengthLimit:   DefaultAttributeValueLengthLimit,
		AttributeValueDepthLimit:    sdktrace.DefaultAttributeValueDepthLimit,
		AttributeCountLimit:         sdktrace.DefaultAttributeCountLimit,
		EventCountLimit:             sdktrace.DefaultEventCountLimit,
		LinkCountLimit:              sdktrace.DefaultLinkCountLimit,
		AttributePerEventCountLimit: sdktrace.DefaultAttributePerEventCountLimit,
		AttributePerLinkCountLimit:  sdktrace.DefaultAttributePerLinkCountLimit,
	}
}

// NewTracerProvider builds a TracerProvider from the options and the
// OpenTelemetry environment variables; an option wins over its variable,
// which wins over the default.
//
// It validates, before the SDK could misread them, OTEL_TRACES_EXPORTER,
// every OTEL_EXPORTER_OTLP_* variable for traces, OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG, OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT,
// OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE and the
// OTEL_*_LIMIT variables; every invalid value is reported in one error
// naming the variable, the value and what is allowed. The sampler, batch
// processor settings and span limits are always passed to the SDK
// explicitly (SDK defaults where nothing is set, except the attribute value
// length, see DefaultAttributeValueLengthLimit), so the SDK never reads
// these variables on its own.
//
// The exporter is WithSpanExporter's, else the one OTEL_TRACES_EXPORTER and
// the OTLP options name; "none" gives a provider without exporter. It is
// wrapped in a batch span processor that behaves like the SDK's and reports
// every span it drops to WithDropHandler. Whichever exporter it is, it
// receives only valid UTF-8: invalid bytes in any span text (name,
// attributes, events, links, status, scope, resource) become U+FFFD on the
// batch processor's goroutine, so that one hostile request cannot fail a
// whole batch. Construction never waits for the
// collector. The caller owns the provider and must Shutdown it.
func NewTracerProvider(ctx context.Context, opts ...Option) (*sdktrace.TracerProvider, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := newConfig(opts)
	src := env.FromFunc(cfg.lookup)
	warn := cfg.warn
	if warn == nil {
		warn = otel.Handle
	}

	var errs []error
	sampler, err := samplerFromEnv(src, warn, cfg.sampler != nil)
	if err != nil {
		errs = append(errs, err)
	}
	if cfg.sampler != nil {
		sampler = cfg.sampler
	}
	bsp, err := batchOptions(src, warn)
	if err != nil {
		errs = append(errs, err)
	}
	limits, err := spanLimits(src)
	if err != nil {
		errs = append(errs, err)
	}
	if cfg.limits != nil {
		limits = *cfg.limits
	}
	// Validate the exporter configuration even when WithSpanExporter
	// replaces it: a bad variable is never silent.
	if _, err := otlpconf.Resolve(src, otlpconf.Traces, cfg.otlp); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	exp := cfg.exporter
	if exp == nil {
		exp, _, err = otlpconf.SpanExporter(ctx, src, cfg.otlp)
		if err != nil {
			return nil, err
		}
	}

	// Every exporter, built or given, gets valid UTF-8 only: one invalid
	// byte would fail the whole batch. Innermost, so that other wrappers
	// see what is exported.
	exp = sanitize.SpanExporter(exp)
	if exp != nil && cfg.wrap != nil {
		if exp = cfg.wrap(exp); exp == nil {
			return nil, errors.New("tracing: WithExporterWrapper returned a nil exporter")
		}
	}

	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithSampler(sampler),
		sdktrace.WithRawSpanLimits(limits),
	}
	if cfg.resource != nil {
		tpOpts = append(tpOpts, sdktrace.WithResource(cfg.resource))
	}
	if exp != nil {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(newSpanProcessor(exp, bsp, cfg.onDrop)))
	}
	for _, p := range cfg.processors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(p))
	}
	return sdktrace.NewTracerProvider(tpOpts...), nil
}

var samplerNames = []string{"always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"}

// samplerFromEnv reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
// An invalid ratio is an error (the specification allows a warning and 1.0;
// otelkit refuses to start with a sampling rate nobody chose). overridden
// reports that WithSampler wins, so an unused argument is not warned about.
func samplerFromEnv(src env.Source, warn func(error), overridden bool) (sdktrace.Sampler, error) {
	const name, argName = "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"
	raw, set := src.String(name)
	arg, argSet := src.String(argName)
	if !set {
		if argSet && !overridden {
			warn(fmt.Errorf("otelkit: %s=%q is ignored: %s is not set (default parentbased_always_on)", argName, arg, name))
		}
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	}
	s := strings.ToLower(raw)
	ratio := func() (float64, error) {
		if !argSet {
			return 1, nil
		}
		f, _, err := src.Float(argName, 0, 1)
		return f, err
	}
	switch s {
	case "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
		if argSet && !overridden {
			warn(fmt.Errorf("otelkit: %s=%q is ignored by %s=%s", argName, arg, name, s))
		}
	}
	switch s {
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio":
		r, err := ratio()
		return sdktrace.TraceIDRatioBased(r), err
	case "parentbased_traceidratio":
		r, err := ratio()
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), err
	case "jaeger_remote", "parentbased_jaeger_remote", "xray":
		return nil, &env.Error{Var: name, Value: raw, Allowed: strings.Join(samplerNames, ", ") + " (" + s + " is not supported by otelkit; use WithSampler)"}
	}
	return nil, &env.Error{Var: name, Value: raw, Allowed: strings.Join(samplerNames, ", ")}
}

// batchOptions reads the OTEL_BSP_* variables and always returns all four
// settings, SDK defaults where unset, so the SDK never reads them itself.
func batchOptions(src env.Source, warn func(error)) ([]sdktrace.BatchSpanProcessorOption, error) {
	var errs []error
	millis := func(name string, def int) time.Duration {
		d, set, err := src.Millis(name, time.Millisecond)
		if err != nil {
			errs = append(errs, err)
		}
		if !set || err != nil {
			return time.Duration(def) * time.Millisecond
		}
		return d
	}
	size := func(name string, def int) (int, bool) {
		n, set, err := src.Int(name, 1, maxQueueSize)
		if err != nil {
			errs = append(errs, err)
		}
		if !set || err != nil {
			return def, false
		}
		return n, true
	}
	delay := millis("OTEL_BSP_SCHEDULE_DELAY", sdktrace.DefaultScheduleDelay)
	timeout := millis("OTEL_BSP_EXPORT_TIMEOUT", sdktrace.DefaultExportTimeout)
	queue, _ := size("OTEL_BSP_MAX_QUEUE_SIZE", sdktrace.DefaultMaxQueueSize)
	batch, batchSet := size("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", sdktrace.DefaultMaxExportBatchSize)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if batch > queue {
		if batchSet {
			warn(fmt.Errorf("otelkit: OTEL_BSP_MAX_EXPORT_BATCH_SIZE=%d is larger than the queue (%d): using %d", batch, queue, queue))
		}
		batch = queue
	}
	return []sdktrace.BatchSpanProcessorOption{
		sdktrace.WithBatchTimeout(delay),
		sdktrace.WithExportTimeout(timeout),
		sdktrace.WithMaxQueueSize(queue),
		sdktrace.WithMaxExportBatchSize(batch),
	}, nil
}

// spanLimits reads the OTEL_*_LIMIT variables over DefaultSpanLimits; the
// span-specific variable wins over the generic OTEL_ATTRIBUTE_* one.
func spanLimits(src env.Source) (sdktrace.SpanLimits, error) {
	l := DefaultSpanLimits()
	var errs []error
	read := func(dst *int, names ...string) {
		found := false
		for _, n := range names {
			v, set, err := src.Int(n, 0, maxSpanLimitAllowed)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if set && !found {
				*dst, found = v, true
			}
		}
	}
	read(&l.AttributeValueLengthLimit, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT")
	read(&l.AttributeCountLimit, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT")
	read(&l.EventCountLimit, "OTEL_SPAN_EVENT_COUNT_LIMIT")
	read(&l.LinkCountLimit, "OTEL_SPAN_LINK_COUNT_LIMIT")
	read(&l.AttributePerEventCountLimit, "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT")
	read(&l.AttributePerLinkCountLimit, "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT")
	return l, errors.Join(errs...)
}
