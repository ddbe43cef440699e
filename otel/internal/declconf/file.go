package declconf

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/scrub"
)

// Loc is where a setting is in the file: its key's path and line (0 when
// the file decides it by leaving a section out).
type Loc struct {
	Key  string
	Line int
}

// File is a parsed configuration file, translated for otelkit's
// constructors. Its methods are safe on a nil *File (no file).
type File struct {
	// Name is the file as errors and health name it (its path).
	Name string
	// Disabled is the file's disabled: true (OTEL_SDK_DISABLED's role).
	Disabled bool
	// Attributes are the resource attributes of the file (attributes win
	// over attributes_list); SchemaURL is resource.schema_url.
	Attributes []attribute.KeyValue
	SchemaURL  string
	// Sampler is tracer_provider.sampler; nil leaves otelkit's default
	// (parent based, always on), which is also the schema's.
	Sampler sdktrace.Sampler
	// Views are meter_provider.views.
	Views []sdkmetric.View
	// CardinalityLimit is the readers' cardinality_limits.default; nil
	// when unset.
	CardinalityLimit *int
	// Propagator is the file's propagator; nil when the file has no
	// propagator section (the schema then propagates nothing).
	Propagator propagation.TextMapPropagator
	// RuntimeMetrics is distribution.otelkit.runtime_metrics; nil when
	// unset.
	RuntimeMetrics *bool
	// Warnings are what the file asks for that otelkit does not do, each
	// with its location.
	Warnings []string

	env     map[string]string // OTEL_* settings, as the signal packages read them
	otelkit map[string]string // OTELKIT_* settings
	where   map[string]Loc    // variable name -> where the file sets it
	secrets []string
	reads   map[string]bool // variables read through ${...}
}

func newFile(name string) *File {
	return &File{Name: name, env: map[string]string{}, otelkit: map[string]string{}, where: map[string]Loc{}}
}

// Lookup reads the OTEL_* settings of the file, under the names of the
// variables they replace; the signal packages read it in place of the
// environment (WithEnvLookup), so that no OTEL_* variable of the process
// counts while the file is in use.
func (f *File) Lookup(name string) (string, bool) {
	if f == nil {
		return "", false
	}
	v, ok := f.env[name]
	return v, ok
}

// OtelkitLookup returns a lookup for the logger: the file's OTELKIT_*
// settings (distribution.otelkit) win over the variables read through
// next, which stay in charge of what the file leaves unset.
func (f *File) OtelkitLookup(next func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if f != nil {
			if v, ok := f.otelkit[name]; ok {
				return v, true
			}
		}
		return next(name)
	}
}

// Where tells where the file sets the variable name.
func (f *File) Where(name string) (Loc, bool) {
	if f == nil {
		return Loc{}, false
	}
	l, ok := f.where[name]
	return l, ok
}

// Source rewrites a source as otlpconf records it ("env:<NAME>") into
// "file:<name>:<line>" (or "file:<name>" when the file decides by leaving
// a section out) when the file set that variable; others are returned as
// they are.
func (f *File) Source(s string) string {
	name, ok := strings.CutPrefix(s, "env:")
	if !ok {
		return s
	}
	l, ok := f.Where(name)
	if !ok {
		return s
	}
	if l.Line == 0 {
		return "file:" + f.Name
	}
	return fmt.Sprintf("file:%s:%d", f.Name, l.Line)
}

// Locate rewrites, in place, every *env.Error in err that names a
// variable the file set: it names the file, the line and the key
// instead, and no longer shows the value (Withheld), which is then also
// replaced in the error's cause (an os error quotes a certificate's
// path): a value of the file is never quoted. It returns err.
func (f *File) Locate(err error) error {
	if f == nil || err == nil {
		return err
	}
	var walk func(error)
	walk = func(e error) {
		if ce, ok := e.(*env.Error); ok {
			if l, ok := f.where[ce.Var]; ok {
				v, ok := f.env[ce.Var]
				if !ok {
					v = f.otelkit[ce.Var]
				}
				ce.File, ce.Line, ce.Key, ce.Var = f.Name, l.Line, l.Key, ""
				ce.Value, ce.Withheld = "", true
				if v != "" {
					ce.Err = scrub.New([]string{v}).Error(ce.Err)
				}
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			if c := u.Unwrap(); c != nil {
				walk(c)
			}
		}
	}
	walk(err)
	return err
}

// Secrets returns the header values of the file, substituted, for
// scrubbing them from every error.
func (f *File) Secrets() []string {
	if f == nil {
		return nil
	}
	return slices.Clone(f.secrets)
}

// SetsOtelkit reports whether the file sets the OTELKIT_* variable name.
func (f *File) SetsOtelkit(name string) bool {
	if f == nil {
		return false
	}
	_, ok := f.otelkit[name]
	return ok
}

// Reads reports whether the file reads the variable name through a
// ${name} reference: its value then counts although the file is in use.
func (f *File) Reads(name string) bool {
	return f != nil && f.reads[name]
}

func reflectNew(t reflect.Type) any { return reflect.New(t).Interface() }

// errNoExporter is the cause when a processor or reader names no exporter
// otelkit builds.
var errNoExporter = errors.New("no exporter otelkit builds")
