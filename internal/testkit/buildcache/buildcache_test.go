package buildcache

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// shSpec is a Spec under root whose build runs script with $1 = the path
// the binary is to be left at, and whose key is what *key holds when the
// build starts.
func shSpec(root string, key *string, script string) Spec {
	return Spec{
		Name: "prog",
		What: "prog@v1",
		Root: root,
		Key:  func() (string, error) { return *key, nil },
		Command: func(ctx context.Context, dir string) (*exec.Cmd, string, error) {
			built := filepath.Join(dir, "prog.partial")
			return exec.CommandContext(ctx, "sh", "-c", script, "sh", built), built, nil
		},
	}
}

func needSh(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
}

// TestConcurrentBuildsBuildOnce runs separate Programs (each takes the
// flock through its own file descriptor, as separate test processes do)
// with a builder that counts its runs.
func TestConcurrentBuildsBuildOnce(t *testing.T) {
	needSh(t)
	root, runs := t.TempDir(), filepath.Join(t.TempDir(), "runs")
	key := "prog-1"
	script := `sleep 0.2 && printf '#!/bin/sh\n' > "$1" && chmod +x "$1" && echo run >> ` + runs
	const n = 4
	paths, errs := make([]string, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { paths[i], errs[i] = New(shSpec(root, &key, script)).lookup(time.Minute) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Errorf("call %d = %q, %v; want %q, nil", i, paths[i], errs[i], paths[0])
		}
	}
	if want := filepath.Join(root, "prog-1", "prog"); paths[0] != want {
		t.Errorf("path %s, want %s", paths[0], want)
	}
	if data, _ := os.ReadFile(runs); strings.Count(string(data), "run") != 1 {
		t.Errorf("builder ran %d times, want 1", strings.Count(string(data), "run"))
	}
	if err := checkExecutable(paths[0]); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(root, "prog-1", "build-time.txt")); err != nil {
		t.Errorf("no build time kept: %v", err)
	}

	// A new key is a new build; the old key's binary is reused without one.
	key = "prog-2"
	p, err := New(shSpec(root, &key, script)).lookup(time.Minute)
	if err != nil || p == paths[0] {
		t.Errorf("after a key change: %q, %v; want a new path", p, err)
	}
	key = "prog-1"
	again := New(shSpec(root, &key, `echo must not run; exit 1`))
	if p, err := again.lookup(time.Minute); err != nil || p != paths[0] {
		t.Errorf("cached key: %q, %v; want %q without building", p, err, paths[0])
	}
}

func TestPathIsRememberedInTheProcess(t *testing.T) {
	needSh(t)
	root := t.TempDir()
	key := "prog-1"
	prog := New(shSpec(root, &key, `printf '#!/bin/sh\n' > "$1" && chmod +x "$1"`))
	first, err := prog.lookup(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	key = "prog-2" // a Program asks for its key once per process
	if p, err := prog.lookup(time.Minute); err != nil || p != first {
		t.Errorf("second lookup = %q, %v; want %q", p, err, first)
	}
}

func TestBuildFailures(t *testing.T) {
	needSh(t)
	errCommand := errors.New("no go command")
	for _, tc := range []struct {
		name, script string
		budget       time.Duration
		want         []string
	}{
		{"compile error", `echo "cmd/prog: undefined: x" >&2; exit 1`, time.Minute,
			[]string{"build prog@v1: exit status 1", "undefined: x"}},
		{"no binary", `echo compiled nothing`, time.Minute,
			[]string{"build prog@v1 finished in", "left no binary", "compiled nothing"}},
		{"over budget", `echo started; exec sleep 30`, 300 * time.Millisecond,
			[]string{"gave up after", "-timeout 30m", "started"}},
		{"no command", "", time.Minute, []string{"build prog@v1: no go command"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "prog-1"
			spec := shSpec(t.TempDir(), &key, tc.script)
			if tc.script == "" {
				spec.Command = func(context.Context, string) (*exec.Cmd, string, error) { return nil, "", errCommand }
			}
			start := time.Now()
			_, err := New(spec).lookup(tc.budget)
			if err == nil {
				t.Fatal("the build succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant it to mention %q", err, w)
				}
			}
			if tc.script == "" && !errors.Is(err, errCommand) {
				t.Errorf("err = %v does not wrap the command's error", err)
			}
			if time.Since(start) > 20*time.Second {
				t.Errorf("the build took %s; the budget did not stop it", time.Since(start))
			}
		})
	}
}

func TestEnvBinary(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "prog")
	if err := os.WriteFile(notExec, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	key := "prog-1"
	spec := shSpec(t.TempDir(), &key, `echo must not build; exit 1`)
	spec.EnvBinary = "OTELKIT_BUILDCACHE_TEST_BIN"
	for p, want := range map[string]string{
		filepath.Join(dir, "missing"): "no such file",
		notExec:                       "not executable",
		dir:                           "not a regular file",
	} {
		t.Setenv(spec.EnvBinary, p)
		if _, err := New(spec).lookup(time.Minute); err == nil ||
			!strings.Contains(err.Error(), spec.EnvBinary) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: err = %v, want an error naming the variable and %q", spec.EnvBinary, p, err, want)
		}
	}
	if err := os.Chmod(notExec, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(spec.EnvBinary, notExec)
	if p, err := New(spec).lookup(time.Minute); err != nil || p != notExec {
		t.Errorf("lookup = %q, %v; want %q", p, err, notExec)
	}
}

type deadlineTB struct {
	testing.TB
	deadline time.Time
}

func (d deadlineTB) Deadline() (time.Time, bool) { return d.deadline, !d.deadline.IsZero() }

func TestBudgetFollowsTheTestDeadline(t *testing.T) {
	if got := Budget(deadlineTB{TB: t}, 30*time.Minute); got != 30*time.Minute {
		t.Errorf("no deadline: budget %s, want 30m", got)
	}
	got := Budget(deadlineTB{TB: t, deadline: time.Now().Add(5 * time.Minute)}, 30*time.Minute)
	if got > 5*time.Minute-deadlineMargin || got < 4*time.Minute {
		t.Errorf("deadline in 5m: budget %s, want a little under %s", got, 5*time.Minute-deadlineMargin)
	}
	if got := Budget(deadlineTB{TB: t, deadline: time.Now()}, 30*time.Minute); got <= 0 {
		t.Errorf("deadline now: budget %s, want a positive minimum", got)
	}
}
