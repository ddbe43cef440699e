package otlpconf

import (
	"io"
	"time"
)

// A Setting sets one field of Overrides for an OTLP option of tracing or
// metrics (WithExporter, WithEndpoint, …), which both packages offer under
// the same names: the logic lives here once. The field's option name
// becomes the package's own again (blank), so that the package's option
// named in an error is the one that set the value.
type Setting func(*Overrides)

// SetExporter sets Exporter.
func SetExporter(name string) Setting {
	return func(o *Overrides) { o.Exporter, o.Names.Exporter = name, "" }
}

// SetEndpoint sets Endpoint.
func SetEndpoint(endpoint string) Setting {
	return func(o *Overrides) { o.Endpoint, o.Names.Endpoint = endpoint, "" }
}

// SetProtocol sets Protocol.
func SetProtocol(protocol string) Setting {
	return func(o *Overrides) { o.Protocol, o.Names.Protocol = protocol, "" }
}

// SetHeaders sets Headers to h (a nil h leaves the variables in charge).
// The caller copies h first: the option keeps it for scrubbing.
func SetHeaders(h map[string]string) Setting {
	return func(o *Overrides) { o.Headers, o.Names.Headers = h, "" }
}

// SetInsecure sets Insecure.
func SetInsecure(insecure bool) Setting {
	return func(o *Overrides) { o.Insecure = &insecure }
}

// SetTimeout sets Timeout.
func SetTimeout(d time.Duration) Setting {
	return func(o *Overrides) { o.Timeout, o.Names.Timeout = d, "" }
}

// SetCompression sets Compression.
func SetCompression(compression string) Setting {
	return func(o *Overrides) { o.Compression, o.Names.Compression = compression, "" }
}

// SetConsole sets Console.
func SetConsole(w io.Writer) Setting {
	return func(o *Overrides) { o.Console = w }
}
