package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/embedded"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/exportwrap"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/sanitize"
)

// DefaultAttributeValueLengthLimit is the longest attribute value otelkit
// keeps when neither WithSpanLimits, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT
// nor OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT sets one (the SDK alone keeps values
// of any length, so one request could put megabytes into a span).
const DefaultAttributeValueLengthLimit = 4096

// maxSpanLimitAllowed bounds the span limits read from the environment.
const maxSpanLimitAllowed = 1 << 30

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

// ConfigError is the error type of every invalid setting, variable or
// option, that NewTracerProvider reports (match it with errors.As). It is
// the same type as otel.ConfigError and metrics.ConfigError.
type ConfigError = env.Error

// ExporterConfig is the exporter configuration a provider resolved: each
// value and where it came from (Sources: "option", "env:<NAME>" or
// "default"). It holds the names of the headers, never their values, and
// the endpoint with credentials masked. It is the same type as
// metrics.ExporterConfig.
type ExporterConfig = otlpconf.Resolved

// tracerProviderAPI carries embedded.TracerProvider, which an
// implementation of trace.TracerProvider must embed, under a name that
// does not clash with Provider's TracerProvider method.
type tracerProviderAPI struct{ embedded.TracerProvider }

// Provider is the tracer provider NewTracerProvider built, with the
// exporter configuration it resolved. It is a trace.TracerProvider too
// (Tracer), the one otel.Init installs as the global. Its methods are safe
// for concurrent use and on a nil *Provider, which has nothing to flush or
// shut down.
type Provider struct {
	tracerProviderAPI

	tp       *sdktrace.TracerProvider
	exporter ExporterConfig
	after    *afterShutdown // Tracer's provider after Shutdown; nil without exporter
	spans    *spanProcessor // the exporter's; nil without exporter
}

// NewTracerProvider builds a TracerProvider from the options and the
// OpenTelemetry environment variables; an option wins over its variable,
// which wins over the default.
//
// It validates, before the SDK could misread them, OTEL_TRACES_EXPORTER,
// every OTEL_EXPORTER_OTLP_* variable for traces, OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG, OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT,
// OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE and the
// OTEL_*_LIMIT variables, and the options; every invalid value is a
// ConfigError naming the variable or option, the value and what is
// allowed, all of them joined in one error. The sampler, batch processor
// settings and span limits are always passed to the SDK explicitly (SDK
// defaults where nothing is set, except the attribute value length, see
// DefaultAttributeValueLengthLimit), so the SDK never reads these variables
// on its own.
//
// The exporter is WithSpanExporter's, else the one OTEL_TRACES_EXPORTER and
// the OTLP options name; "none" gives a provider without exporter. It is
// wrapped in a batch span processor that behaves like the SDK's and reports
// every span it drops to WithDropHandler. Whichever exporter it is, it
// receives only valid UTF-8: invalid bytes in any span text (name,
// attributes, events, links, status, scope, resource) become U+FFFD on the
// batch processor's goroutine, so that one hostile request cannot fail a
// whole batch; and values under credential keys as REDACTED (see the
// package doc, "Credentials"). The OTLP exporter it builds gets each batch in parts under
// the collector's size limit (see the package doc); a span too large on
// its own is reported to WithDropHandler as too_large, not sent.
// Construction never waits for the collector. The caller owns the
// provider and must Shutdown it.
func NewTracerProvider(ctx context.Context, opts ...Option) (*Provider, error) {
	ctx = option.Context(ctx)
	cfg := newConfig(opts)
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	exp := cfg.exporter
	if exp == nil {
		if exp, err = otlpconf.SpanExporter(ctx, s.exporter); err != nil {
			return nil, err
		}
	}
	// Every exporter, built or given, gets valid UTF-8 only (one invalid
	// byte would fail the whole batch) and no credential. Innermost, so that other wrappers
	// see what is exported; a panic in either costs the batch, not the
	// process.
	exp = exportwrap.Spans(sanitize.SpanExporter(exp, cfg.redact.Rule()), exportwrap.Recovered)
	if exp, err = exportwrap.Apply(ctx, exp, cfg.wraps...); err != nil {
		return nil, err
	}
	p := &Provider{exporter: s.exporter}
	var tpOpts []sdktrace.TracerProviderOption
	if exp != nil {
		if limit := exportsize.Limit(s.exporter); limit > 0 && cfg.exporter == nil {
			// Outermost, so that the export-health wrapper counts each
			// export it makes.
			exp = sizeBounded(exp, limit, func(reason string, n int) { p.spans.Drop(reason, n) })
		}
		s.batch.OnDrop, s.batch.ReportFinalExport = cfg.onDrop, true // as the SDK's span processor
		sp, sampler := newSpanProcessor(exp, s.batch, s.sampler)
		s.sampler, p.after, p.spans = sampler, &afterShutdown{sampler: sampler, limits: s.limits}, &sp
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	tpOpts = append(tpOpts, sdktrace.WithSampler(s.sampler), sdktrace.WithRawSpanLimits(s.limits))
	if cfg.resource != nil {
		tpOpts = append(tpOpts, sdktrace.WithResource(cfg.resource))
	}
	for _, sp := range cfg.processors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
	}
	p.tp = sdktrace.NewTracerProvider(tpOpts...)
	return p, nil
}

// Validate checks the options and the environment as NewTracerProvider
// does and returns the same errors, building nothing: no exporter,
// processor or provider, so no goroutine and no connection. What
// NewTracerProvider would correct rather than refuse goes to
// WithWarningHandler's handler. otel.Init uses it with
// OTEL_SDK_DISABLED=true, so that a bad setting shows before the SDK is
// turned on.
func Validate(opts ...Option) error {
	_, err := newConfig(opts).resolve()
	return err
}

// settings is what NewTracerProvider resolved from the options and the
// environment.
type settings struct {
	sampler  sdktrace.Sampler
	batch    batch.Config
	limits   sdktrace.SpanLimits
	exporter otlpconf.Resolved
}

// spanBatchDefaults are the SDK's batch span processor defaults.
var spanBatchDefaults = batch.Config{
	ScheduleDelay:      sdktrace.DefaultScheduleDelay * time.Millisecond,
	ExportTimeout:      sdktrace.DefaultExportTimeout * time.Millisecond,
	MaxQueueSize:       sdktrace.DefaultMaxQueueSize,
	MaxExportBatchSize: sdktrace.DefaultMaxExportBatchSize,
}

// resolve applies option > environment > default to every setting and
// returns every invalid value, joined.
func (c config) resolve() (settings, error) {
	src, warn := env.FromFunc(c.lookup), env.Warner(c.warn...)
	var s settings
	var errs [4]error
	s.sampler, errs[0] = samplerFromEnv(src, warn, c.sampler != nil)
	if c.sampler != nil {
		s.sampler = c.sampler
	}
	s.batch, errs[1] = batch.FromEnv(src, "OTEL_BSP_", spanBatchDefaults, warn)
	s.limits, errs[2] = spanLimits(src)
	if c.limits != nil {
		s.limits = *c.limits
	}
	// The exporter configuration is validated even when WithSpanExporter
	// replaces it: a bad variable is never silent.
	s.exporter, errs[3] = otlpconf.Resolve(src, otlpconf.Traces, c.otlp)
	return s, errors.Join(errs[:]...)
}

// TracerProvider returns the SDK tracer provider (nil for a nil
// *Provider).
func (p *Provider) TracerProvider() *sdktrace.TracerProvider {
	if p == nil {
		return nil
	}
	return p.tp
}

// ExporterConfig returns the exporter configuration the provider resolved
// (a copy: changing it changes nothing). With WithSpanExporter it still
// describes what the options and variables chose, validated but unused.
func (p *Provider) ExporterConfig() ExporterConfig {
	if p == nil {
		return ExporterConfig{}
	}
	return p.exporter.Clone()
}

// ForceFlush exports the spans the batch processor holds, bounded by ctx
// (a nil ctx is context.Background(), as for NewTracerProvider).
func (p *Provider) ForceFlush(ctx context.Context) error {
	if p == nil || p.tp == nil {
		return nil
	}
	return p.tp.ForceFlush(option.Context(ctx))
}

// Shutdown flushes and stops the processors and the exporter, bounded by
// ctx, also when the exporter ignores ctx (its error then names the spans
// of the export still in progress; see the package doc). Safe to call
// more than once; the provider is a no-op afterwards.
// Sampled spans still open then, which end when nothing exports any more,
// and those begun later, by tracers obtained before or from Tracer, are
// reported to WithDropHandler's handler as lost ("after_shutdown"), each
// once. A nil ctx is context.Background().
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil || p.tp == nil {
		return nil
	}
	ctx = option.Context(ctx)
	err := p.tp.Shutdown(ctx)
	if p.spans != nil {
		// The SDK skips the processors whose turn comes after ctx ended
		// (all of them when it was done already), and never tries again:
		// the exporter's is shut down here all the same, so that what it
		// holds and every span after it are counted, and its goroutine
		// ends. When the SDK shut it down, this does nothing.
		if serr := p.spans.Shutdown(ctx); err == nil {
			err = serr
		}
	}
	return err
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
