package otel

import "github.com/otelkit/otelkit/internal/hostcheck"

// WithAllowedHosts names the hosts HealthHandler and TraceViewerHandler
// answer besides IP addresses and localhost (and names under
// .localhost): "admin.example" allows that name, ".example.com" it and
// every name under it, in any case and with any port. By default there are
// none; no environment variable sets them. Names add up over several
// options, and reach the logger's LevelHandler too. A name that is no host
// name (with a port, a scheme, a "*") is a ConfigError.
//
// A request whose Host names another is refused with 403, as a browser
// sends it when a web page rebound its own name to the admin port's
// address (DNS rebinding) to read the traces or change the log level:
// the trace viewer and a change of the level refuse it always, the health
// document when it arrived on a loopback address (see "When telemetry is
// missing" in the package documentation). Give the names you reach them
// by in a browser (a development host's, an ingress'); a name is safe to
// give only if nobody else decides what it resolves to.
func WithAllowedHosts(names ...string) Option {
	return optionFunc(func(c config) config { c.allowedHosts = append(c.allowedHosts, names...); return c })
}

// hostPolicy returns what WithAllowedHosts allows, and a ConfigError for
// each name that is no host name.
func (c config) hostPolicy() (hostcheck.Policy, error) {
	return hostcheck.Parse("otel.WithAllowedHosts", c.allowedHosts)
}

// hostPolicy is the Policy of t's endpoints; a nil Telemetry's answers IP
// addresses and localhost.
func (t *Telemetry) hostPolicy() hostcheck.Policy {
	if t == nil {
		p, _ := hostcheck.New("otel.WithAllowedHosts", nil)
		return p
	}
	return t.hosts
}
