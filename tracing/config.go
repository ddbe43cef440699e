package tracing

import (
	"io"
	"time"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/redact"
)

// config is what the options set; zero values mean "not set".
type config struct {
	resource   *resource.Resource
	exporter   sdktrace.SpanExporter
	wraps      []func(sdktrace.SpanExporter) sdktrace.SpanExporter // WithExporterWrapper, first innermost
	otlp       otlpconf.Overrides
	sampler    sdktrace.Sampler
	processors []sdktrace.SpanProcessor
	lookup     func(string) (string, bool)
	warn       []func(error) // WithWarningHandler, each called
	limits     *sdktrace.SpanLimits
	onDrop     []func(reason string, n int) // WithDropHandler, each called
	redact     redact.Setting               // WithRedactedKeys, WithoutKeyRedaction
}

func newConfig(opts []Option) config {
	return option.Apply(config{}, opts, Option.apply)
}

// Option configures NewTracerProvider.
type Option interface{ apply(config) config }

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithResource sets the resource every span carries; default the SDK's
// resource.Default() (which reads OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME). A nil resource is ignored.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(c config) config {
		if r != nil {
			c.resource = r
		}
		return c
	})
}

// WithExporterWrapper wraps the span exporter the provider sends to
// (WithSpanExporter's, or the one the configuration builds; not called for
// "none"), for example to count exports. The wrapper gets the exporter
// already guarded to receive valid UTF-8 only; what it returns must forward
// every method (embedding the exporter does that). A wrapper that returns
// nil makes NewTracerProvider fail with a ConfigError. It may be given more
// than once: each wrapper wraps what the one before returned, the first
// given innermost (otel.Init adds its own, which counts exports for the
// health document, outermost). metrics and otelkit's log provider take a
// wrapper of the same shape.
func WithExporterWrapper(wrap func(sdktrace.SpanExporter) sdktrace.SpanExporter) Option {
	return optionFunc(func(c config) config { c.wraps = option.Append(c.wraps, wrap); return c })
}

// WithSpanExporter sends spans to e through a batch span processor, in place
// of the exporter OTEL_TRACES_EXPORTER and the OTLP options would build.
// The provider shuts e down with itself. A nil exporter is ignored. Like
// the exporters otelkit builds, e receives spans whose text is valid UTF-8
// (invalid bytes become U+FFFD).
func WithSpanExporter(e sdktrace.SpanExporter) Option {
	return optionFunc(func(c config) config {
		if e := option.Value(e); e != nil {
			c.exporter = e
		}
		return c
	})
}

// WithExporter chooses the exporter by name: "otlp", "console" or "none".
// It wins over OTEL_TRACES_EXPORTER; default "otlp". With "none" the
// provider has no exporter: spans still get IDs, so logs still correlate.
func WithExporter(name string) Option {
	return otlpOption{otlpconf.SetExporter(name)}
}

// WithEndpoint sets where the OTLP exporter sends spans: a URL
// ("http://collector:4318"; for HTTP an empty or "/" path becomes
// /v1/traces, and the scheme chooses TLS) or "host:port" (TLS unless
// WithInsecure or OTEL_EXPORTER_OTLP_[TRACES_]INSECURE says otherwise). It
// wins over OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, which wins over
// OTEL_EXPORTER_OTLP_ENDPOINT; default https://localhost:4318/v1/traces
// (localhost:4317 for gRPC).
func WithEndpoint(endpoint string) Option {
	return otlpOption{otlpconf.SetEndpoint(endpoint)}
}

// WithProtocol sets the OTLP protocol: "grpc", "http/protobuf" or
// "http/json". It wins over OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, which wins
// over OTEL_EXPORTER_OTLP_PROTOCOL; default "http/protobuf".
func WithProtocol(protocol string) Option {
	return otlpOption{otlpconf.SetProtocol(protocol)}
}

// WithHeaders sets the headers sent with every OTLP export (for example an
// API key); they replace, not extend, OTEL_EXPORTER_OTLP_TRACES_HEADERS and
// OTEL_EXPORTER_OTLP_HEADERS. Their values are never logged. A nil map
// leaves the variables in charge; an empty one sends no headers.
func WithHeaders(headers map[string]string) Option {
	return otlpOption{otlpconf.SetHeaders(headers)}
}

// otlpOption is an OTLP option: the setting is otlpconf's, shared with
// the other signal package. Through the setting's OTLPHeaders, otel.Init,
// given WithHeaders' option through WithTracingOptions, scrubs the header
// values from exporter errors.
type otlpOption struct{ otlpconf.Setting }

func (o otlpOption) apply(c config) config { o.Apply(&c.otlp); return c }

// WithInsecure chooses plaintext (true) or TLS (false) for the OTLP
// exporter. It wins over OTEL_EXPORTER_OTLP_TRACES_INSECURE,
// OTEL_EXPORTER_OTLP_INSECURE and the endpoint's scheme; default TLS.
func WithInsecure(insecure bool) Option {
	return otlpOption{otlpconf.SetInsecure(insecure)}
}

// WithTimeout bounds each OTLP export. It wins over
// OTEL_EXPORTER_OTLP_TRACES_TIMEOUT and OTEL_EXPORTER_OTLP_TIMEOUT;
// default 10s. A negative value is an error; zero is as if the option
// were not given (it is not "no limit").
func WithTimeout(d time.Duration) Option {
	return otlpOption{otlpconf.SetTimeout(d)}
}

// WithCompression sets the OTLP compression, "gzip" or "none". It wins over
// OTEL_EXPORTER_OTLP_TRACES_COMPRESSION and OTEL_EXPORTER_OTLP_COMPRESSION;
// default "none".
func WithCompression(compression string) Option {
	return otlpOption{otlpconf.SetCompression(compression)}
}

// WithConsoleWriter sets where the "console" exporter writes; default
// os.Stdout.
func WithConsoleWriter(w io.Writer) Option {
	return otlpOption{otlpconf.SetConsole(w)}
}

// WithSampler sets the sampler. It wins over OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG (which are still validated); default
// parentbased_always_on. A nil sampler is ignored.
func WithSampler(s sdktrace.Sampler) Option {
	return optionFunc(func(c config) config {
		if s := option.Value(s); s != nil {
			c.sampler = s
		}
		return c
	})
}

// WithSpanProcessor adds a span processor after the exporter's batch
// processor (for example a tracetest.SpanRecorder). It may be repeated.
func WithSpanProcessor(p sdktrace.SpanProcessor) Option {
	return optionFunc(func(c config) config {
		c.processors = option.Append(c.processors, p)
		return c
	})
}

// WithEnvLookup reads variables through lookup instead of os.LookupEnv
// (tests, or configuration kept elsewhere). It decides everything otelkit
// reads itself: exporter choice, protocol, sampler, batch processor and span
// limits, and the validation of every OTLP variable. The SDK's OTLP exporter
// still reads its connection settings (endpoint, headers, ...) from the
// process environment unless options set them.
func WithEnvLookup(lookup func(string) (string, bool)) Option {
	return optionFunc(func(c config) config { c.lookup = lookup; return c })
}

// WithWarningHandler receives what is corrected rather than refused (an
// export batch larger than the queue, a sampler argument that the sampler
// ignores); default otel.Handle, the OpenTelemetry global error handler.
// It may be given more than once: each handler is called, in order
// (otel.Init adds its own, which logs the warning).
func WithWarningHandler(h func(error)) Option {
	return optionFunc(func(c config) config { c.warn = option.Append(c.warn, h); return c })
}

// WithSpanLimits sets every span limit, used as given (a negative limit
// means unlimited, zero disables; an AttributeValueDepthLimit of zero means
// the default). It wins over all OTEL_*_LIMIT variables. Start from
// DefaultSpanLimits to change one field.
func WithSpanLimits(l sdktrace.SpanLimits) Option {
	return optionFunc(func(c config) config { c.limits = &l; return c })
}

// Reasons a span is dropped, as WithDropHandler reports them.
const (
	// DropQueueFull: the batch processor's queue held
	// OTEL_BSP_MAX_QUEUE_SIZE spans (default 2048) when one more ended,
	// typically because exports are slower than spans end (a collector
	// that is down, slow or throttling).
	DropQueueFull = batch.QueueFull
	// DropShutdown: the span was still queued when Shutdown's context
	// ended.
	DropShutdown = batch.Shutdown
	// DropAfterShutdown: a sampled span still open at Shutdown, which ends
	// when nothing exports any more, or begun after it.
	DropAfterShutdown = batch.AfterShutdown
)

// WithDropHandler receives the spans the batch processor drops, with the
// reason (DropQueueFull, DropShutdown, DropAfterShutdown), so that no loss
// goes unnoticed (the SDK's processor only counts them privately). It is
// called on the goroutine that drops, for a full queue the one ending the
// span: it must be fast and must not block. A panic in it goes to
// otel.Handle. Spans lost in a failed export are not reported here: the
// exporter's error is (otel.Handle, ForceFlush, Shutdown; Shutdown's also
// names those of an export still in progress when it returns, which the
// exporter ignored its context in); wrap the exporter
// (WithExporterWrapper) to count them.
// It may be given more than once: each handler is called, in order, and a
// panic in one does not keep the next from being called. Default none.
// otel.Init adds one that feeds HealthHandler and the telemetry_dropped
// warning.
func WithDropHandler(h func(reason string, n int)) Option {
	return optionFunc(func(c config) config { c.onDrop = option.Append(c.onDrop, h); return c })
}

// WithOTLPOverrides is how otel.Init hands its OTLP settings
// (WithOTLPEndpoint, WithTracesExporter, …) to this package, with the names
// of its options for the errors: each setting it holds wins over the one
// given by WithEndpoint, WithExporter, …. Its argument type is internal to
// otelkit, so other callers use those options instead.
func WithOTLPOverrides(o otlpconf.Overrides) Option {
	return optionFunc(func(c config) config { c.otlp = c.otlp.Merge(o); return c })
}

// WithRedactedKeys adds keys to the attribute keys whose values the
// exporter receives as REDACTED (logging.DefaultRedactedKeys, the default
// whatever the options): the value of a span's, event's or link's
// attribute, or of a map member at any depth, under one of them, or under
// a key that ends in one after "-", "_" or "." or as a camel-case word, is
// exported as the string REDACTED, its key kept. Keys are matched without
// regard to case, with "-", "_" and "." as one character
// (WithRedactedKeys("ssn") covers ssn, customer_ssn and customerSsn).
// Span processors (WithSpanProcessor) see the values as they were set.
// Options add up; blank keys are ignored. There is no environment
// variable: the keys a program records are a property of its code.
// Given to otel.Init through WithTracingOptions, the keys are added for
// the whole Telemetry (lines, log records and trace viewer too), as
// otel.WithRedactedKeys does.
func WithRedactedKeys(keys ...string) Option {
	return redactOption{redact.Setting{Added: keys}}
}

// WithoutKeyRedaction exports every attribute value as it was set, also
// under keys that name a credential, for a program whose collector keeps
// them safe by other means. It wins over WithRedactedKeys. Given to
// otel.Init through WithTracingOptions, it turns redaction off for the
// whole Telemetry, as otel.WithoutKeyRedaction does.
func WithoutKeyRedaction() Option {
	return redactOption{redact.Setting{Off: true}}
}

// redactOption is WithRedactedKeys' and WithoutKeyRedaction's option. The
// setting is internal/redact's, shared with logging: through it
// (redact.Carrier) otel.Init gathers the setting of the options it is
// given into the one setting of a Telemetry.
type redactOption struct{ redact.Setting }

func (o redactOption) apply(c config) config { c.redact = c.redact.Merge(o.Setting); return c }
