package layering

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

const module = "github.com/otelkit/otelkit"

// graph maps each package of the module to the packages its non-test files
// import.
type graph map[string][]string

// loadGraph asks the go command for the module's packages and their
// non-test imports.
func loadGraph(t *testing.T) graph {
	t.Helper()
	return goList(t, "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}")
}

// loadTestGraph maps each package of the module to the packages its test
// files import.
func loadTestGraph(t *testing.T) graph {
	t.Helper()
	return goList(t, "{{.ImportPath}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}")
}

func goList(t *testing.T, format string) graph {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-f", format, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	g := graph{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		g[f[0]] = f[1:]
	}
	if len(g) < 10 {
		t.Fatalf("go list found %d packages: %q", len(g), out)
	}
	return g
}

// violations lists "pkg imports dep" for every package that from selects
// and every import of it that forbidden selects, sorted.
func (g graph) violations(from, forbidden func(string) bool) []string {
	var v []string
	for pkg, deps := range g {
		if !from(pkg) {
			continue
		}
		for _, d := range deps {
			if forbidden(d) {
				v = append(v, pkg+" imports "+d)
			}
		}
	}
	slices.Sort(v)
	return v
}

func under(dir string) func(string) bool {
	return func(p string) bool { return p == module+"/"+dir || strings.HasPrefix(p, module+"/"+dir+"/") }
}

func oneOf(pkgs ...string) func(string) bool {
	return func(p string) bool {
		for _, x := range pkgs {
			if p == module+"/"+x {
				return true
			}
		}
		return false
	}
}

func not(f func(string) bool) func(string) bool { return func(p string) bool { return !f(p) } }

func either(a, b func(string) bool) func(string) bool {
	return func(p string) bool { return a(p) || b(p) }
}

// isInternal selects the packages under any internal/ directory:
// internal/... and package-private ones such as otel/internal/....
func isInternal(p string) bool {
	return strings.Contains(p+"/", "/internal/")
}

var (
	upperPkgs = oneOf("otel", "httpmw", "grpcmw")
	// testMachinery: the testkit module (internal/testkit/...), and the
	// few helpers the library's own tests share (internal/testutil/...).
	testMachinery = either(under("internal/testkit"), under("internal/testutil"))
	testkitModule = under("internal/testkit")
)

func TestInternalDoesNotImportUpward(t *testing.T) {
	for _, v := range loadGraph(t).violations(isInternal, upperPkgs) {
		t.Errorf("%s: internal packages sit below otel, httpmw and grpcmw (drive them from _test.go files)", v)
	}
}

func TestLibraryDoesNotImportTestMachinery(t *testing.T) {
	for _, v := range loadGraph(t).violations(not(testMachinery), testMachinery) {
		t.Errorf("%s: only test files may import test machinery (internal/testkit/..., internal/testutil/...)", v)
	}
}

// TestOnlyTestkitInstallsSystemPackages: package syspkg, which may run
// apt-get, is used only by test packages of the testkit module, whose
// tests a consumer's `go test all` never runs (nothing a consumer imports
// imports them).
func TestOnlyTestkitInstallsSystemPackages(t *testing.T) {
	syspkg := oneOf("internal/testkit/syspkg")
	for _, v := range loadGraph(t).violations(func(string) bool { return true }, syspkg) {
		t.Errorf("%s: only test files may use syspkg", v)
	}
	for _, v := range loadTestGraph(t).violations(not(testkitModule), syspkg) {
		t.Errorf("%s: tests outside internal/testkit/... must not install system packages", v)
	}
	// Nor may they run apt-get themselves. (The literal is split so that
	// this file does not match.)
	const aptGet = `"apt` + `-get"`
	for pkg, files := range goList(t, "{{.ImportPath}}{{range .GoFiles}} {{$.Dir}}/{{.}}{{end}}"+
		"{{range .TestGoFiles}} {{$.Dir}}/{{.}}{{end}}{{range .XTestGoFiles}} {{$.Dir}}/{{.}}{{end}}") {
		if syspkg(pkg) {
			continue
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), aptGet) {
				t.Errorf("%s runs apt-get: install system packages only through syspkg, from tests under internal/testkit/...", f)
			}
		}
	}
}

// TestViolationsFindsABreach: the checks above would see a breach.
func TestViolationsFindsABreach(t *testing.T) {
	g := graph{
		module + "/internal/testutil/fakeotlp": {"net/http", module + "/otel"},
		module + "/otel/internal/declconf":     {module + "/httpmw"},
		module + "/internal/env":               {"os"},
		module + "/httpmw":                     {module + "/logging", module + "/internal/testutil/handwritten"},
		module + "/otel":                       {module + "/internal/env", module + "/internal/testkit/collector"},
		module + "/internal/testkit/e2e":       {module + "/internal/testkit/collector"},
	}
	if got := g.violations(isInternal, upperPkgs); !slices.Equal(got, []string{
		module + "/internal/testutil/fakeotlp imports " + module + "/otel",
		module + "/otel/internal/declconf imports " + module + "/httpmw"}) {
		t.Errorf("upward imports = %q", got)
	}
	if got := g.violations(not(testMachinery), testMachinery); !slices.Equal(got, []string{
		module + "/httpmw imports " + module + "/internal/testutil/handwritten",
		module + "/otel imports " + module + "/internal/testkit/collector"}) {
		t.Errorf("test machinery imports = %q", got)
	}
}
