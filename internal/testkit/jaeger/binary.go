package jaeger

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
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/buildcache"
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

// binaryName is the binary's file name in its cache directory.
const binaryName = "jaeger"

// maxBuildTime bounds one build. A cold build (downloads and compiles about
// 330 modules) took 9.5 to 11.5 minutes on two busy cores here.
const maxBuildTime = 30 * time.Minute

// program is Jaeger built from module/ next to this file, once per process.
var program = newProgram(moduleDir, "")

// Binary returns the path of a Jaeger v2 binary built from module/go.mod.
//
// If OTELKIT_JAEGER_BIN is set, Binary returns that path (and fails the test
// if it is not an executable file). Otherwise Jaeger is built once with
// `go build` in the module directory into
// os.UserCacheDir()/otelkit/jaeger-<Version>-<hash of go.mod and go.sum>/ and
// reused by later runs; concurrent test processes wait for one build
// (package buildcache). The build is bounded by 30 minutes and by the test
// binary's -timeout; a failed or cut-short build fails the test with the go
// command's output. Binary skips the test only when no go command exists to
// build with.
func Binary(tb testing.TB) string {
	tb.Helper()
	path, err := program.Path(tb)
	if errors.Is(err, errNoGo) {
		tb.Skipf("internal/testkit/jaeger: %v; set %s to a Jaeger v2 binary (%s@%s) to run this test",
			err, EnvBinary, Package, Version)
	}
	if err != nil {
		tb.Fatalf("internal/testkit/jaeger: %v", err)
	}
	return path
}

var errNoGo = errors.New("no go command on PATH to build Jaeger with")

// newProgram is Jaeger built from the module in the directory that module
// returns, cached under root ("": the user cache directory).
func newProgram(module func() (string, error), root string) *buildcache.Program {
	return buildcache.New(buildcache.Spec{
		Name:      binaryName,
		What:      Package + "@" + Version,
		EnvBinary: EnvBinary,
		MaxTime:   maxBuildTime,
		Root:      root,
		Key: func() (string, error) {
			mod, err := module()
			if err != nil {
				return "", err
			}
			return cacheKey(mod)
		},
		Command: func(ctx context.Context, dir string) (*exec.Cmd, string, error) {
			mod, err := module()
			if err != nil {
				return nil, "", err
			}
			out := filepath.Join(dir, binaryName+".partial")
			_ = os.Remove(out)
			cmd, err := goBuild(ctx, mod, out)
			return cmd, out, err
		},
	})
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

// goBuild builds Package with the go command in the build module dir, so
// that go.sum pins every module and the module and build caches are shared
// with the user's other builds. cgo is off, as in Jaeger's release builds.
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
