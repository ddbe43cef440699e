package otel

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/visible"
	"github.com/otelkit/otelkit/otel/internal/declconf"
)

// buildResource assembles the resource every signal shares. Precedence,
// lowest first: build info, detectors, OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME, OTELKIT_ENVIRONMENT, options. It never fails: a
// malformed variable or a schema-URL conflict becomes a warning and the
// resource is still used (schemaless on conflict).
func buildResource(ctx context.Context, c config, src env.Source) (*resource.Resource, []configWarning) {
	detected, warnings := detectResource(ctx, c)
	// The environment on its own, so that what it reports is told apart
	// from the detectors' (and never repeated: it holds the value).
	fromEnv, envErr := envResource(ctx, src)
	attrsVar, _ := src.String(resourceAttrsVar)
	if w, malformed := resourceAttrsReport(attrsVar); malformed {
		warnings = append(warnings, configWarning{variable: resourceAttrsVar, detail: w})
	} else if envErr != nil {
		warnings = append(warnings, configWarning{variable: resourceAttrsVar, detail: resourceAttrsVar +
			" is malformed in a way otelkit does not recognise; the SDK applied what it could parse (values are never shown)"})
	}
	if fromEnv == nil {
		fromEnv = resource.Empty()
	}
	res := detected
	for _, r := range []*resource.Resource{fromEnv, resource.NewSchemaless(topAttributes(c, src)...)} {
		if merged, mErr := resource.Merge(res, r); mErr == nil {
			res = merged
		}
	}

	return withServiceFallback(res, warnings, "otel.WithServiceName, OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES")
}

// detectResource runs the sources below the environment (detectorOptions);
// what goes wrong becomes a warning and the resource is still used.
func detectResource(ctx context.Context, c config) (*resource.Resource, []configWarning) {
	var warnings []configWarning
	detected, err := resource.New(ctx, detectorOptions(c)...)
	if err != nil {
		if errors.Is(err, resource.ErrSchemaURLConflict) {
			warnings = append(warnings, configWarning{detail: "resource detectors disagree on the schema URL; the resource is used without one: " + err.Error()})
		} else {
			warnings = append(warnings, configWarning{detail: "resource detection was incomplete: " + err.Error()})
		}
		if detected == nil {
			detected = resource.Empty()
		}
	}
	return detected, warnings
}

// withServiceFallback gives res a service.name when it has none
// ("unknown_service:<executable>", as the SDK does) and warns, naming
// where to set it (setIt), whenever the name is unknown.
func withServiceFallback(res *resource.Resource, warnings []configWarning, setIt string) (*resource.Resource, []configWarning) {
	name, _ := res.Set().Value(semconv.ServiceNameKey)
	if name.AsString() == "" || strings.HasPrefix(name.AsString(), "unknown_service") {
		exe := "go"
		if p, err := os.Executable(); err == nil {
			exe = filepath.Base(p)
		}
		fallback := "unknown_service:" + exe
		if name.AsString() == "" {
			r, mErr := resource.Merge(res, resource.NewSchemaless(semconv.ServiceNameKey.String(fallback)))
			if mErr == nil {
				res = r
			}
		}
		warnings = append(warnings, configWarning{detail: "service.name is " + fallback + ": set it with " + setIt})
	}
	return res, warnings
}

// detectorOptions are the resource sources below the environment: the
// build info, the SDK's own attributes and, unless WithoutDetectors, the
// host, OS, process and container detectors.
func detectorOptions(c config) []resource.Option {
	var base []attribute.KeyValue
	if bi, ok := debug.ReadBuildInfo(); ok {
		if name := serviceNameFromBuildInfo(bi); name != "" {
			base = append(base, semconv.ServiceNameKey.String(name))
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			base = append(base, semconv.ServiceVersionKey.String(v))
		}
	}
	opts := []resource.Option{resource.WithAttributes(base...), resource.WithTelemetrySDK()}
	if c.detectors {
		// Command-line arguments are deliberately not detected: they often
		// carry credentials.
		opts = append(opts,
			resource.WithHost(),
			resource.WithOS(),
			resource.WithProcessPID(),
			resource.WithProcessExecutableName(),
			resource.WithProcessExecutablePath(),
			resource.WithProcessOwner(),
			resource.WithProcessRuntimeName(),
			resource.WithProcessRuntimeVersion(),
			resource.WithProcessRuntimeDescription(),
			resource.WithContainer(),
		)
	}
	return opts
}

// topAttributes are the sources above the environment, lowest first:
// OTELKIT_ENVIRONMENT, then the options.
func topAttributes(c config, src env.Source) []attribute.KeyValue {
	return append(environmentAttributes(src), c.optionAttributes()...)
}

// environmentAttributes is deployment.environment.name from
// OTELKIT_ENVIRONMENT, when it is set.
func environmentAttributes(src env.Source) []attribute.KeyValue {
	if v, ok := src.String("OTELKIT_ENVIRONMENT"); ok {
		return []attribute.KeyValue{semconv.DeploymentEnvironmentNameKey.String(v)}
	}
	return nil
}

// optionAttributes are the resource attributes the options set, lowest
// first.
func (c config) optionAttributes() []attribute.KeyValue {
	top := append([]attribute.KeyValue{}, c.attrs...)
	if c.environment != "" {
		top = append(top, semconv.DeploymentEnvironmentNameKey.String(c.environment))
	}
	if c.serviceVersion != "" {
		top = append(top, semconv.ServiceVersionKey.String(c.serviceVersion))
	}
	if c.serviceName != "" {
		top = append(top, semconv.ServiceNameKey.String(c.serviceName))
	}
	return top
}

// checkResourceAttributes refuses an attribute of WithResourceAttributes
// with an empty key, which the SDK would drop without a word, and a
// service.name that is not a non-blank string: it would win over
// OTEL_SERVICE_NAME and leave the service named unknown_service, with a
// warning that no name was set. (A zero attribute.Value is EMPTY, a valid
// value of other keys, exported as such.) Values are not shown: they are
// the program's, and may be anything.
func (c config) checkResourceAttributes() error {
	var errs []error
	for i, kv := range c.attrs {
		switch {
		case kv.Key == "":
			errs = append(errs, &ConfigError{Option: "WithResourceAttributes", Withheld: true,
				Allowed: "attributes with a non-empty key",
				Err:     errors.New("attribute " + strconv.Itoa(i+1) + " has an empty key")})
		case declconf.BlankServiceName(kv): // the configuration file's rule too
			errs = append(errs, &ConfigError{Option: "WithResourceAttributes", Withheld: true,
				Allowed: "a service.name that is a non-blank string",
				Err:     errors.New("attribute " + strconv.Itoa(i+1) + " (service.name) is not a non-blank string")})
		}
	}
	return errors.Join(errs...)
}

// serviceNameFromBuildInfo returns the last element of the main package's
// path ("github.com/acme/shop/cmd/checkout" -> "checkout": the program's
// name, also in a module of several commands), or of the main module's
// path when the package has none. go run of files records neither (the
// package is "command-line-arguments", the main module empty), so such a
// program returns "" and is unknown_service:<executable>, with a warning.
// Test binaries have no useful name and return "".
func serviceNameFromBuildInfo(bi *debug.BuildInfo) string {
	p := bi.Path
	if p == "" || p == "command-line-arguments" {
		p = bi.Main.Path
	}
	if p == "" || strings.HasSuffix(p, ".test") {
		return ""
	}
	return path.Base(p)
}

// envResource is the resource OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME describe: the SDK's own reading of the process
// environment, or, for another Source (WithEnvLookup), the same parse of
// its values (parseResourceAttrs follows the SDK's parser).
func envResource(ctx context.Context, src env.Source) (*resource.Resource, error) {
	if src.IsProcess() {
		return resource.New(ctx, resource.WithFromEnv())
	}
	var attrs []attribute.KeyValue
	if v, ok := src.String(resourceAttrsVar); ok {
		for _, pair := range strings.Split(v, ",") {
			k, val, found := strings.Cut(pair, "=")
			key := strings.TrimSpace(k)
			if !found || key == "" {
				continue // reported by resourceAttrsReport
			}
			// A value that does not percent-decode is kept as written,
			// untrimmed, as the SDK keeps it.
			if dv, err := url.PathUnescape(strings.TrimSpace(val)); err == nil {
				val = dv
			}
			attrs = append(attrs, attribute.String(key, val))
		}
	}
	if v, ok := src.String("OTEL_SERVICE_NAME"); ok {
		attrs = append(attrs, semconv.ServiceNameKey.String(v))
	}
	return resource.NewSchemaless(attrs...), nil
}

const resourceAttrsVar = "OTEL_RESOURCE_ATTRIBUTES"

// Bounds of the resource attributes warning, whatever the variable holds.
const (
	maxListed     = 8  // keys or pairs named per list
	maxKeyInWarn  = 64 // bytes of one key
	allowedInWarn = "comma-separated key=value pairs, values percent-encoded"
)

// resourceAttrsReport says what the SDK makes of v, a value of
// OTEL_RESOURCE_ATTRIBUTES, when it is malformed: how many pairs it applied
// and under which keys, which pairs it skipped (by position, since a pair
// without "=" may be a secret) and which values it applied as written
// because they are not valid percent-encoding. It never repeats a value and
// its length is bounded.
func resourceAttrsReport(v string) (string, bool) {
	p := parseResourceAttrs(v)
	if len(p.skipped) == 0 && len(p.undecoded) == 0 {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is malformed: applied %d of %d pairs", resourceAttrsVar, len(p.applied), p.pairs)
	if len(p.applied) > 0 {
		b.WriteString(" (keys: " + boundedList(p.applied, keyForWarning) + ")")
	}
	if len(p.skipped) > 0 {
		b.WriteString("; skipped " + boundedList(p.skipped, nil))
	}
	if len(p.undecoded) > 0 {
		b.WriteString("; applied as written, not percent-decoded: " + boundedList(p.undecoded, keyForWarning))
	}
	b.WriteString("; values are not shown (allowed: " + allowedInWarn + ")")
	return b.String(), true
}

// parsedAttrs is what the SDK applies of OTEL_RESOURCE_ATTRIBUTES.
type parsedAttrs struct {
	pairs     int
	applied   []string // keys, in order (a repeated key: the last value wins)
	skipped   []string // "pair N (why)"
	undecoded []string // keys whose value was applied without percent-decoding
}

// parseResourceAttrs follows the SDK's parser (sdk/resource env.go): pairs
// split on ",", key and value on the first "=", both trimmed, an empty key
// dropped, a value that does not percent-decode kept as written.
// TestResourceAttrsReportMatchesSDK holds the two together.
func parseResourceAttrs(v string) parsedAttrs {
	var p parsedAttrs
	v = strings.TrimSpace(v)
	if v == "" {
		return p
	}
	pairs := strings.Split(v, ",")
	p.pairs = len(pairs)
	for i, pair := range pairs {
		k, val, found := strings.Cut(pair, "=")
		key := strings.TrimSpace(k)
		switch {
		case !found:
			p.skipped = append(p.skipped, "pair "+strconv.Itoa(i+1)+` (no "=")`)
			continue
		case key == "":
			p.skipped = append(p.skipped, "pair "+strconv.Itoa(i+1)+" (empty key)")
			continue
		}
		p.applied = append(p.applied, key)
		if _, err := url.PathUnescape(strings.TrimSpace(val)); err != nil {
			p.undecoded = append(p.undecoded, key)
		}
	}
	return p
}

// boundedList joins the first maxListed items, each through f when given,
// and says how many more there are.
func boundedList(items []string, f func(string) string) string {
	n := min(len(items), maxListed)
	shown := make([]string, n)
	for i := range n {
		shown[i] = items[i]
		if f != nil {
			shown[i] = f(items[i])
		}
	}
	s := strings.Join(shown, ", ")
	if more := len(items) - n; more > 0 {
		s += ", … and " + strconv.Itoa(more) + " more"
	}
	return s
}

// keyForWarning is a key fit for a warning line: valid UTF-8, quoted, at
// most maxKeyInWarn bytes of it.
func keyForWarning(k string) string {
	k = strings.ToValidUTF8(k, "\uFFFD")
	if len(k) > maxKeyInWarn {
		k = visible.Cut(k, maxKeyInWarn) + "…"
	}
	return strconv.Quote(k)
}
