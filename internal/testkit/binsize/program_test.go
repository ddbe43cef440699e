package binsize

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const module = "github.com/otelkit/otelkit"

// pinned are the requirements that the repository's go.mod does not hold:
// autoexport at the contrib release of the otelhttp that otelkit uses
// (TestPinnedAtOtelhttpRelease keeps them together).
var pinned = map[string]string{
	"go.opentelemetry.io/contrib/exporters/autoexport": "v0.72.0",
}

// repo describes this repository's module: its directory, the go version
// of its go.mod, and the version of every module in its build list.
type repo struct {
	dir      string
	goVer    string
	versions map[string]string
}

func loadRepo(t *testing.T) repo {
	t.Helper()
	r := repo{versions: map[string]string{}}
	// The library's module is three directories up (this package is in
	// internal/testkit, a module of its own).
	mainInfo := strings.Fields(goCmd(t, filepath.Join("..", "..", ".."), "list", "-m", "-f", "{{.Dir}} {{.GoVersion}}"))
	if len(mainInfo) != 2 {
		t.Fatalf("go list -m: %q", mainInfo)
	}
	r.dir, r.goVer = mainInfo[0], mainInfo[1]
	for _, line := range strings.Split(goCmd(t, r.dir, "list", "-m", "all"), "\n") {
		switch f := strings.Fields(line); len(f) {
		case 0:
		case 1: // the main module
			r.versions[f[0]] = ""
		default:
			r.versions[f[0]] = f[1]
		}
	}
	return r
}

// requirement returns the module that provides the package imp and the
// version the program's go.mod requires: the repository's, a pinned one,
// or the repository itself for otelkit. ok is false for the standard
// library.
func (r repo) requirement(imp string) (mod, version string, ok bool) {
	if first, _, _ := strings.Cut(imp, "/"); !strings.Contains(first, ".") {
		return "", "", false
	}
	for m := range r.versions {
		if (imp == m || strings.HasPrefix(imp, m+"/")) && len(m) > len(mod) {
			mod = m
		}
	}
	if pm, pv := longestPinned(imp); len(pm) > len(mod) {
		return pm, pv, true
	}
	if mod == "" {
		return "", "", false
	}
	if mod == module {
		return mod, "v0.0.0-00010101000000-000000000000", true
	}
	return mod, r.versions[mod], true
}

func longestPinned(imp string) (mod, version string) {
	for m, v := range pinned {
		if (imp == m || strings.HasPrefix(imp, m+"/")) && len(m) > len(mod) {
			mod, version = m, v
		}
	}
	return mod, version
}

// goMod writes the go.mod of testdata/name: one requirement per module its
// main.go imports (see requirement), otelkit replaced by the repository.
func (r repo) goMod(t *testing.T, name string) []byte {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("testdata", name, "main.go"), nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	reqs := map[string]string{}
	for _, spec := range f.Imports {
		imp, _ := strconv.Unquote(spec.Path.Value)
		if mod, v, ok := r.requirement(imp); ok {
			reqs[mod] = v
		} else if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			t.Fatalf("%s imports %s, which the repository's build list does not hold: pin it", name, imp)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "module example.com/%s\n\ngo %s\n\n", name, r.goVer)
	for _, m := range slices.Sorted(maps.Keys(reqs)) {
		fmt.Fprintf(&b, "require %s %s\n", m, reqs[m])
	}
	if _, ok := reqs[module]; ok {
		fmt.Fprintf(&b, "\nreplace %s => %s\n", module, r.dir)
	}
	return b.Bytes()
}

// build makes testdata/name a module in a temporary directory (goMod),
// tidies it and builds it as a user would (`go build`, no flags), and
// returns the binary.
func (r repo) build(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", name, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), r.goMod(t, name), 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd(t, dir, "mod", "tidy")
	bin := filepath.Join(dir, name)
	goCmd(t, dir, "build", "-o", bin, ".")
	return bin
}

// binary is what `go version -m` and the file system say of a program.
type binary struct {
	size    int64
	modules map[string]string // module path → version, the main module left out
}

func inspect(t *testing.T, bin string) binary {
	t.Helper()
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	b := binary{size: fi.Size(), modules: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(goCmd(t, "", "version", "-m", bin)))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "dep" {
			b.modules[f[1]] = f[2]
		}
	}
	if len(b.modules) == 0 {
		t.Fatalf("go version -m %s lists no module", bin)
	}
	return b
}

// goCmd runs the go command in dir (the package's directory when empty)
// outside any workspace and returns its standard output; a failure fails
// the test with what the command said.
func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}
