package httpmw

import (
	"net/http"
	"os"
	"strings"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"golang.org/x/net/http/httpguts"

	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/internal/requestid"
)

// config is the resolved configuration of a Handler, Middleware or
// Transport. Its zero value is not used; newConfig fills the defaults.
type config struct {
	reqscope.Settings // providers, propagators, logger, access-line policy

	requestIDHeader string // canonical form
	skipPaths       map[string]struct{}
	logQuery        bool
	redactExtra     []string  // WithRedactedParams, WithQueryLogging
	redact          *redactor // DefaultRedactedParams + redactExtra
	routeFunc       func(*http.Request) string
	routeLimit      int // distinct routes kept from routeFunc; 0: DefaultRouteLimit
	publicEndpoint  func(*http.Request) bool
	traceResponse   bool
	serverName      string
}

// Option configures Handler, Middleware and Transport. Options that only
// concern the server side are ignored by Transport.
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// sharedOption is an option httpmw shares with grpcmw: the setting is
// reqscope's.
type sharedOption reqscope.Setting

func (s sharedOption) apply(c config) config { s(&c.Settings); return c }

func newConfig(opts []Option) config {
	c := config{requestIDHeader: requestid.DefaultHeader}
	c = option.Apply(c, opts, Option.apply)
	if !httpguts.ValidHeaderFieldName(c.requestIDHeader) {
		l := c.Logger
		if l == nil {
			l = zap.L()
		}
		l.Warn("httpmw_invalid_option",
			zap.String("option", "WithRequestIDHeader"),
			zap.String("value", reqscope.Truncate(c.requestIDHeader)),
			zap.String("allowed", "an HTTP header name (RFC 9110 token); using "+requestid.DefaultHeader),
		)
		c.requestIDHeader = requestid.DefaultHeader
	}
	c.requestIDHeader = http.CanonicalHeaderKey(c.requestIDHeader)
	if c.serverName == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			c.serverName = h
		} else {
			c.serverName = "localhost"
		}
	}
	c.redact = defaultRedactor
	if len(c.redactExtra) > 0 {
		c.redact = newRedactor(c.redactExtra)
	}
	return c
}

// WithTracerProvider sets the TracerProvider for server and client spans.
// Default: the OpenTelemetry global provider (otel.GetTracerProvider), looked
// up at request time, so a handler built before otel.Init uses the provider
// Init installs.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return sharedOption(reqscope.SetTracerProvider(tp))
}

// WithMeterProvider sets the MeterProvider for the HTTP metrics
// (http.server.request.duration and friends). Default: the OpenTelemetry
// global provider when Handler, Middleware or Transport is called; the global
// delegates to the provider that otel.Init installs later.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return sharedOption(reqscope.SetMeterProvider(mp))
}

// WithPropagators sets the propagators that extract the incoming trace
// context and inject the outgoing one. Default: the OpenTelemetry global
// propagator (otel.GetTextMapPropagator), looked up at request time. Either
// way, traceparent, tracestate and baggage reach them as the W3C
// specifications say (see "Trace context" in the package documentation).
func WithPropagators(p propagation.TextMapPropagator) Option {
	return sharedOption(reqscope.SetPropagators(p))
}

// WithLogger sets the logger that request lines are bound to and that writes
// the access line. Default: zap.L(), looked up at request time.
func WithLogger(l *zap.Logger) Option {
	return sharedOption(reqscope.SetLogger(l))
}

// WithRequestIDHeader sets the header that carries the request ID in and
// out (server: read and echoed; client: forwarded, in place of a value the
// request sets that the server would refuse, see Transport). Default:
// X-Request-ID.
// A Handler inside another one does not read it: it takes the outer
// Handler's request ID, so that a request has one ID, and echoes that.
// An empty name keeps the default; a name that is not an HTTP token is
// reported as a warning on the logger (msg httpmw_invalid_option) and the
// default is used.
func WithRequestIDHeader(name string) Option {
	return optionFunc(func(c config) config {
		if name = strings.TrimSpace(name); name != "" {
			c.requestIDHeader = name
		}
		return c
	})
}

// WithSkipPaths names URL paths (exact match, such as "/healthz") that get no
// access line. They are still traced and measured. Default: none.
func WithSkipPaths(paths ...string) Option {
	return optionFunc(func(c config) config {
		m := make(map[string]struct{}, len(c.skipPaths)+len(paths))
		for p := range c.skipPaths {
			m[p] = struct{}{}
		}
		for _, p := range paths {
			m[p] = struct{}{}
		}
		c.skipPaths = m
		return c
	})
}

// WithAccessLogSampling writes the access line of only one in every n
// successful requests (status below 400, no panic); 4xx, 5xx and panics are
// always logged. Default: every request (n <= 1).
func WithAccessLogSampling(n int) Option {
	return sharedOption(reqscope.SetAccessLogSampling(n))
}

// WithoutAccessLog turns the access line off. Default: on.
func WithoutAccessLog() Option {
	return sharedOption(reqscope.SetNoAccessLog())
}

// WithQueryLogging adds the query string (at most 1024 bytes) to the access
// line as "query", with the values of the parameters that may carry
// credentials replaced by REDACTED: DefaultRedactedParams and the families
// of names it describes, plus the names given here and with
// WithRedactedParams (all matched without regard to case). Parameters are
// split at "&" and at ";". Default: the query is not logged.
func WithQueryLogging(extraRedactedParams ...string) Option {
	return optionFunc(func(c config) config {
		c.logQuery = true
		c.redactExtra = append(append([]string(nil), c.redactExtra...), extraRedactedParams...)
		return c
	})
}

// WithRedactedParams adds query parameter names (matched without regard to
// case) whose values are replaced by REDACTED, besides
// DefaultRedactedParams: in the url.full attribute of Transport's client
// spans and in the query of the access line (WithQueryLogging). Default:
// DefaultRedactedParams only.
func WithRedactedParams(names ...string) Option {
	return optionFunc(func(c config) config {
		c.redactExtra = append(append([]string(nil), c.redactExtra...), names...)
		return c
	})
}

// WithRouteFunc supplies the route of a request for routers other than
// http.ServeMux (chi, gorilla, ...). fn runs after the next handler returns,
// so a router's route context is complete, and for each log line written
// before; it returns a low-cardinality template such as "/orders/{id}", or
// "" when the request matched no route. A panic in fn is recovered and
// reported like a handler's. Only the first WithRouteLimit distinct routes
// are kept (see there). The package documentation has recipes for chi and
// gorilla/mux. Default: the pattern http.ServeMux records in
// Request.Pattern.
func WithRouteFunc(fn func(*http.Request) string) Option {
	return optionFunc(func(c config) config {
		c.routeFunc = fn
		return c
	})
}

// DefaultRouteLimit is how many distinct routes a WithRouteFunc function
// may return before further new ones are dropped.
const DefaultRouteLimit = 1000

// WithRouteLimit bounds the distinct routes kept from WithRouteFunc, per
// Handler (or per handler Middleware wraps): once n distinct routes have
// been seen, a request whose route is new is recorded as one that matched
// no route (its span is named by its method, and neither the span, the
// metrics nor the log lines carry its route), and one
// "http_route_limit_reached" warning is logged. This keeps span names as
// bounded as metric series when a route function returns raw paths by
// mistake. Routes seen before the limit keep working. n < 1 means
// DefaultRouteLimit (1000). http.ServeMux patterns are not limited: there
// are as many as the mux has.
func WithRouteLimit(n int) Option {
	return optionFunc(func(c config) config {
		c.routeLimit = n
		return c
	})
}

// WithPublicEndpoint treats every request as coming from outside: the
// incoming trace context is not continued; a new trace starts, linked to the
// incoming span. Default: a valid incoming traceparent is continued.
func WithPublicEndpoint() Option {
	return WithPublicEndpointFunc(func(*http.Request) bool { return true })
}

// WithPublicEndpointFunc is WithPublicEndpoint for the requests where fn
// returns true. A panic in fn is recovered and reported like a handler's
// (see Panics in the package documentation).
func WithPublicEndpointFunc(fn func(*http.Request) bool) Option {
	return optionFunc(func(c config) config {
		c.publicEndpoint = fn
		return c
	})
}

// WithTraceResponse adds the W3C Trace Context level 2 "traceresponse"
// header (00-<trace-id>-<span-id>-<flags>) to every response whose server span
// is valid, so a client can quote the trace. Default: off.
func WithTraceResponse() Option {
	return optionFunc(func(c config) config {
		c.traceResponse = true
		return c
	})
}

// WithServerName sets server.address on server spans and on the HTTP
// metrics (with server.port when name has one). The Host header is never used
// for the metrics: a client controls it, and it would make the series
// unbounded. Default: the machine's host name (os.Hostname), without a port.
func WithServerName(name string) Option {
	return optionFunc(func(c config) config {
		c.serverName = name
		return c
	})
}
