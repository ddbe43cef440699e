package layering

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// loadDeps maps each package of the module to every package it links
// (its non-test imports, transitively).
func loadDeps(t *testing.T) graph {
	t.Helper()
	return goList(t, "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}")
}

// linking lists "pkg links dep" for every package that from selects and
// every package it links that forbidden selects, sorted.
func (g graph) linking(from, forbidden func(string) bool) []string {
	var v []string
	for _, s := range g.violations(from, forbidden) {
		v = append(v, strings.Replace(s, " imports ", " links ", 1))
	}
	return v
}

func prefixed(prefixes ...string) func(string) bool {
	return func(p string) bool {
		for _, x := range prefixes {
			if p == x || strings.HasPrefix(p, x+"/") {
				return true
			}
		}
		return false
	}
}

// TestHostMetricsLinkedOnlyWhenImported: the host instrumentation and
// gopsutil (with its modules) are linked only through metrics/hostmetrics,
// so a program that does not import it does not carry them.
func TestHostMetricsLinkedOnlyWhenImported(t *testing.T) {
	host := prefixed("go.opentelemetry.io/contrib/instrumentation/host", "github.com/shirou/gopsutil")
	for _, v := range loadDeps(t).linking(not(under("metrics/hostmetrics")), host) {
		t.Errorf("%s: host metrics belong to metrics/hostmetrics alone", v)
	}
}

// TestNoDeprecatedUpstreamLinked: no package links the upstream packages
// that upstream has deprecated: go.opentelemetry.io/otel/log/global (use
// otel.SetLoggerProvider, since otel 1.47) and the AWS propagators'
// contrib module (no longer supported since contrib 1.47). staticcheck
// (SA1019, in .ci/run) finds direct uses; this finds them behind another
// module too, such as autoprop's registry.
//
// One exception, upstream's own: contrib's otelconf (the declarative
// configuration schema, otel/internal/declconf) imports autoprop, which links
// the AWS propagator. A package whose only way to the AWS module is
// through otelconf is logged, not failed; no package of this module may
// import autoprop or the AWS module itself.
func TestNoDeprecatedUpstreamLinked(t *testing.T) {
	logGlobal := prefixed("go.opentelemetry.io/otel/log/global")
	aws := prefixed("go.opentelemetry.io/contrib/propagators/aws", "go.opentelemetry.io/contrib/propagators/autoprop")
	deps := loadDeps(t)
	for _, v := range deps.linking(func(string) bool { return true }, logGlobal) {
		t.Errorf("%s, which upstream deprecated", v)
	}
	for _, v := range loadGraph(t).violations(func(string) bool { return true }, aws) {
		t.Errorf("%s, which upstream deprecated", v)
	}
	otelconf := prefixed("go.opentelemetry.io/contrib/otelconf")
	for pkg, linked := range deps {
		if slices.ContainsFunc(linked, aws) && !slices.ContainsFunc(linked, otelconf) {
			t.Errorf("%s links the AWS propagator other than through otelconf", pkg)
		}
	}
	if slices.ContainsFunc(deps[module+"/otel"], aws) {
		t.Logf("FINDING: %s/otel links the deprecated AWS propagator through contrib otelconf's autoprop import", module)
	}
}

// semconvOf returns the semconv versions ("v1.43.0") among pkgs.
func semconvOf(pkgs []string) []string {
	const prefix = "go.opentelemetry.io/otel/semconv/"
	var vs []string
	for _, p := range pkgs {
		if v, ok := strings.CutPrefix(p, prefix); ok {
			v, _, _ = strings.Cut(v, "/")
			if !slices.Contains(vs, v) {
				vs = append(vs, v)
			}
		}
	}
	slices.Sort(vs)
	return vs
}

// TestOneSemconvVersion: every semconv import of the module, in library
// and test code, is the version otelhttp emits its current attributes
// with, so that the names otelkit writes and checks are the ones its
// instrumentation produces.
func TestOneSemconvVersion(t *testing.T) {
	const otelhttp = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{join .Imports \"\\n\"}}", otelhttp).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", otelhttp, err)
	}
	want := semconvOf(strings.Fields(string(out)))
	if len(want) != 1 {
		t.Fatalf("otelhttp imports semconv %v, want one version", want)
	}
	all := map[string][]string{}
	for pkg, deps := range loadGraph(t) {
		all[pkg] = append(all[pkg], deps...)
	}
	for pkg, deps := range loadTestGraph(t) {
		all[pkg] = append(all[pkg], deps...)
	}
	for pkg, imports := range all {
		for _, v := range semconvOf(imports) {
			if v != want[0] {
				t.Errorf("%s imports semconv %s; otelhttp emits %s", pkg, v, want[0])
			}
		}
	}
}

// TestLinkingFindsABreach: the checks above would see a breach.
func TestLinkingFindsABreach(t *testing.T) {
	g := graph{
		module + "/metrics":             {"go.opentelemetry.io/otel", "github.com/shirou/gopsutil/v4/cpu"},
		module + "/metrics/hostmetrics": {"go.opentelemetry.io/contrib/instrumentation/host"},
	}
	host := prefixed("go.opentelemetry.io/contrib/instrumentation/host", "github.com/shirou/gopsutil")
	if got := g.linking(not(under("metrics/hostmetrics")), host); !slices.Equal(got, []string{
		module + "/metrics links github.com/shirou/gopsutil/v4/cpu"}) {
		t.Errorf("host metrics links = %q", got)
	}
	if got := semconvOf([]string{"go.opentelemetry.io/otel/semconv/v1.37.0", "go.opentelemetry.io/otel/semconv/v1.43.0/httpconv", "fmt"}); !slices.Equal(got, []string{"v1.37.0", "v1.43.0"}) {
		t.Errorf("semconvOf = %q", got)
	}
}
