package otlpconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"sort"
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
	Exporter    string            // "otlp" | "console" | "none" (+ "prometheus" for metrics)
	Protocol    string            // "grpc" | "http/protobuf" (| "http/json" for traces)
	Endpoint    string            // URL ("http://host:4318", path optional) or "host:port"
	Headers     map[string]string // sent with every export; values are secrets
	Insecure    *bool             // plaintext (true) or TLS (false)
	Timeout     time.Duration     // per export; must be > 0 when set
	Compression string            // "gzip" | "none"
	Console     io.Writer         // where console exporters write; default os.Stdout
}

// Resolved is the effective choice for one signal. Sources maps each Key*
// to where the value came from: "option", "env:OTEL_..." or "default".
// Header values are never kept; only their names are.
type Resolved struct {
	Signal      Signal
	Exporter    string
	Protocol    string
	Endpoint    string // effective URL, credentials and query values masked
	Insecure    bool
	HeaderNames []string // sorted names of the headers in effect (values never stored)
	Timeout     time.Duration
	Compression string
	Temporality string // metrics: "cumulative" | "delta" | "lowmemory"
	Sources     map[string]string

	endpointURL    *url.URL    // unmasked effective endpoint (not printed by %v)
	envCompression string      // compression the environment asks for, "" when unset
	tlsConfig      *tls.Config // from the certificate variables, nil when none
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
// OTEL_<SIGNAL>_EXPORTER and the overrides, and returns the effective choice.
// Invalid values are reported together (errors.Join); each environment
// problem is an *env.Error naming the variable, the value (masked where it
// may hold a secret) and what is allowed.
func Resolve(src env.Source, sig Signal, o Overrides) (Resolved, error) {
	r := Resolved{Signal: sig, Sources: map[string]string{}}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	switch sig {
	case Traces, Metrics, Logs:
	default:
		return r, fmt.Errorf("otelkit: unknown signal %q", string(sig))
	}

	add(resolveExporter(src, sig, o, &r))
	add(resolveProtocol(src, sig, o, &r))
	add(resolveEndpoint(src, sig, o, &r))
	add(resolveHeaders(src, sig, o, &r))
	add(resolveTimeout(src, sig, o, &r))
	add(resolveCompression(src, sig, o, &r))
	add(resolveTLS(src, sig, &r))
	if sig == Metrics {
		add(resolveMetricsEnv(src, &r))
	}
	if len(errs) > 0 {
		return r, errors.Join(errs...)
	}
	return r, nil
}

func optionError(name, value, allowed string) error {
	return fmt.Errorf("otelkit: invalid option %s(%q): allowed: %s", name, value, allowed)
}

func resolveExporter(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	allowed := []string{ExporterOTLP, ExporterConsole, ExporterNone}
	if sig == Metrics {
		allowed = append(allowed, ExporterPrometheus)
	}
	isAllowed := func(v string) bool {
		for _, a := range allowed {
			if v == a {
				return true
			}
		}
		return false
	}
	name := "OTEL_" + strings.ToUpper(string(sig)) + "_EXPORTER"
	var envErr error
	items, set := src.List(name)
	envVal := ""
	if set {
		raw, _ := src.String(name)
		switch {
		case len(items) != 1:
			envErr = &env.Error{Var: name, Value: raw, Allowed: "a single exporter, one of " + strings.Join(allowed, ", ") + " (lists are not supported)"}
		case !isAllowed(items[0]):
			envErr = &env.Error{Var: name, Value: raw, Allowed: strings.Join(allowed, ", ")}
		default:
			envVal = items[0]
		}
	}
	switch {
	case o.Exporter != "":
		v := strings.ToLower(strings.TrimSpace(o.Exporter))
		if !isAllowed(v) {
			return errors.Join(envErr, optionError("WithExporter", o.Exporter, strings.Join(allowed, ", ")))
		}
		r.Exporter, r.Sources[KeyExporter] = v, SourceOption
	case envVal != "":
		r.Exporter, r.Sources[KeyExporter] = envVal, sourceEnv+name
	default:
		r.Exporter, r.Sources[KeyExporter] = ExporterOTLP, SourceDefault
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
		for _, a := range allowed {
			if v == a {
				return v, true
			}
		}
		return "", false
	}
	generic, per := envNames(sig, "PROTOCOL")
	var errs []error
	envVals := map[string]string{}
	for _, n := range []string{generic, per} {
		if v, ok := src.String(n); ok {
			if p, ok := check(v); ok {
				envVals[n] = p
			} else {
				errs = append(errs, &env.Error{Var: n, Value: v, Allowed: allowedText})
			}
		}
	}
	switch {
	case o.Protocol != "":
		p, ok := check(o.Protocol)
		if !ok {
			errs = append(errs, optionError("WithProtocol", o.Protocol, allowedText))
			break
		}
		r.Protocol, r.Sources[KeyProtocol] = p, SourceOption
	case envVals[per] != "":
		r.Protocol, r.Sources[KeyProtocol] = envVals[per], sourceEnv+per
	case envVals[generic] != "":
		r.Protocol, r.Sources[KeyProtocol] = envVals[generic], sourceEnv+generic
	default:
		r.Protocol, r.Sources[KeyProtocol] = ProtocolHTTPProtobuf, SourceDefault
	}
	return errors.Join(errs...)
}

const endpointAllowed = "a URL with scheme http or https and a host, without user info, query or fragment, e.g. http://localhost:4318"

// parseEndpointURL checks an endpoint URL the way the specification requires.
func parseEndpointURL(v string) (*url.URL, error) {
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

func resolveEndpoint(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	generic, per := envNames(sig, "ENDPOINT")
	insGeneric, insPer := envNames(sig, "INSECURE")
	var errs []error
	envURL := map[string]*url.URL{}
	for _, n := range []string{generic, per} {
		if v, ok := src.String(n); ok {
			u, err := parseEndpointURL(v)
			if err != nil {
				errs = append(errs, &env.Error{Var: n, Value: maskEndpoint(v), Allowed: endpointAllowed, Err: err})
				continue
			}
			envURL[n] = u
		}
	}
	envIns := map[string]*bool{}
	for _, n := range []string{insGeneric, insPer} {
		b, set, err := src.Bool(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if set {
			envIns[n] = &b
		}
	}

	var (
		u         *url.URL
		schemeSrc string
	)
	httpProto := r.Protocol != ProtocolGRPC
	switch {
	case o.Endpoint != "":
		v := strings.TrimSpace(o.Endpoint)
		if strings.Contains(v, "://") {
			pu, err := parseEndpointURL(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("otelkit: invalid option WithEndpoint(%q): allowed: %s or host:port (%w)", maskEndpoint(v), endpointAllowed, err))
				break
			}
			switch {
			case !httpProto:
				pu.Path, pu.RawPath = "", "" // gRPC has no path
			case pu.Path == "" || pu.Path == "/":
				pu.Path = signalPath(sig)
			}
			u, schemeSrc = pu, SourceOption
		} else {
			err := checkHostPort(v)
			if err == nil {
				host, port, serr := net.SplitHostPort(v)
				switch {
				case serr != nil:
					// net's error quotes the whole value: say it in words.
					err = errors.New("not host:port")
				case host == "":
					err = errors.New("missing host")
				default:
					err = checkPort(port)
				}
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("otelkit: invalid option WithEndpoint(%q): allowed: %s or host:port (%w)", maskEndpoint(v), endpointAllowed, err))
				break
			}
			u = &url.URL{Scheme: "https", Host: v}
			if httpProto {
				u.Path = signalPath(sig)
			}
		}
		r.Sources[KeyEndpoint] = SourceOption
	case envURL[per] != nil:
		c := *envURL[per]
		if httpProto && c.Path == "" {
			c.Path = "/" // the specification: per-signal URLs are used as they are
		}
		if !httpProto {
			c.Path = ""
		}
		u, schemeSrc = &c, sourceEnv+per
		r.Sources[KeyEndpoint] = sourceEnv + per
	case envURL[generic] != nil:
		c := *envURL[generic]
		if httpProto {
			c.Path = path.Join("/", c.Path, signalPath(sig))
		} else {
			c.Path = ""
		}
		u, schemeSrc = &c, sourceEnv+generic
		r.Sources[KeyEndpoint] = sourceEnv + generic
	default:
		u = &url.URL{Scheme: "https", Host: "localhost:" + defaultPort(r.Protocol)}
		if httpProto {
			u.Path = signalPath(sig)
		}
		r.Sources[KeyEndpoint] = SourceDefault
	}

	// Insecure: option > per-signal env > generic env > endpoint scheme > default (TLS).
	switch {
	case o.Insecure != nil:
		r.Insecure, r.Sources[KeyInsecure] = *o.Insecure, SourceOption
	case schemeSrc == SourceOption && u != nil:
		r.Insecure, r.Sources[KeyInsecure] = u.Scheme == "http", SourceOption
	case envIns[insPer] != nil:
		r.Insecure, r.Sources[KeyInsecure] = *envIns[insPer], sourceEnv+insPer
	case envIns[insGeneric] != nil:
		r.Insecure, r.Sources[KeyInsecure] = *envIns[insGeneric], sourceEnv+insGeneric
	case schemeSrc != "" && u != nil:
		r.Insecure, r.Sources[KeyInsecure] = u.Scheme == "http", schemeSrc
	default:
		r.Insecure, r.Sources[KeyInsecure] = false, SourceDefault
	}
	if u != nil {
		if r.Insecure {
			u.Scheme = "http"
		} else {
			u.Scheme = "https"
		}
		r.endpointURL = u
		r.Endpoint = maskURL(u)
	}
	return errors.Join(errs...)
}

// validHeaderKey reports whether k is an HTTP token (RFC 9110).
func validHeaderKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

const headersAllowed = "comma-separated key=value pairs, keys HTTP tokens, values URL-encoded (W3C baggage syntax)"

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
		if !validHeaderKey(k) {
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
		if validHeaderKey(k) {
			out = append(out, k)
		}
	}
	return out
}

func resolveHeaders(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	generic, per := envNames(sig, "HEADERS")
	var errs []error
	envH := map[string]map[string]string{}
	for _, n := range []string{generic, per} {
		if v, ok := src.String(n); ok {
			h, err := parseHeaders(v)
			if err != nil {
				errs = append(errs, &env.Error{Var: n, Value: maskHeaders(v), Allowed: headersAllowed, Err: err})
				continue
			}
			envH[n] = h
		}
	}
	switch {
	case o.Headers != nil:
		// Keys and values are never quoted: either may be a credential.
		for _, k := range headerNames(o.Headers) {
			if !validHeaderKey(k) {
				errs = append(errs, fmt.Errorf("otelkit: invalid option WithHeaders: %s", keyProblem(k)))
			} else if !validHeaderValue(o.Headers[k]) {
				errs = append(errs, fmt.Errorf("otelkit: invalid option WithHeaders: a value has control characters (header names and values are not shown)"))
			}
		}
		r.HeaderNames, r.Sources[KeyHeaders] = validNames(o.Headers), SourceOption
	case envH[per] != nil:
		r.HeaderNames, r.Sources[KeyHeaders] = headerNames(envH[per]), sourceEnv+per
	case envH[generic] != nil:
		r.HeaderNames, r.Sources[KeyHeaders] = headerNames(envH[generic]), sourceEnv+generic
	default:
		r.Sources[KeyHeaders] = SourceDefault
	}
	return errors.Join(errs...)
}

// DefaultTimeout is the SDK's export timeout when nothing is set.
const DefaultTimeout = 10 * time.Second

func resolveTimeout(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	generic, per := envNames(sig, "TIMEOUT")
	var errs []error
	vals := map[string]time.Duration{}
	for _, n := range []string{generic, per} {
		d, set, err := src.Millis(n, time.Millisecond)
		if err != nil {
			errs = append(errs, err)
		} else if set {
			vals[n] = d
		}
	}
	switch {
	case o.Timeout < 0:
		errs = append(errs, optionError("WithTimeout", o.Timeout.String(), "a positive duration"))
	case o.Timeout > 0:
		r.Timeout, r.Sources[KeyTimeout] = o.Timeout, SourceOption
	case vals[per] > 0:
		r.Timeout, r.Sources[KeyTimeout] = vals[per], sourceEnv+per
	case vals[generic] > 0:
		r.Timeout, r.Sources[KeyTimeout] = vals[generic], sourceEnv+generic
	default:
		r.Timeout, r.Sources[KeyTimeout] = DefaultTimeout, SourceDefault
	}
	return errors.Join(errs...)
}

func resolveCompression(src env.Source, sig Signal, o Overrides, r *Resolved) error {
	generic, per := envNames(sig, "COMPRESSION")
	var errs []error
	vals := map[string]string{}
	for _, n := range []string{generic, per} {
		v, set, err := src.Enum(n, "gzip", "none")
		if err != nil {
			errs = append(errs, err)
		} else if set {
			vals[n] = v
		}
	}
	if v := vals[per]; v != "" {
		r.envCompression = v
	} else {
		r.envCompression = vals[generic]
	}
	switch {
	case o.Compression != "":
		v := strings.ToLower(strings.TrimSpace(o.Compression))
		if v != "gzip" && v != "none" {
			errs = append(errs, optionError("WithCompression", o.Compression, "gzip, none"))
			break
		}
		r.Compression, r.Sources[KeyCompression] = v, SourceOption
	case vals[per] != "":
		r.Compression, r.Sources[KeyCompression] = vals[per], sourceEnv+per
	case vals[generic] != "":
		r.Compression, r.Sources[KeyCompression] = vals[generic], sourceEnv+generic
	default:
		r.Compression, r.Sources[KeyCompression] = "none", SourceDefault
	}
	return errors.Join(errs...)
}

// readBounded reads a certificate or key file. It must be a regular file:
// opening a named pipe would block until something writes to it, and a
// device may never end.
func readBounded(p string) ([]byte, error) {
	if fi, err := os.Stat(p); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fileKind(fi.Mode()))
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("file larger than %d bytes", maxFileSize)
	}
	return b, nil
}

func resolveTLS(src env.Source, sig Signal, r *Resolved) error {
	var errs []error
	var pools = map[string]*x509.CertPool{}
	cg, cp := envNames(sig, "CERTIFICATE")
	for _, n := range []string{cg, cp} {
		p, ok := src.String(n)
		if !ok {
			continue
		}
		b, err := readBounded(p)
		if err != nil {
			errs = append(errs, &env.Error{Var: n, Value: p, Allowed: "the path of a readable PEM certificate file", Err: err})
			continue
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			errs = append(errs, &env.Error{Var: n, Value: p, Allowed: "the path of a readable PEM certificate file", Err: errors.New("no PEM certificate found")})
			continue
		}
		pools[n] = pool
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	used := false
	switch {
	case pools[cp] != nil:
		cfg.RootCAs, used, r.Sources[KeyCertificate] = pools[cp], true, sourceEnv+cp
	case pools[cg] != nil:
		cfg.RootCAs, used, r.Sources[KeyCertificate] = pools[cg], true, sourceEnv+cg
	default:
		r.Sources[KeyCertificate] = SourceDefault
	}

	r.Sources[KeyClientCertificate] = SourceDefault
	certG, certP := envNames(sig, "CLIENT_CERTIFICATE")
	keyG, keyP := envNames(sig, "CLIENT_KEY")
	// The per-signal pair comes last so that it wins over the generic one.
	for _, pair := range [][2]string{{certG, keyG}, {certP, keyP}} {
		cn, kn := pair[0], pair[1]
		cv, cok := src.String(cn)
		kv, kok := src.String(kn)
		if !cok && !kok {
			continue
		}
		if cok != kok {
			missing, present := kn, cn
			if !cok {
				missing, present = cn, kn
			}
			v, _ := src.String(present)
			errs = append(errs, &env.Error{Var: present, Value: v, Allowed: "a path set together with " + missing})
			continue
		}
		cb, err := readBounded(cv)
		if err != nil {
			errs = append(errs, &env.Error{Var: cn, Value: cv, Allowed: "the path of a readable PEM certificate file", Err: err})
			continue
		}
		kb, err := readBounded(kv)
		if err != nil {
			errs = append(errs, &env.Error{Var: kn, Value: kv, Allowed: "the path of a readable PEM private key file", Err: err})
			continue
		}
		pair, err := tls.X509KeyPair(cb, kb)
		if err != nil {
			errs = append(errs, &env.Error{Var: cn, Value: cv, Allowed: "a PEM certificate matching the key in " + kn, Err: errors.New("certificate and key do not form a pair")})
			continue
		}
		cfg.Certificates = []tls.Certificate{pair}
		used = true
		r.Sources[KeyClientCertificate] = sourceEnv + cn
	}
	if used {
		r.tlsConfig = cfg
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
	if _, set, err := src.Enum(hn, "explicit_bucket_histogram", "base2_exponential_bucket_histogram"); err != nil {
		errs = append(errs, err)
	} else if set {
		r.Sources[KeyHistogram] = sourceEnv + hn
	} else {
		r.Sources[KeyHistogram] = SourceDefault
	}
	return errors.Join(errs...)
}

// fileKind names what a path that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
