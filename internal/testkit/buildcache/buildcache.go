package buildcache

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/filelock"
	"github.com/otelkit/otelkit/internal/testkit/process"
)

// Spec says how to build one program.
type Spec struct {
	// Name is the binary's file name in the cache directory.
	Name string
	// What names the build in messages, as in "build <What>: …".
	What string
	// EnvBinary names the variable that, when set, points at a binary to
	// use instead of building one. Empty: no such variable.
	EnvBinary string
	// Key returns the name of the cache directory. It must change whenever
	// what the binary is built from changes.
	Key func() (string, error)
	// Command returns the command that builds the binary and the path
	// where that command leaves it. dir is the cache directory, for the
	// build's own files; ctx bounds the build.
	Command func(ctx context.Context, dir string) (cmd *exec.Cmd, built string, err error)
	// MaxTime bounds one build (default 30 minutes).
	MaxTime time.Duration
	// Root is where the cache directories are (default
	// os.UserCacheDir()/otelkit).
	Root string
}

// Program is a program built at most once per process and cache key.
type Program struct {
	spec Spec
	mu   sync.Mutex
	path string // set by the first successful build or lookup
}

// New returns the Program spec describes. It builds nothing yet.
func New(spec Spec) *Program {
	if spec.MaxTime <= 0 {
		spec.MaxTime = 30 * time.Minute
	}
	return &Program{spec: spec}
}

// deadlineMargin is left between the end of a build and the test binary's
// deadline, so that a build cut short still reports why.
const deadlineMargin = 30 * time.Second

// Path returns the path of the program's binary: the one the EnvBinary
// variable names (an error if it is not an executable file), else the one
// in the cache, else one it builds into the cache. The build is bounded by
// MaxTime and by tb's deadline. An error from Spec.Command is wrapped, so
// that errors.Is finds it.
func (p *Program) Path(tb testing.TB) (string, error) {
	return p.lookup(Budget(tb, p.spec.MaxTime))
}

// Budget is how long a build may take: limit, or less if tb's deadline
// (go test -timeout, 10 minutes by default) comes sooner; never less than
// a second.
func Budget(tb testing.TB, limit time.Duration) time.Duration {
	budget := limit
	if d, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			budget = min(budget, time.Until(deadline)-deadlineMargin)
		}
	}
	return max(budget, time.Second)
}

func (p *Program) lookup(budget time.Duration) (string, error) {
	if name := p.spec.EnvBinary; name != "" {
		if bin := os.Getenv(name); bin != "" {
			if err := checkExecutable(bin); err != nil {
				return "", fmt.Errorf("%s=%q: %w", name, bin, err)
			}
			return bin, nil
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.path != "" {
		return p.path, nil
	}
	root := p.spec.Root
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory to build %s in: %w", p.spec.What, err)
		}
		root = filepath.Join(cache, "otelkit")
	}
	path, err := p.cached(root, budget)
	if err != nil {
		return "", err
	}
	p.path = path
	return path, nil
}

// cached returns the binary under root, building it under an exclusive
// file lock if it is not there yet.
func (p *Program) cached(root string, budget time.Duration) (string, error) {
	key, err := p.spec.Key()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, key)
	bin := filepath.Join(dir, p.spec.Name)
	if checkExecutable(bin) == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create build directory: %w", err)
	}
	unlock, err := filelock.Lock(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", fmt.Errorf("lock build directory: %w", err)
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if checkExecutable(bin) == nil {
		return bin, nil
	}
	if err := p.build(dir, bin, budget); err != nil {
		return "", err
	}
	return bin, nil
}

// build runs the build command and renames what it built to bin, so that
// a half-written binary is never used.
func (p *Program) build(dir, bin string, budget time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	cmd, built, err := p.spec.Command(ctx, dir)
	if err != nil {
		return fmt.Errorf("build %s: %w", p.spec.What, err)
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
		return fmt.Errorf("build %s: %v\n%s", p.spec.What, err, process.Tail(output.Bytes(), 16<<10))
	}
	took := time.Since(start).Round(time.Second)
	if err := checkExecutable(built); err != nil {
		return fmt.Errorf("build %s finished in %s but left no binary: %w\n%s",
			p.spec.What, took, err, process.Tail(output.Bytes(), 16<<10))
	}
	// Kept beside the binary: how long a cold build takes on this machine.
	_ = os.WriteFile(filepath.Join(dir, "build-time.txt"), []byte(took.String()+"\n"), 0o644)
	return os.Rename(built, bin)
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
