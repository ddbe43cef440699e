package otlpconf

import (
	"io"
	"maps"
	"time"

	"github.com/otelkit/otelkit/internal/option"
)

// A Setting sets one field of Overrides for an OTLP option of tracing or
// metrics (WithExporter, WithEndpoint, …), which both packages offer under
// the same names: the logic lives here once, and each package wraps a
// Setting in its own sealed Option type. The field's option name becomes
// the package's own again (blank), so that the package's option named in
// an error is the one that set the value.
type Setting struct {
	set     func(*Overrides)
	headers map[string]string // SetHeaders' map, kept for OTLPHeaders
}

// Apply sets the field of o.
func (s Setting) Apply(o *Overrides) { s.set(o) }

// OTLPHeaders returns the headers a SetHeaders setting sets, nil for the
// others (not to be changed). otel.Init finds it on the options given
// through WithTracingOptions and WithMetricsOptions, and scrubs the values
// from exporter errors.
func (s Setting) OTLPHeaders() map[string]string { return s.headers }

// SetExporter sets Exporter.
func SetExporter(name string) Setting {
	return Setting{set: func(o *Overrides) { o.Exporter, o.Names.Exporter = name, "" }}
}

// SetEndpoint sets Endpoint.
func SetEndpoint(endpoint string) Setting {
	return Setting{set: func(o *Overrides) { o.Endpoint, o.Names.Endpoint = endpoint, "" }}
}

// SetProtocol sets Protocol.
func SetProtocol(protocol string) Setting {
	return Setting{set: func(o *Overrides) { o.Protocol, o.Names.Protocol = protocol, "" }}
}

// SetHeaders sets Headers to a copy of h (a nil h leaves the variables in
// charge), which the setting keeps for OTLPHeaders: the caller may change
// h afterwards.
func SetHeaders(h map[string]string) Setting {
	h = maps.Clone(h)
	return Setting{set: func(o *Overrides) { o.Headers, o.Names.Headers = h, "" }, headers: h}
}

// SetInsecure sets Insecure.
func SetInsecure(insecure bool) Setting {
	return Setting{set: func(o *Overrides) { o.Insecure = &insecure }}
}

// SetTimeout sets Timeout.
func SetTimeout(d time.Duration) Setting {
	return Setting{set: func(o *Overrides) { o.Timeout, o.Names.Timeout = d, "" }}
}

// SetCompression sets Compression.
func SetCompression(compression string) Setting {
	return Setting{set: func(o *Overrides) { o.Compression, o.Names.Compression = compression, "" }}
}

// SetConsole sets Console.
func SetConsole(w io.Writer) Setting {
	return Setting{set: func(o *Overrides) { o.Console = option.Value(w) }}
}
