package collector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/buildcache"
)

// BuilderVersion is the version of go.opentelemetry.io/collector/cmd/builder
// that builds the collector from builder-config.yaml.
const BuilderVersion = "v0.161.0"

// EnvBinary names the environment variable that, when set, points at a
// collector binary to use instead of building one.
const EnvBinary = "OTELKIT_TESTCOL_BIN"

const binaryName = "otelkit-testcol" // dist.name in builder-config.yaml

// program is the collector built from builder-config.yaml next to this
// file, once per process.
var program = newProgram(manifestPath, "")

// Binary returns the path of a collector built from builder-config.yaml.
//
// If OTELKIT_TESTCOL_BIN is set, Binary returns that path (and fails the test
// if it is not an executable file). Otherwise the collector is built once with
// go.opentelemetry.io/collector/cmd/builder@BuilderVersion into
// os.UserCacheDir()/otelkit/testcol-<sha256 of the manifest>/ and reused by
// later runs; concurrent test processes wait for one build (package
// buildcache). A failed build fails the test with the builder's output; it
// never skips.
func Binary(tb testing.TB) string {
	tb.Helper()
	path, err := program.Path(tb)
	if err != nil {
		tb.Fatalf("internal/testkit/collector: %v", err)
	}
	return path
}

// newProgram is the collector built from the manifest that manifest
// returns, cached under root ("": the user cache directory).
func newProgram(manifest func() (string, error), root string) *buildcache.Program {
	return buildcache.New(buildcache.Spec{
		Name:      binaryName,
		What:      "the collector with builder " + BuilderVersion,
		EnvBinary: EnvBinary,
		MaxTime:   15 * time.Minute,
		Root:      root,
		Key: func() (string, error) {
			data, err := readManifest(manifest)
			if err != nil {
				return "", err
			}
			sum := sha256.Sum256(data)
			return "testcol-" + hex.EncodeToString(sum[:]), nil
		},
		Command: func(ctx context.Context, dir string) (*exec.Cmd, string, error) {
			data, err := readManifest(manifest)
			if err != nil {
				return nil, "", err
			}
			return builderCommand(ctx, data, dir)
		},
	})
}

func readManifest(manifest func() (string, error)) ([]byte, error) {
	p, err := manifest()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return data, nil
}

// manifestPath locates builder-config.yaml next to this source file, so that
// tests in any package of the module find it whatever their working directory.
func manifestPath() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate builder-config.yaml: runtime.Caller failed")
	}
	p := filepath.Join(filepath.Dir(file), "builder-config.yaml")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("cannot locate builder-config.yaml: %w", err)
	}
	return p, nil
}

// builderCommand returns the command that runs the official builder at
// BuilderVersion through `go run` (so that it is fetched and compiled
// through the Go module and build caches) on a copy of the manifest in dir
// whose output_path points into dir, so generated sources never land in the
// repository, and the path where the builder leaves the binary.
func builderCommand(ctx context.Context, manifest []byte, dir string) (*exec.Cmd, string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, "", fmt.Errorf("building the collector needs the go command: %w", err)
	}
	out := filepath.Join(dir, "build")
	if err := os.RemoveAll(out); err != nil {
		return nil, "", fmt.Errorf("clean build directory: %w", err)
	}
	cfg, err := withOutputPath(manifest, out)
	if err != nil {
		return nil, "", err
	}
	cfgPath := filepath.Join(dir, "builder-config.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return nil, "", fmt.Errorf("write manifest copy: %w", err)
	}
	cmd := exec.CommandContext(ctx, goBin, "run",
		"go.opentelemetry.io/collector/cmd/builder@"+BuilderVersion, "--config="+cfgPath)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	return cmd, filepath.Join(out, binaryName), nil
}

// withOutputPath replaces the dist.output_path line of the manifest. The
// manifest is kept to a flat, known shape, so a line edit is enough and the
// root module needs no YAML parser.
func withOutputPath(manifest []byte, out string) ([]byte, error) {
	lines := strings.Split(string(manifest), "\n")
	found := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "output_path:") {
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			lines[i] = indent + "output_path: " + quoteYAML(out)
			found = true
		}
	}
	if !found {
		return nil, errors.New("builder-config.yaml has no dist.output_path line to redirect")
	}
	return []byte(strings.Join(lines, "\n")), nil
}

// quoteYAML writes s as a double-quoted YAML scalar.
func quoteYAML(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
