package otel

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/logprovider"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/otel/internal/declconf"
	"github.com/otelkit/otelkit/tracing"
)

// Declarative configuration: the whole setup in one file (OTEL_CONFIG_FILE,
// WithConfigFile, WithConfigYAML). otel/internal/declconf reads the file into
// the settings of the same constructors Init uses without a file; this
// file hands them over: the OTEL_* settings through each signal package's
// environment lookup (so the process's OTEL_* variables never count), the
// typed ones (sampler, views, propagator, resource) through the options,
// below Init's own options, which still win.

// EnvConfigFile names the declarative configuration file Init reads when
// no WithConfigFile or WithConfigYAML option is given.
const EnvConfigFile = "OTEL_CONFIG_FILE"

// envConfigFileOld is the name the variable had while the schema was
// experimental; otelconf refuses it, and so does Init.
const envConfigFileOld = "OTEL_EXPERIMENTAL_CONFIG_FILE"

// fileSource is what WithConfigFile and WithConfigYAML set.
type fileSource struct {
	path string
	yaml []byte // non-nil: WithConfigYAML
}

// WithConfigFile makes Init build the tracer, meter and logger providers,
// the propagators and the resource from the declarative configuration file
// at path (schema file_format "1.0"; see the package documentation). It
// wins over OTEL_CONFIG_FILE. While a file is in use the other OTEL_*
// variables are ignored, except through ${VAR} in the file; Init's other
// options still win over the file. An empty path is the same as no
// option (OTEL_CONFIG_FILE applies), so that a flag left empty can be
// passed as it is.
func WithConfigFile(path string) Option {
	return optionFunc(func(c config) config { c.file = fileSource{path: path}; return c })
}

// WithConfigYAML is WithConfigFile with the file's content given in code
// (errors and HealthHandler name it "WithConfigYAML"). It wins over
// OTEL_CONFIG_FILE.
func WithConfigYAML(content []byte) Option {
	return optionFunc(func(c config) config {
		c.file = fileSource{yaml: append([]byte{}, content...)}
		return c
	})
}

const fileAllowed = "a readable regular file of at most 1 MiB"

// configFile reads and parses the configuration file the options or
// OTEL_CONFIG_FILE name; nil when there is none.
func (c config) configFile(src env.Source) (*declconf.File, error) {
	name, data := "", c.file.yaml
	switch {
	case c.file.yaml != nil:
		name = "WithConfigYAML"
	case c.file.path != "":
		name = c.file.path
		b, err := declconf.ReadFile(name)
		if err != nil {
			return nil, &ConfigError{Option: "WithConfigFile", Value: name, Allowed: fileAllowed, Err: err}
		}
		data = b
	default:
		path, ok := src.String(EnvConfigFile)
		if !ok {
			if old, set := src.String(envConfigFileOld); set {
				return nil, &ConfigError{Var: envConfigFileOld, Value: old, Allowed: "nothing: the variable is no longer read; set " + EnvConfigFile}
			}
			return nil, nil
		}
		b, err := declconf.ReadFile(path)
		if err != nil {
			return nil, &ConfigError{Var: EnvConfigFile, Value: path, Allowed: fileAllowed, Err: err}
		}
		name, data = path, b
	}
	// ${NAME} reads the environment Init sees: WithEnvLookup's, if given.
	return declconf.Parse(name, data, c.envLookup())
}

// buildFromFile is build with the settings of the file f.
func (t *Telemetry) buildFromFile(ctx context.Context, c config, f *declconf.File, procSrc env.Source) (propagation.TextMapPropagator, error) {
	t.res, t.warnings = fileResource(ctx, c, f, procSrc)
	t.warnings = append(t.warnings, fileWarnings(f, t.res)...)
	// The file's OTEL_* settings in place of the variables; OTELKIT_*
	// from the file, else the variables (the logger reads them too).
	otelkit := f.OtelkitLookup(c.envLookup())
	src := env.FromFunc(func(name string) (string, bool) {
		if name == "OTEL_SDK_DISABLED" && f.Disabled {
			return "true", true
		}
		if strings.HasPrefix(name, "OTELKIT_") {
			return otelkit(name)
		}
		return f.Lookup(name)
	})
	prop, err := t.build(ctx, c.withFile(f, otelkit), src)
	f.Locate(t.disabledInvalid) // in place, as err: the file's values are never quoted
	if err != nil {
		return nil, f.Locate(err)
	}
	t.health.fromFile(f)
	return prop, nil
}

// withFile returns c with the file's settings below Init's own options:
// the signal packages read the file in place of the environment, and the
// OTLP exporters read nothing from the process environment.
func (c config) withFile(f *declconf.File, otelkit func(string) (string, bool)) config {
	fc := c
	fc.otlp.NoEnv = true
	// The file's lookups below replace WithEnvLookup's, which reaches
	// only the OTELKIT_* variables the file leaves out (otelkit).
	fc.lookup = nil
	tr := []tracing.Option{tracing.WithEnvLookup(f.Lookup)}
	if f.Sampler != nil {
		tr = append(tr, tracing.WithSampler(f.Sampler))
	}
	fc.tracingExtra = append(tr, c.tracingExtra...)
	me := []metrics.Option{metrics.WithEnvLookup(f.Lookup), metrics.WithView(f.Views...)}
	if f.CardinalityLimit != nil {
		me = append(me, metrics.WithCardinalityLimit(*f.CardinalityLimit))
	}
	fc.metricsExtra = append(me, c.metricsExtra...)
	if f.RuntimeMetrics != nil && !*f.RuntimeMetrics {
		fc.runtimeMetrics = false
	}
	fc.logsExtra = append([]logprovider.Option{logprovider.WithEnvLookup(f.Lookup)}, c.logsExtra...)
	fc.logOptions = append([]logging.Option{logging.WithEnvLookup(otelkit)}, c.logOptions...)
	if fc.propagator == nil {
		fc.propagator = f.Propagator
		if fc.propagator == nil { // no propagator section: none, as the schema says
			fc.propagator = propagation.NewCompositeTextMapPropagator()
		}
	}
	return fc
}

// fileResource is buildResource for a file: lowest first, the build info
// and the detectors (WithoutDetectors turns them off), OTELKIT_ENVIRONMENT,
// the file's attributes, the options. OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME are not read.
func fileResource(ctx context.Context, c config, f *declconf.File, src env.Source) (*resource.Resource, []configWarning) {
	res, warnings := detectResource(ctx, c)
	fromFile := resource.NewSchemaless(f.Attributes...)
	if f.SchemaURL != "" {
		fromFile = resource.NewWithAttributes(f.SchemaURL, f.Attributes...)
	}
	for _, r := range []*resource.Resource{resource.NewSchemaless(environmentAttributes(src)...), fromFile,
		resource.NewSchemaless(c.optionAttributes()...)} {
		merged, err := resource.Merge(res, r)
		if errors.Is(err, resource.ErrSchemaURLConflict) {
			warnings = append(warnings, configWarning{detail: "the file's resource.schema_url differs from the detectors'; the resource is used without one"})
			merged, err = resource.Merge(res, resource.NewSchemaless(r.Attributes()...))
		}
		if err == nil {
			res = merged
		}
	}
	return withServiceFallback(res, warnings, "otel.WithServiceName or service.name under resource.attributes in "+f.Name)
}

// ignoredWhileFile tells the OTEL_* variables a file makes otelkit ignore:
// all but the file's own name (OTELKIT_* ones still count) and those the
// file reads through ${NAME}. OTEL_SERVICE_NAME is one of them although
// the Go SDK's providers read it: Init's resource always has a
// service.name, which wins.
func ignoredWhileFile(f *declconf.File, name string) bool {
	return strings.HasPrefix(name, "OTEL_") && name != EnvConfigFile && !f.Reads(name)
}

// addsToResource reports whether v, a value of OTEL_RESOURCE_ATTRIBUTES,
// has a key res lacks: the Go SDK's providers merge the variable under the
// resource they are given (resource.Environment()), file or not, so such
// a key reaches the exports.
func addsToResource(v string, res *resource.Resource) bool {
	for _, k := range parseResourceAttrs(v).applied {
		if _, ok := res.Set().Value(attribute.Key(k)); !ok {
			return true
		}
	}
	return false
}

// fileWarnings are the otelkit_config_warning lines of a file: what it
// asks for that otelkit does not do, the OTEL_* variables set in the
// process that it makes otelkit ignore (by name; values may be secrets),
// OTEL_RESOURCE_ATTRIBUTES when keys of it reach res all the same (read
// through ${NAME} or not), and the OTELKIT_* variables it overrides. A
// variable the file reads through ${NAME} is neither ignored nor
// overridden.
func fileWarnings(f *declconf.File, res *resource.Resource) []configWarning {
	var out []configWarning
	for _, w := range f.Warnings {
		out = append(out, configWarning{detail: "configuration file: " + w})
	}
	var ignored []string
	for _, kv := range os.Environ() {
		name, v, _ := strings.Cut(kv, "=")
		if strings.TrimSpace(v) == "" {
			continue
		}
		switch {
		case name == resourceAttrsVar && addsToResource(v, res):
			out = append(out, configWarning{variable: name, detail: name + " is set while a configuration file is in use: " +
				"the Go SDK adds to the resource the keys of it that the file does not set (the file wins on the others); unset it"})
		case ignoredWhileFile(f, name):
			ignored = append(ignored, name)
		}
		if f.SetsOtelkit(name) && !f.Reads(name) {
			l, _ := f.Where(name)
			out = append(out, configWarning{variable: name, detail: name + " is ignored: " + f.Name + " sets " + l.Key})
		}
	}
	if len(ignored) > 0 {
		slices.Sort(ignored)
		out = append(out, configWarning{detail: "a configuration file is in use (" + f.Name + "): these variables are ignored, " +
			"as the specification says (use ${NAME} in the file to read one): " + strings.Join(ignored, ", ")})
	}
	return out
}

// fromFile shows in the health document where the file set each value.
func (hs *healthState) fromFile(f *declconf.File) {
	hs.configFile = f.Name
	for _, sc := range hs.config {
		for k, s := range sc.Sources {
			sc.Sources[k] = f.Source(s)
		}
	}
	hs.logLevelSource = f.Source(hs.logLevelSource)
}
