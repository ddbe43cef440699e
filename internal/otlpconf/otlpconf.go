package otlpconf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/otelkit/otelkit/internal/env"
)

// Signal names one of the three OpenTelemetry signals.
type Signal string

// The signals otelkit exports.
const (
	Traces  Signal = "traces"
	Metrics Signal = "metrics"
	Logs    Signal = "logs"
)

// Exporter names accepted in Overrides.Exporter and OTEL_<SIGNAL>_EXPORTER.
const (
	ExporterOTLP       = "otlp"
	ExporterConsole    = "console"
	ExporterNone       = "none"
	ExporterPrometheus = "prometheus" // metrics only
)

// Protocols accepted in Overrides.Protocol and OTEL_EXPORTER_OTLP_*PROTOCOL.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
	ProtocolHTTPJSON     = "http/json" // traces only: the Go metric and log exporters do not implement it
)

// Source values recorded in Resolved.Sources.
const (
	SourceOption  = "option"
	SourceDefault = "default"
	sourceEnv     = "env:"
)

// Keys of Resolved.Sources.
const (
	KeyExporter          = "exporter"
	KeyProtocol          = "protocol"
	KeyEndpoint          = "endpoint"
	KeyInsecure          = "insecure"
	KeyHeaders           = "headers"
	KeyTimeout           = "timeout"
	KeyCompression       = "compression"
	KeyCertificate       = "certificate"
	KeyClientCertificate = "client_certificate"
	KeyTemporality       = "temporality"
	KeyHistogram         = "histogram_aggregation"
)

// maxFileSize bounds certificate and key files read at start-up.
const maxFileSize = 1 << 20

// Overrides are values set in code (options). Zero values mean "not set":
// the environment then decides, then the SDK default.
type Overrides struct {
	Exporter    string            // "otlp" | "console" | "none"; for metrics also "prometheus", several comma separated
	Protocol    string            // "grpc" | "http/protobuf" (| "http/json" for traces)
	Endpoint    string            // URL ("http://host:4318", path optional) or "host:port"
	Headers     map[string]string // sent with every export; values are secrets
	Insecure    *bool             // plaintext (true) or TLS (false)
	Timeout     time.Duration     // per export; must be > 0 when set
	Compression string            // "gzip" | "none"
	Console     io.Writer         // where console exporters write; default os.Stdout
	// NoEnv makes the exporters read nothing from the process
	// environment: every resolved value, defaults included, is passed to
	// the SDK exporter, which otherwise reads what Overrides leave unset
	// from the OTEL_EXPORTER_OTLP_* variables itself. A declarative
	// configuration file sets it: the specification ignores those
	// variables while a file is in use.
	NoEnv bool
	// Names are the options that set the fields above, for errors.
	Names Names
}

// Names are the names of the options that set the fields of Overrides, as
// the user wrote them, so that an error names otel's WithOTLPEndpoint when
// that is what the user called, and tracing's WithEndpoint when it was
// that one. A blank name stands for the signal packages' own (WithExporter,
// WithProtocol, WithEndpoint, WithHeaders, WithTimeout, WithCompression).
// Insecure and Console cannot be invalid and have no name.
type Names struct {
	Exporter, Protocol, Endpoint, Headers, Timeout, Compression string
}

// optionName returns name, or def when name is blank.
func optionName(name, def string) string {
	if name != "" {
		return name
	}
	return def
}

// Merge returns o with each field that top sets replacing o's, together
// with the name of the option that set it: the options of otel.Init win
// over those given to tracing and metrics through WithTracingOptions and
// WithMetricsOptions, field by field.
func (o Overrides) Merge(top Overrides) Overrides {
	if top.Exporter != "" {
		o.Exporter, o.Names.Exporter = top.Exporter, top.Names.Exporter
	}
	if top.Protocol != "" {
		o.Protocol, o.Names.Protocol = top.Protocol, top.Names.Protocol
	}
	if top.Endpoint != "" {
		o.Endpoint, o.Names.Endpoint = top.Endpoint, top.Names.Endpoint
	}
	if top.Headers != nil {
		o.Headers, o.Names.Headers = top.Headers, top.Names.Headers
	}
	if top.Insecure != nil {
		o.Insecure = top.Insecure
	}
	if top.Timeout != 0 {
		o.Timeout, o.Names.Timeout = top.Timeout, top.Names.Timeout
	}
	if top.Compression != "" {
		o.Compression, o.Names.Compression = top.Compression, top.Names.Compression
	}
	if top.Console != nil {
		o.Console = top.Console
	}
	o.NoEnv = o.NoEnv || top.NoEnv
	return o
}

// Resolved is the effective choice for one signal. Sources maps each Key*
// to where the value came from: "option", "env:OTEL_..." or "default".
// Header values are never kept in its fields; only their names are.
type Resolved struct {
	Signal Signal
	// Exporter is the exporter chosen, "none" included; for metrics, the
	// exporters in use comma separated ("otlp,prometheus"), or "none".
	Exporter string
	// Exporters lists the exporters in use (none for "none"): for traces
	// and logs at most one; for metrics in the order otlp, console,
	// prometheus.
	Exporters   []string
	Protocol    string
	Endpoint    string // effective URL, credentials and query values masked
	Insecure    bool
	HeaderNames []string // sorted names of the headers in effect (values never stored)
	Timeout     time.Duration
	Compression string
	Temporality string // metrics: "cumulative" | "delta" | "lowmemory"
	// Histogram is the metrics' default histogram aggregation:
	// "explicit_bucket_histogram" or "base2_exponential_bucket_histogram".
	Histogram string
	Sources   map[string]string

	endpointURL    *url.URL          // unmasked effective endpoint (a pointer: %v prints its address)
	envCompression string            // compression the environment asks for, "" when unset
	tlsConfig      *tls.Config       // from the certificate variables, nil when none
	headers        map[string]string // the headers in effect, values included; only until newPlan
	process        bool              // resolved from the process environment, which the SDK reads too (false with NoEnv)
	// plan is what the exporter constructors pass to the SDK; behind a
	// pointer, so that printing a Resolved never shows a header value.
	plan *plan
}

// String shows the exported fields only. The unexported ones hold what
// the exporters need, header values included, and a pointer in them would
// be followed by some verbs (%s).
func (r Resolved) String() string {
	return fmt.Sprintf("{Signal:%s Exporter:%s Exporters:%v Protocol:%s Endpoint:%s Insecure:%t HeaderNames:%v "+
		"Timeout:%s Compression:%s Temporality:%s Histogram:%s Sources:%v}", r.Signal, r.Exporter, r.Exporters, r.Protocol,
		r.Endpoint, r.Insecure, r.HeaderNames, r.Timeout, r.Compression, r.Temporality, r.Histogram, r.Sources)
}

// Clone returns a copy of r to hand out: its slices and map the caller may
// change, and without what the exporter constructors need (the unmasked
// endpoint, the TLS material, the header values), so that it cannot build
// an exporter.
func (r Resolved) Clone() Resolved {
	return Resolved{
		Signal: r.Signal, Exporter: r.Exporter, Exporters: slices.Clone(r.Exporters), Protocol: r.Protocol,
		Endpoint: r.Endpoint, Insecure: r.Insecure, HeaderNames: slices.Clone(r.HeaderNames), Timeout: r.Timeout,
		Compression: r.Compression, Temporality: r.Temporality, Histogram: r.Histogram, Sources: maps.Clone(r.Sources),
	}
}

// envName returns OTEL_EXPORTER_OTLP_<key> and OTEL_EXPORTER_OTLP_<SIGNAL>_<key>.
func envNames(sig Signal, key string) (generic, perSignal string) {
	return "OTEL_EXPORTER_OTLP_" + key, "OTEL_EXPORTER_OTLP_" + strings.ToUpper(string(sig)) + "_" + key
}

func defaultPort(protocol string) string {
	if protocol == ProtocolGRPC {
		return "4317"
	}
	return "4318"
}

func signalPath(sig Signal) string { return "/v1/" + string(sig) }

// Resolve validates every OTEL_EXPORTER_OTLP_* variable (generic and for sig),
// OTEL_<SIGNAL>_EXPORTER and the overrides, and returns the effective choice,
// from which SpanExporter, MetricExporter and LogExporter build exporters.
// Invalid values are reported together (errors.Join); each is an *env.Error
// naming the variable or option, the value (masked where it may hold a
// secret) and what is allowed.
func Resolve(src env.Source, sig Signal, o Overrides) (Resolved, error) {
	r := Resolved{Signal: sig, Sources: map[string]string{}, process: src.IsProcess() && !o.NoEnv}
	switch sig {
	case Traces, Metrics, Logs:
	default:
		return r, fmt.Errorf("otelkit: unknown signal %q", string(sig))
	}
	errs := []error{
		resolveExporter(src, sig, o, &r),
		resolveProtocol(src, sig, o, &r),
		resolveEndpoint(src, sig, o, &r),
		resolveHeaders(src, sig, o, &r),
		resolveTimeout(src, sig, o, &r),
		resolveCompression(src, sig, o, &r),
		resolveTLS(src, sig, &r),
	}
	if sig == Metrics {
		errs = append(errs, resolveMetricsEnv(src, &r))
	}
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	r.plan = newPlan(o, r)
	r.headers = nil // kept in the plan only
	return r, nil
}
