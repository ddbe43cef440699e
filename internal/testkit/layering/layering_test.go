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

var (
	internalPkgs  = under("internal")
	upperPkgs     = oneOf("otel", "httpmw", "grpcmw")
	testMachinery = under("internal/testkit")
)

func TestInternalDoesNotImportUpward(t *testing.T) {
	for _, v := range loadGraph(t).violations(internalPkgs, upperPkgs) {
		t.Errorf("%s: internal packages sit below otel, httpmw and grpcmw (drive them from _test.go files)", v)
	}
}

func TestLibraryDoesNotImportTestMachinery(t *testing.T) {
	for _, v := range loadGraph(t).violations(not(testMachinery), testMachinery) {
		t.Errorf("%s: only test files may import internal/testkit/...", v)
	}
}

// TestOnlyTestkitInstallsSystemPackages: package syspkg, which may run
// apt-get, is used only by test packages under internal/testkit/..., whose
// tests a consumer's `go test all` never runs (nothing a consumer imports
// imports them).
func TestOnlyTestkitInstallsSystemPackages(t *testing.T) {
	syspkg := oneOf("internal/testkit/syspkg")
	for _, v := range loadGraph(t).violations(func(string) bool { return true }, syspkg) {
		t.Errorf("%s: only test files may use syspkg", v)
	}
	for _, v := range loadTestGraph(t).violations(not(testMachinery), syspkg) {
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
		module + "/internal/testkit/loadbench": {"net/http", module + "/otel"},
		module + "/internal/env":               {"os"},
		module + "/httpmw":                     {module + "/logging", module + "/internal/testkit/handwritten"},
		module + "/otel":                       {module + "/internal/env"},
	}
	if got := g.violations(internalPkgs, upperPkgs); !slices.Equal(got, []string{
		module + "/internal/testkit/loadbench imports " + module + "/otel"}) {
		t.Errorf("upward imports = %q", got)
	}
	if got := g.violations(not(testMachinery), testMachinery); !slices.Equal(got, []string{
		module + "/httpmw imports " + module + "/internal/testkit/handwritten"}) {
		t.Errorf("test machinery imports = %q", got)
	}
}
