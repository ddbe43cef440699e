package otlpconf

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/otelkit/otelkit/internal/env"

	"golang.org/x/net/http/httpguts"
)

// Each resolveX below applies, for one setting: option (Overrides) >
// per-signal variable > generic variable > default, records the source in
// r.Sources and returns every invalid value it met, the variables'
// included even when an option wins (a bad variable is never silent).

// pair is one setting's two variables, OTEL_EXPORTER_OTLP_<KEY> and
// OTEL_EXPORTER_OTLP_<SIGNAL>_<KEY>, with the valid values set in them.
type pair[T any] struct {
	generic, per string
	vals         map[string]T
}

// readPair reads both variables of key with read, which says whether a
// variable is set and returns an *env.Error when its value is invalid.
func readPair[T any](sig Signal, key string, read func(name string) (T, bool, error)) (pair[T], []error) {
	p := pair[T]{vals: map[string]T{}}
	p.generic, p.per = envNames(sig, key)
	var errs []error
	for _, n := range []string{p.generic, p.per} {
		if v, set, err := read(n); err != nil {
			errs = append(errs, err)
		} else if set {
			p.vals[n] = v
		}
	}
	return p, errs
}

// parsed returns a readPair reader that parses a variable's value with
// parse; bad makes the error for an invalid value v of variable n.
func parsed[T any](src env.Source, parse func(string) (T, error), bad func(n, v string, err error) *env.Error) func(string) (T, bool, error) {
	return func(n string) (T, bool, error) {
		var zero T
		v, set := src.String(n)
		if !set {
			return zero, false, nil
		}
		x, err := parse(v)
		if err != nil {
			return zero, true, bad(n, v, err)
		}
		return x, true, nil
	}
}

// masked is parsed's bad for a value that mask makes fit to show.
func masked(mask func(string) string, allowed string) func(n, v string, err error) *env.Error {
	return func(n, v string, err error) *env.Error {
		return &env.Error{Var: n, Value: mask(v), Allowed: allowed, Err: err}
	}
}

// env returns the per-signal variable's value, else the generic one's,
// with its source; ok is false when neither is set.
func (p pair[T]) env() (v T, source string, ok bool) {
	for _, n := range []string{p.per, p.generic} {
		if v, ok := p.vals[n]; ok {
			return v, sourceEnv + n, true
		}
	}
	return v, "", false
}

// MetricsExportersAllowed is what OTEL_METRICS_EXPORTER and the metrics
// exporter option accept.
const MetricsExportersAllowed = "otlp, prometheus, console or none (several comma separated; none alone)"

// exporterOrder is the order in which metrics lists its exporters.
var exporterOrder = []string{ExporterOTLP, ExporterConsole, ExporterPrometheus}

// exporters parses an exporter choice: for traces and logs a single name
// of otlp, console, none; for metrics a comma-separated list of otlp,
// prometheus, console, or none alone. It returns the exporters in use and,
// when v is not allowed, what is.
func exporters(sig Signal, v string) (inUse []string, allowed string) {
	if sig == Metrics {
		seen := map[string]bool{}
		for _, item := range strings.Split(v, ",") {
			switch n := strings.ToLower(strings.TrimSpace(item)); n {
			case ExporterOTLP, ExporterPrometheus, ExporterConsole, ExporterNone:
				seen[n] = true
			default:
				return nil, MetricsExportersAllowed
			}
		}
		if seen[ExporterNone] && len(seen) > 1 {
			return nil, MetricsExportersAllowed
		}
		for _, n := range exporterOrder {
			if seen[n] {
				inUse = append(inUse, n)
			}
		}
		return inUse, ""
	}
	var items []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
			items = append(items, item)
		}
	}
	single := []string{ExporterOTLP, ExporterConsole, ExporterNone}
	switch {
	case len(items) != 1:
		return nil, "a single exporter, one of " + strings.Join(single, ", ") + " (lists are not supported)"
	case !slices.Contains(single, items[0]):
		return nil, strings.Join(single, ", ")
	case items[0] == ExporterNone:
		return nil, ""
	}
	return items, ""
}

func resolveExporter(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	name := "OTEL_" + strings.ToUpper(string(sig)) + "_EXPORTER"
	var envErr error
	envSet := false
	var fromEnv []string
	if raw, set := src.String(name); set {
		inUse, allowed := exporters(sig, raw)
		if allowed != "" {
			envErr = &env.Error{Var: name, Value: raw, Allowed: allowed}
		} else {
			fromEnv, envSet = inUse, true
		}
	}
	switch {
	case o.Exporter != "":
		inUse, allowed := exporters(sig, o.Exporter)
		if allowed != "" {
			return errors.Join(envErr, env.OptionError(optionName(o.Names.Exporter, "WithExporter"), o.Exporter, allowed))
		}
		r.Exporters, r.Sources[KeyExporter] = inUse, SourceOption
	case envSet:
		r.Exporters, r.Sources[KeyExporter] = fromEnv, sourceEnv+name
	default:
		r.Exporters, r.Sources[KeyExporter] = []string{ExporterOTLP}, SourceDefault
	}
	r.Exporter = ExporterNone
	if len(r.Exporters) > 0 {
		r.Exporter = strings.Join(r.Exporters, ",")
	}
	return envErr
}

func resolveProtocol(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	allowed := []string{ProtocolGRPC, ProtocolHTTPProtobuf}
	if sig == Traces {
		allowed = append(allowed, ProtocolHTTPJSON)
	}
	allowedText := strings.Join(allowed, ", ")
	if sig != Traces {
		allowedText += " (http/json is not supported by the Go OTLP " + string(sig) + " exporter)"
	}
	check := func(v string) (string, bool) {
		v = strings.ToLower(strings.TrimSpace(v))
		return v, slices.Contains(allowed, v)
	}
	vars, errs := readPair(sig, "PROTOCOL", func(n string) (string, bool, error) {
		v, set := src.String(n)
		if p, ok := check(v); ok || !set {
			return p, set, nil
		}
		return "", true, &env.Error{Var: n, Value: v, Allowed: allowedText}
	})
	v, from, fromEnv := vars.env()
	switch {
	case o.Protocol != "":
		p, ok := check(o.Protocol)
		if !ok {
			errs = append(errs, env.OptionError(optionName(o.Names.Protocol, "WithProtocol"), o.Protocol, allowedText))
			break
		}
		r.Protocol, r.Sources[KeyProtocol] = p, SourceOption
	case fromEnv:
		r.Protocol, r.Sources[KeyProtocol] = v, from
	default:
		r.Protocol, r.Sources[KeyProtocol] = ProtocolHTTPProtobuf, SourceDefault
	}
	return errors.Join(errs...)
}

const endpointAllowed = "a URL with scheme http or https and a host, without user info, query or fragment, e.g. http://localhost:4318"

// parseEndpointURL checks an endpoint URL the way the specification requires.
func parseEndpointURL(v string) (*url.URL, error) {
	if err := checkNoSpace(v); err != nil {
		return nil, err
	}
	if !strings.Contains(v, "://") {
		return nil, errors.New("has no scheme: write http:// or https:// before the host")
	}
	u, err := url.Parse(v)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	s := strings.ToLower(u.Scheme)
	if s != "http" && s != "https" {
		return nil, errors.New("scheme must be http or https")
	}
	if err := checkEndpointParts(u); err != nil {
		return nil, err
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("missing host")
	}
	if p := u.Port(); p != "" {
		if err := checkPort(p); err != nil {
			return nil, err
		}
	}
	u.Scheme = s
	return u, nil
}

func checkPort(p string) error {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return errors.New("port must be a number")
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return errors.New("port must be at most 65535")
		}
	}
	if n == 0 {
		return errors.New("port must be from 1 to 65535")
	}
	return nil
}

// envEndpoints parses the generic and per-signal ENDPOINT variables that
// are set.
func envEndpoints(src env.Source, sig Signal) (pair[*url.URL], []error) {
	return readPair(sig, "ENDPOINT", parsed(src, parseEndpointURL, func(n, v string, err error) *env.Error {
		return badEndpointError(n, "", v, endpointAllowed, err)
	}))
}

// optionEndpoint parses the endpoint option: a URL (its scheme then
// decides TLS, unless the insecure option does) or host:port. For HTTP an
// empty or "/" path becomes the signal's; gRPC has no path.
func optionEndpoint(sig Signal, o Overrides, httpProto bool) (u *url.URL, fromScheme bool, err error) {
	v := strings.TrimSpace(o.Endpoint)
	defer func() {
		if err != nil {
			err = badEndpointError("", optionName(o.Names.Endpoint, "WithEndpoint"), v, endpointAllowed+" or host:port", err)
		}
	}()
	if strings.Contains(v, "://") {
		if u, err = parseEndpointURL(v); err != nil {
			return nil, false, err
		}
		switch {
		case !httpProto:
			u.Path, u.RawPath = "", ""
		case u.Path == "" || u.Path == "/":
			u.Path = signalPath(sig)
		}
		return u, true, nil
	}
	if err := checkNoSpace(v); err != nil {
		return nil, false, err
	}
	if err := checkHostPort(v); err != nil {
		return nil, false, err
	}
	host, port, serr := net.SplitHostPort(v)
	switch {
	case serr != nil:
		return nil, false, errors.New("not host:port") // net's error quotes the whole value
	case host == "":
		return nil, false, errors.New("missing host")
	}
	if err := checkPort(port); err != nil {
		return nil, false, err
	}
	u = &url.URL{Scheme: "https", Host: v}
	if httpProto {
		u.Path = signalPath(sig)
	}
	return u, false, nil
}

// resolveEndpoint chooses the endpoint and, since the scheme may decide
// it, whether the transport is insecure.
func resolveEndpoint(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	vars, errs := envEndpoints(src, sig)
	per, generic := vars.vals[vars.per], vars.vals[vars.generic]
	var (
		u         *url.URL
		schemeSrc string // where the scheme that may decide TLS came from
	)
	httpProto := r.Protocol != ProtocolGRPC
	switch {
	case o.Endpoint != "":
		ou, fromScheme, err := optionEndpoint(sig, o, httpProto)
		if err != nil {
			errs = append(errs, err)
			break
		}
		if u, r.Sources[KeyEndpoint] = ou, SourceOption; fromScheme {
			schemeSrc = SourceOption
		}
	case per != nil:
		c := *per
		switch {
		case !httpProto:
			c.Path = ""
		case c.Path == "":
			c.Path = "/" // the specification: per-signal URLs are used as they are
		}
		u, schemeSrc = &c, sourceEnv+vars.per
		r.Sources[KeyEndpoint] = schemeSrc
	case generic != nil:
		c := *generic
		c.Path = ""
		if httpProto {
			c.Path = path.Join("/", generic.Path, signalPath(sig))
		}
		u, schemeSrc = &c, sourceEnv+vars.generic
		r.Sources[KeyEndpoint] = schemeSrc
	default:
		u = &url.URL{Scheme: "https", Host: "localhost:" + defaultPort(r.Protocol)}
		if httpProto {
			u.Path = signalPath(sig)
		}
		r.Sources[KeyEndpoint] = SourceDefault
	}
	errs = append(errs, resolveInsecure(src, sig, o, u, schemeSrc, r))
	if u != nil {
		u.Scheme = "https"
		if r.Insecure {
			u.Scheme = "http"
		}
		r.endpointURL = u
		r.Endpoint = maskURL(u)
	}
	return errors.Join(errs...)
}

// resolveInsecure: option > an endpoint option's scheme > per-signal
// variable > generic variable > an endpoint variable's scheme > TLS.
func resolveInsecure(src env.Source, sig Signal, o Overrides, u *url.URL, schemeSrc string, r *Resolved) error {
	vars, errs := readPair(sig, "INSECURE", src.Bool)
	v, from, fromEnv := vars.env()
	switch {
	case o.Insecure != nil:
		r.Insecure, r.Sources[KeyInsecure] = *o.Insecure, SourceOption
	case schemeSrc == SourceOption && u != nil:
		r.Insecure, r.Sources[KeyInsecure] = u.Scheme == "http", SourceOption
	case fromEnv:
		r.Insecure, r.Sources[KeyInsecure] = v, from
	case schemeSrc != "" && u != nil:
		r.Insecure, r.Sources[KeyInsecure] = u.Scheme == "http", schemeSrc
	default:
		r.Insecure, r.Sources[KeyInsecure] = false, SourceDefault
	}
	return errors.Join(errs...)
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

const (
	headersAllowed       = "comma-separated key=value pairs, keys HTTP tokens, values URL-encoded (W3C baggage syntax)"
	headersOptionAllowed = "header names that are HTTP tokens and values without control characters (header names and values are not shown)"
)

// parseHeaders parses the specification's header list syntax. Its errors
// name items by position and never quote a key or a value.
func parseHeaders(v string) (map[string]string, error) {
	h := map[string]string{}
	for i, p := range strings.Split(v, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("item %d has no '='", i+1)
		}
		k = strings.TrimSpace(k)
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, fmt.Errorf("item %d: %s", i+1, keyProblem(k))
		}
		dv, err := url.PathUnescape(val)
		if err != nil {
			return nil, fmt.Errorf("item %d: the value is not URL-encoded", i+1)
		}
		dv = strings.TrimSpace(dv)
		if !validHeaderValue(dv) {
			return nil, fmt.Errorf("item %d: the value has control characters", i+1)
		}
		h[k] = dv
	}
	return h, nil
}

func headerNames(h map[string]string) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// validNames is headerNames without the keys that are not HTTP tokens (an
// error reports those; a malformed key may hold a credential).
func validNames(h map[string]string) []string {
	names := headerNames(h)
	out := names[:0]
	for _, k := range names {
		if httpguts.ValidHeaderFieldName(k) {
			out = append(out, k)
		}
	}
	return out
}

// checkHeadersOption reports each header of the option that is not valid,
// without quoting a key or a value: either may be a credential.
func checkHeadersOption(o Overrides) []error {
	var errs []error
	bad := func(why string) {
		errs = append(errs, &env.Error{Option: optionName(o.Names.Headers, "WithHeaders"), Withheld: true,
			Allowed: headersOptionAllowed, Err: errors.New(why)})
	}
	for _, k := range headerNames(o.Headers) {
		if !httpguts.ValidHeaderFieldName(k) {
			bad(keyProblem(k))
		} else if !validHeaderValue(o.Headers[k]) {
			bad("a value has control characters")
		}
	}
	return errs
}

func resolveHeaders(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	vars, errs := readPair(sig, "HEADERS", parsed(src, parseHeaders, masked(maskHeaders, headersAllowed)))
	h, from, fromEnv := vars.env()
	switch {
	case o.Headers != nil:
		errs = append(errs, checkHeadersOption(o)...)
		r.HeaderNames, r.Sources[KeyHeaders] = validNames(o.Headers), SourceOption
		r.headers = o.Headers
	case fromEnv:
		r.HeaderNames, r.Sources[KeyHeaders] = headerNames(h), from
		r.headers = h
	default:
		r.Sources[KeyHeaders] = SourceDefault
	}
	return errors.Join(errs...)
}

// DefaultTimeout is the SDK's export timeout when nothing is set.
const DefaultTimeout = 10 * time.Second

func resolveTimeout(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	vars, errs := readPair(sig, "TIMEOUT", func(n string) (time.Duration, bool, error) {
		return src.Millis(n, time.Millisecond)
	})
	d, from, fromEnv := vars.env()
	switch {
	case o.Timeout < 0:
		errs = append(errs, env.OptionError(optionName(o.Names.Timeout, "WithTimeout"), o.Timeout.String(), "a positive duration"))
	case o.Timeout > 0:
		r.Timeout, r.Sources[KeyTimeout] = o.Timeout, SourceOption
	case fromEnv:
		r.Timeout, r.Sources[KeyTimeout] = d, from
	default:
		r.Timeout, r.Sources[KeyTimeout] = DefaultTimeout, SourceDefault
	}
	return errors.Join(errs...)
}

func resolveCompression(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	vars, errs := readPair(sig, "COMPRESSION", func(n string) (string, bool, error) {
		return src.Enum(n, "gzip", "none")
	})
	v, from, fromEnv := vars.env()
	r.envCompression = v
	switch {
	case o.Compression != "":
		v := strings.ToLower(strings.TrimSpace(o.Compression))
		if v != "gzip" && v != "none" {
			errs = append(errs, env.OptionError(optionName(o.Names.Compression, "WithCompression"), o.Compression, "gzip, none"))
			break
		}
		r.Compression, r.Sources[KeyCompression] = v, SourceOption
	case fromEnv:
		r.Compression, r.Sources[KeyCompression] = v, from
	default:
		r.Compression, r.Sources[KeyCompression] = "none", SourceDefault
	}
	return errors.Join(errs...)
}

func resolveMetricsEnv(src env.Source, r *Resolved) error {
	var errs []error
	const tn = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
	v, set, err := src.Enum(tn, "cumulative", "delta", "lowmemory")
	switch {
	case err != nil:
		errs = append(errs, err)
	case set:
		r.Temporality, r.Sources[KeyTemporality] = v, sourceEnv+tn
	default:
		r.Temporality, r.Sources[KeyTemporality] = "cumulative", SourceDefault
	}
	const hn = "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION"
	if v, set, err := src.Enum(hn, "explicit_bucket_histogram", "base2_exponential_bucket_histogram"); err != nil {
		errs = append(errs, err)
	} else if set {
		r.Histogram, r.Sources[KeyHistogram] = v, sourceEnv+hn
	} else {
		r.Histogram, r.Sources[KeyHistogram] = "explicit_bucket_histogram", SourceDefault
	}
	return errors.Join(errs...)
}
