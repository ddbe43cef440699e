package env

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"OTELKIT_LOG_LEVL", "OTELKIT_LOG_LEVEL"},
		{"OTEL_EXPORTER_OTLP_ENDPIONT", "OTEL_EXPORTER_OTLP_ENDPOINT"}, // two letters swapped
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINTS", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{"OTEL_SERVIC_NAME", "OTEL_SERVICE_NAME"},
		{"otel_service_name", "OTEL_SERVICE_NAME"},
		{"OTELKIT_LOG_BUFER_LEVEL", "OTELKIT_LOG_BUFFER_LEVEL"},
		{"OTEL_BSP_MAX_QUEUE_SIZ", "OTEL_BSP_MAX_QUEUE_SIZE"},
		{"OTEL_GO_X_OBSERVABILTY", "OTEL_GO_X_OBSERVABILITY"},
		{"OTEL_CONFIG_FLE", "OTEL_CONFIG_FILE"},
		// Known names, and names of other SDKs far from any known one.
		{"OTEL_SERVICE_NAME", ""},
		{"OTEL_LOG_LEVEL", ""},
		{"OTELKIT_TESTCOL_BIN", ""},
		{"OTEL_PYTHON_LOG_CORRELATION", ""},
		{"OTEL_NODE_RESOURCE_DETECTORS", ""},
		{"OTELKIT_WHATEVER", ""},
		{"OTEL_X", ""},
		{strings.Repeat("OTEL_", 1000), ""},
	} {
		if got := Suggest(tc.name); got != tc.want {
			t.Errorf("Suggest(%.40q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"abc", "acb", 1}, {"abc", "ab", 1}, {"abc", "abd", 1},
		{"ENDPOINT", "ENDPIONT", 1}, {"kitten", "sitting", 3}, {"", "abc", 3},
	} {
		if got := editDistance(tc.a, tc.b, 100); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.a, tc.b, 1); tc.want >= 1 && got < 1 {
			t.Errorf("bounded editDistance(%q, %q) = %d", tc.a, tc.b, got)
		}
	}
}

var (
	fullName   = regexp.MustCompile(`"((?:OTEL|OTELKIT)_[A-Z0-9_]*[A-Z0-9])"`)
	featureArg = regexp.MustCompile(`newFeature(?:\[[^\]]*\])?\(\s*(?:\[\]string\{([^}]*)\}|"([A-Z_]+)")`)
	quoted     = regexp.MustCompile(`"([A-Z][A-Z0-9_]*)"`)
)

// sourceFiles returns the non-test Go files under dir.
func sourceFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		out[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readNamesIn returns the variable names the Go files under dir read:
// full OTEL_*/OTELKIT_* literals, the SDK's experimental features
// (OTEL_GO_X_ + suffix) and the OTLP exporters' envconfig keys
// (OTEL_EXPORTER_OTLP_ + key).
func readNamesIn(t *testing.T, dir string) map[string]string {
	names := map[string]string{}
	for p, b := range sourceFiles(t, dir) {
		for _, m := range fullName.FindAllSubmatch(b, -1) {
			names[string(m[1])] = p
		}
		if strings.Contains(filepath.ToSlash(p), "/internal/x/") {
			for _, m := range featureArg.FindAllSubmatch(b, -1) {
				for _, q := range quoted.FindAllSubmatch(bytes.Join(m[1:], []byte(`","`)), -1) {
					names["OTEL_GO_X_"+string(q[1])] = p
				}
				if len(m[2]) > 0 {
					names["OTEL_GO_X_"+string(m[2])] = p
				}
			}
		}
		if strings.HasSuffix(p, "envconfig.go") && strings.Contains(filepath.ToSlash(p), "/exporters/otlp/") {
			// The keys the exporters' env readers append to
			// OTEL_EXPORTER_OTLP_.
			for _, m := range quoted.FindAllSubmatch(b, -1) {
				if k := string(m[1]); !strings.HasPrefix(k, "OTEL_") {
					names["OTEL_EXPORTER_OTLP_"+k] = p
				}
			}
		}
	}
	return names
}

// TestKnownNamesAreComplete: every variable otelkit's library code reads,
// and every one the OpenTelemetry modules it builds on read, is known, so
// that none is ever reported as a misspelling.
func TestKnownNamesAreComplete(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	root := moduleRoot(t)
	got := readNamesIn(t, root)
	for n, p := range got {
		if strings.Contains(p, string(filepath.Separator)+"testkit"+string(filepath.Separator)) ||
			strings.Contains(p, string(filepath.Separator)+"examples"+string(filepath.Separator)) {
			continue // test machinery and example programs
		}
		if !IsKnown(n) && !isPrefix(n) {
			t.Errorf("%s reads %s, which env.KnownNames does not list", p, n)
		}
	}
	// The modules the library's packages are built from.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Dir}}{{end}}", root+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dirs := map[string]bool{}
	for _, d := range strings.Fields(string(out)) {
		if strings.Contains(filepath.ToSlash(d), "go.opentelemetry.io/") {
			dirs[d] = true
		}
	}
	if len(dirs) < 5 {
		t.Fatalf("found %d OpenTelemetry modules: %v", len(dirs), dirs)
	}
	checked := 0
	for d := range dirs {
		for n, p := range readNamesIn(t, d) {
			checked++
			if strings.HasSuffix(n, "MOCK_FEATURE") {
				continue
			}
			if !IsKnown(n) && !isPrefix(n) {
				t.Errorf("%s reads %s, which env.KnownNames does not list", p, n)
			}
		}
	}
	for _, want := range []string{"OTEL_GO_X_OBSERVABILITY", "OTEL_GO_X_PER_SERIES_START_TIMESTAMPS",
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", "OTEL_BLRP_MAX_QUEUE_SIZE"} {
		found := false
		for d := range dirs {
			if _, ok := readNamesIn(t, d)[want]; ok {
				found = true
			}
		}
		if !found {
			t.Errorf("the scan of the SDK modules did not find %s: the scan is broken", want)
		}
	}
	t.Logf("%d names read by %d OpenTelemetry modules checked", checked, len(dirs))
}

// isPrefix reports whether n is the start of known names (n + "_"), as
// readers that compose names have it.
func isPrefix(n string) bool {
	for _, k := range KnownNames() {
		if strings.HasPrefix(k, n+"_") {
			return true
		}
	}
	return false
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
