package logprovider

import (
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/redact"
)

// config is what the options set; zero values mean "not set".
type config struct {
	lookup     env.LookupFunc
	resource   *resource.Resource
	otlp       otlpconf.Overrides
	processors []sdklog.Processor
	wraps      []func(sdklog.Exporter) sdklog.Exporter // first innermost
	onDrop     []func(reason string, n int)
	warn       []func(error)
	redact     redact.Setting // WithRedactedKeys, WithoutKeyRedaction
}

// Option configures NewLoggerProvider.
type Option interface{ apply(config) config }

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

func newConfig(opts []Option) config {
	return option.Apply(config{}, opts, Option.apply)
}

// WithEnvLookup reads variables through lookup instead of os.LookupEnv.
func WithEnvLookup(lookup func(string) (string, bool)) Option {
	return optionFunc(func(c config) config { c.lookup = lookup; return c })
}

// WithResource sets the resource every record carries; default the SDK's.
// A nil resource is ignored.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(c config) config {
		if r != nil {
			c.resource = r
		}
		return c
	})
}

// WithOTLPOverrides sets the exporter and OTLP settings given in code (the
// options of otel.Init, with their names for the errors). They win over
// OTEL_LOGS_EXPORTER and the OTEL_EXPORTER_OTLP_[LOGS_]* variables.
func WithOTLPOverrides(o otlpconf.Overrides) Option {
	return optionFunc(func(c config) config { c.otlp = c.otlp.Merge(o); return c })
}

// WithProcessor adds a log record processor after the exporter's batch
// processor. It may be repeated; nil is ignored.
func WithProcessor(p sdklog.Processor) Option {
	return optionFunc(func(c config) config {
		c.processors = option.Append(c.processors, p)
		return c
	})
}

// WithExporterWrapper wraps the exporter before the batch processor gets
// it (not called for "none"), e.g. to count the records exported and
// failed; the shape is tracing's and metrics'. The exporter it returns
// must forward every method (embedding the sdklog.Exporter does that); nil
// is an error. Repeatable, as tracing's: the first given is innermost.
func WithExporterWrapper(wrap func(sdklog.Exporter) sdklog.Exporter) Option {
	return optionFunc(func(c config) config { c.wraps = option.Append(c.wraps, wrap); return c })
}

// WithDropHandler receives the records the batch processor drops and why
// (batch.QueueFull, batch.Shutdown). It must be fast and must not block;
// a panic in it goes to otel.Handle. Repeatable: each is called.
func WithDropHandler(h func(reason string, n int)) Option {
	return optionFunc(func(c config) config { c.onDrop = option.Append(c.onDrop, h); return c })
}

// WithWarningHandler receives what is corrected rather than refused (a
// batch size larger than the queue); default otel.Handle. Repeatable: each
// is called.
func WithWarningHandler(h func(error)) Option {
	return optionFunc(func(c config) config { c.warn = option.Append(c.warn, h); return c })
}

// WithRedactedKeys adds keys to redact.Keys, the attribute keys whose
// values the exporter receives as REDACTED (the default whatever the
// options), as tracing.WithRedactedKeys does for spans. Options add up.
func WithRedactedKeys(keys ...string) Option {
	return redactOption{redact.Setting{Added: keys}}
}

// WithoutKeyRedaction exports every attribute value as it was set; it
// wins over WithRedactedKeys.
func WithoutKeyRedaction() Option {
	return redactOption{redact.Setting{Off: true}}
}

// redactOption is WithRedactedKeys' and WithoutKeyRedaction's option, in
// the shape of tracing's and logging's.
type redactOption struct{ redact.Setting }

func (o redactOption) apply(c config) config { c.redact = c.redact.Merge(o.Setting); return c }
