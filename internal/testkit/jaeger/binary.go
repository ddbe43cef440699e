package jaeger

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
	"sync"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testdeps"
)

// Version is the release of the Go module github.com/jaegertracing/jaeger
// whose cmd/jaeger module/go.mod builds. Jaeger tags each release twice:
// this module version is the Jaeger v2 Release below.
const Version = "v1.76.0"

// Release is the Jaeger v2 release that Version is, the tag of the
// jaegertracing/jaeger image that docker-compose.yaml runs.
const Release = "2.13.0"

// Package is the Go package of the Jaeger v2 program.
const Package = "github.com/jaegertracing/jaeger/cmd/jaeger"

// EnvBinary names the environment variable that, when set, points at a
// Jaeger v2 binary to use instead of building one.
const EnvBinary = "OTELKIT_JAEGER_BIN"

const (
	binaryName = "jaeger"
	// maxBuildTime bounds one build. A cold build (downloads and compiles
	// about 330 modules) took 9.5 to 11.5 minutes on two busy cores here.
	maxBuildTime = 30 * time.Minute
	// deadlineMargin is left between the end of a build and the test
	// binary's deadline, so that a build cut short still reports why.
	deadlineMargin = 30 * time.Second
)

var built struct {
	mu   sync.Mutex
	path string
}

// Binary returns the path of a Jaeger v2 binary built from module/go.mod.
//
// If OTELKIT_JAEGER_BIN is set, Binary returns that path (and fails the test
// if it is not an executable file). Otherwise Jaeger is built once with
// `go build` in the module directory into
// os.UserCacheDir()/otelkit/jaeger-<Version>-<hash of go.mod and go.sum>/ and
// reused by later runs. A lock file there makes concurrent test processes
// wait for one build. The build is bounded by 30 minutes and by the test
// binary's -timeout; a failed or cut-short build fails the test with the
// go command's output. Binary skips the test only when no go command exists
// to build with.
func Binary(tb testing.TB) string {
	tb.Helper()
	path, err := binary(buildBudget(tb))
	if errors.Is(err, errNoGo) {
		tb.Skipf("testkit/jaeger: %v; set %s to a Jaeger v2 binary (%s@%s) to run this test",
			err, EnvBinary, Package, Version)
	}
	if err != nil {
		tb.Fatalf("testkit/jaeger: %v", err)
	}
	return path
}

// buildBudget is how long a build may take: maxBuildTime, or less if the
// test binary's deadline (go test -timeout, 10 minutes by default) is nearer.
func buildBudget(tb testing.TB) time.Duration {
	budget := maxBuildTime
	if d, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			budget = min(budget, time.Until(deadline)-deadlineMargin)
		}
	}
	return max(budget, time.Second)
}

var errNoGo = errors.New("no go command on PATH to build Jaeger with")

func binary(budget time.Duration) (string, error) {
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
	mod, err := moduleDir()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the Jaeger build: %w", err)
	}
	path, err := buildCached(mod, filepath.Join(cache, "otelkit"), budget, goBuild)
	if err != nil {
		return "", err
	}
	built.path = path
	return path, nil
}

// moduleDir locates module/ next to this source file, whatever the working
// directory of the test that asks.
func moduleDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the Jaeger build module: runtime.Caller failed")
	}
	dir := filepath.Join(filepath.Dir(file), "module")
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("cannot locate the Jaeger build module: %w", err)
	}
	return dir, nil
}

// builderFunc returns the command that builds the binary at out from the
// module in dir.
type builderFunc func(ctx context.Context, dir, out string) (*exec.Cmd, error)

// goBuild builds Package with the go command in the build module, so that
// go.sum pins every module and the module and build caches are shared with
// the user's other builds. cgo is off, as in Jaeger's release builds.
func goBuild(ctx context.Context, dir, out string) (*exec.Cmd, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoGo, err)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-ldflags=-s -w", "-o", out, Package)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	return cmd, nil
}

// cacheKey names the cache directory: the version for people looking at the
// directory, the hash of go.mod and go.sum so that any change rebuilds.
func cacheKey(mod string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(mod, name))
		if err != nil {
			return "", fmt.Errorf("read the Jaeger build module: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(data))
		h.Write(data)
	}
	return "jaeger-" + Version + "-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// buildCached returns the binary for the module in mod under root, building
// it under an exclusive file lock if it is not there yet.
func buildCached(mod, root string, budget time.Duration, builder builderFunc) (string, error) {
	key, err := cacheKey(mod)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, key)
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
	if err := build(mod, dir, bin, budget, builder); err != nil {
		return "", err
	}
	return bin, nil
}

// build writes the binary to a temporary name and renames it into place, so
// that a half-written binary is never used.
func build(mod, dir, bin string, budget time.Duration, builder builderFunc) error {
	tmp := filepath.Join(dir, binaryName+".partial")
	_ = os.Remove(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	cmd, err := builder(ctx, mod, tmp)
	if err != nil {
		return err
	}
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	// Compilers the go command started may still hold the output pipe when
	// the go command is killed at the budget; stop waiting for them.
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (gave up after %s; the Go build cache keeps what was compiled, so "+
				"the next run resumes: run `go test -timeout 30m` for a first build)", err, budget.Round(time.Second))
		}
		return fmt.Errorf("build %s@%s in %s: %v\n%s", Package, Version, mod, err, tail(output.Bytes(), 16<<10))
	}
	took := time.Since(start).Round(time.Second)
	if err := checkExecutable(tmp); err != nil {
		return fmt.Errorf("go build finished in %s but left no binary: %w\n%s", took, err, tail(output.Bytes(), 16<<10))
	}
	// Kept beside the binary: how long a cold build takes on this machine.
	_ = os.WriteFile(filepath.Join(dir, "build-time.txt"), []byte(took.String()+"\n"), 0o644)
	return os.Rename(tmp, bin)
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
