package syspkg

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records Skipf instead of stopping the goroutine.
type fakeTB struct {
	testing.TB
	skipped string
}

func (f *fakeTB) Helper()                       {}
func (f *fakeTB) Logf(string, ...any)           {}
func (f *fakeTB) Skipf(format string, a ...any) { f.skipped = fmt.Sprintf(format, a...) }

func TestFoundOnPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no sh")
	}
	in := installer{run: func(context.Context, string, ...string) ([]byte, error) {
		t.Error("must not run apt-get for a command on PATH")
		return nil, nil
	}}
	if p := in.lookPathOrInstall(t, "sh", "dash"); filepath.Base(p) != "sh" {
		t.Errorf("got %q, want the path of sh", p)
	}
}

func TestSkipsNamingThePackage(t *testing.T) {
	const cmd, pkg = "otelkit-no-such-command", "otelkit-no-such-package"
	failing := func(_ context.Context, _ string, args ...string) ([]byte, error) {
		return []byte("E: Unable to locate package " + pkg + "\n"), errors.New("exit status 100")
	}
	for _, tc := range []struct {
		name string
		in   installer
		want string
	}{
		{"no apt-get", installer{euid: 0}, "no apt-get"},
		{"not root", installer{euid: 1000, aptGet: "/usr/bin/apt-get"}, "not root"},
		{"install fails", installer{aptGet: "/usr/bin/apt-get", run: failing}, "Unable to locate package"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.dir = t.TempDir()
			if tc.in.run == nil {
				tc.in.run = func(context.Context, string, ...string) ([]byte, error) {
					t.Error("apt-get must not run")
					return nil, nil
				}
			}
			tb := &fakeTB{TB: t}
			if p := tc.in.lookPathOrInstall(tb, cmd, pkg); p != "" {
				t.Errorf("got %q, want no path", p)
			}
			for _, want := range []string{cmd, `"` + pkg + `"`, tc.want} {
				if !strings.Contains(tb.skipped, want) {
					t.Errorf("skip message %q does not mention %q", tb.skipped, want)
				}
			}
		})
	}
}

func TestUpdatesOnceThenInstalls(t *testing.T) {
	dir := t.TempDir()
	var calls []string
	in := installer{aptGet: "/usr/bin/apt-get", dir: dir, run: func(_ context.Context, _ string, args ...string) ([]byte, error) {
		calls = append(calls, args[len(args)-1])
		return nil, nil // "installs" without providing the command
	}}
	for range 2 {
		tb := &fakeTB{TB: t}
		in.lookPathOrInstall(tb, "otelkit-no-such-command", "pkg")
		if !strings.Contains(tb.skipped, "installed but otelkit-no-such-command is still not on PATH") {
			t.Errorf("skip message = %q", tb.skipped)
		}
	}
	if want := []string{"update", "pkg", "pkg"}; strings.Join(calls, ",") != strings.Join(want, ",") {
		t.Errorf("apt-get calls = %v, want %v (update only once)", calls, want)
	}
}
