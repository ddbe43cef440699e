package otel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

const (
	keyServiceName    = attribute.Key("service.name")
	keyServiceVersion = attribute.Key("service.version")
	keyEnvironment    = attribute.Key("deployment.environment.name")
)

// buildResource assembles the resource every signal shares. Precedence,
// lowest first: build info, detectors, OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME, OTELKIT_ENVIRONMENT, options. It never fails: a
// malformed variable or a schema-URL conflict becomes a warning and the
// resource is still used (schemaless on conflict).
func buildResource(ctx context.Context, c config) (*resource.Resource, []string) {
	var warnings []string
	var base []attribute.KeyValue
	bi, haveBI := debug.ReadBuildInfo()
	if haveBI {
		if name := serviceNameFromBuildInfo(bi); name != "" {
			base = append(base, keyServiceName.String(name))
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			base = append(base, keyServiceVersion.String(v))
		}
	}

	opts := []resource.Option{
		resource.WithAttributes(base...),
		resource.WithTelemetrySDK(),
	}
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
	opts = append(opts, resource.WithFromEnv())

	var top []attribute.KeyValue
	if v, ok := lookupTrimmed("OTELKIT_ENVIRONMENT"); ok {
		top = append(top, keyEnvironment.String(v))
	}
	top = append(top, c.attrs...)
	if c.environment != "" {
		top = append(top, keyEnvironment.String(c.environment))
	}
	if c.serviceVersion != "" {
		top = append(top, keyServiceVersion.String(c.serviceVersion))
	}
	if c.serviceName != "" {
		top = append(top, keyServiceName.String(c.serviceName))
	}
	opts = append(opts, resource.WithAttributes(top...))

	res, err := resource.New(ctx, opts...)
	if err != nil {
		switch {
		case errors.Is(err, resource.ErrSchemaURLConflict):
			warnings = append(warnings, "resource detectors disagree on the schema URL; the resource is used without one: "+err.Error())
		case errors.Is(err, resource.ErrPartialResource):
			warnings = append(warnings, fmt.Sprintf("OTEL_RESOURCE_ATTRIBUTES=%q is malformed and was ignored (allowed: comma-separated key=value pairs, values percent-encoded): %v",
				os.Getenv("OTEL_RESOURCE_ATTRIBUTES"), err))
		default:
			warnings = append(warnings, "resource detection was incomplete: "+err.Error())
		}
		if res == nil {
			res = resource.Empty()
		}
	}

	name, _ := res.Set().Value(keyServiceName)
	if name.AsString() == "" || strings.HasPrefix(name.AsString(), "unknown_service") {
		exe := "go"
		if p, err := os.Executable(); err == nil {
			exe = filepath.Base(p)
		}
		fallback := "unknown_service:" + exe
		if name.AsString() == "" {
			r, mErr := resource.Merge(res, resource.NewSchemaless(keyServiceName.String(fallback)))
			if mErr == nil {
				res = r
			}
		}
		warnings = append(warnings, "service.name is "+fallback+
			": set it with otel.WithServiceName, OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES")
	}
	return res, warnings
}

// serviceNameFromBuildInfo returns the last element of the main module's
// path ("github.com/acme/checkout" -> "checkout"), or of the main package
// path when the module has none (go run of a file). Test binaries have no
// useful name and return "".
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

func lookupTrimmed(name string) (string, bool) {
	v := strings.TrimSpace(os.Getenv(name))
	return v, v != ""
}
