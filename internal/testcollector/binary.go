package testcollector

import (
	"bytes"
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
	"sync"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testdeps"
)

// BuilderVersion is the version of go.opentelemetry.io/collector/cmd/builder
// that builds the collector from builder-config.yaml.
const BuilderVersion = "v0.161.0"

// EnvBinary names the environment variable that, when set, points at a
// collector binary to use instead of building one.
const EnvBinary = "OTELKIT_TESTCOL_BIN"

const (
	binaryName   = "otelkit-testcol" // dist.name in builder-config.yaml
	buildTimeout = 15 * time.Minute
)

// built caches the result of the first successful Binary call in this
// process; later calls return it without touching the file system.
var built struct {
	mu   sync.Mutex
	path string
}

// Binary returns the path of a collector built from builder-config.yaml.
//
// If OTELKIT_TESTCOL_BIN is set, Binary returns that path (and fails the test
// if it is not an executable file). Otherwise the collector is built once with
// go.opentelemetry.io/collector/cmd/builder@BuilderVersion into
// os.UserCacheDir()/otelkit/testcol-<sha256 of the manifest>/ and reused by
// later runs. A lock file in that directory makes concurrent test processes
// wait for one build instead of each running their own. A failed build fails
// the test with the builder's output; it never skips.
func Binary(tb testing.TB) string {
	tb.Helper()
	path, err := binary()
	if err != nil {
		tb.Fatalf("testcollector: %v", err)
	}
	return path
}

func binary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%q: %w", EnvBinary, p, err)
		}
		return p, nil
	}
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.path != "" {
		return built.path, nil
	}
	manifest, err := manifestPath()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the collector build: %w", err)
	}
	path, err := buildCached(manifest, filepath.Join(cache, "otelkit"), runBuilder)
	if err != nil {
		return "", err
	}
	built.path = path
	return path, nil
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

// builderFunc returns the command that builds a collector from the manifest
// at cfgPath.
type builderFunc func(ctx context.Context, cfgPath string) (*exec.Cmd, error)

// runBuilder runs the official builder at BuilderVersion through `go run`,
// so that it is fetched and compiled through the Go module and build caches.
func runBuilder(ctx context.Context, cfgPath string) (*exec.Cmd, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("building the collector needs the go command: %w", err)
	}
	cmd := exec.CommandContext(ctx, goBin, "run",
		"go.opentelemetry.io/collector/cmd/builder@"+BuilderVersion, "--config="+cfgPath)
	cmd.Env = append(os.Environ(), "GOWORK=off")
	return cmd, nil
}

// buildCached returns the collector binary for manifest under root, building
// it under an exclusive file lock if it is not there yet.
func buildCached(manifest, root string, builder builderFunc) (string, error) {
	data, err := os.ReadFile(manifest)
	if err != nil {
		return "", fmt.Errorf("read manifest: %w", err)
	}
	sum := sha256.Sum256(data)
	dir := filepath.Join(root, "testcol-"+hex.EncodeToString(sum[:]))
	bin := filepath.Join(dir, binaryName)
	if checkExecutable(bin) == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create build directory: %w", err)
	}
	unlock, err := testdeps.LockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", fmt.Errorf("lock build directory: %w", err)
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if checkExecutable(bin) == nil {
		return bin, nil
	}
	if err := build(data, dir, bin, builder); err != nil {
		return "", err
	}
	return bin, nil
}

// build runs the builder on a copy of the manifest whose output_path points
// into dir, so generated sources never land in the repository, then moves the
// binary to bin in one rename so that a half-written binary is never used.
func build(manifest []byte, dir, bin string, builder builderFunc) error {
	out := filepath.Join(dir, "build")
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("clean build directory: %w", err)
	}
	cfg, err := withOutputPath(manifest, out)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "builder-config.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return fmt.Errorf("write manifest copy: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd, err := builder(ctx, cfgPath)
	if err != nil {
		return err
	}
	cmd.Dir = dir
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (gave up after %s)", err, buildTimeout)
		}
		return fmt.Errorf("build collector with builder %s from %s: %v\n%s",
			BuilderVersion, cfgPath, err, tail(output.Bytes(), 16<<10))
	}
	if err := os.Rename(filepath.Join(out, binaryName), bin); err != nil {
		return fmt.Errorf("builder finished in %s but left no binary: %w\n%s",
			time.Since(start).Round(time.Second), err, tail(output.Bytes(), 16<<10))
	}
	return nil
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

func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", p)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", p)
	}
	return nil
}

// tail returns at most the last n bytes of b.
func tail(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return "…" + string(b[len(b)-n:])
}
