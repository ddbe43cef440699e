package syspkg

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/filelock"
)

const (
	updateTimeout  = 3 * time.Minute
	installTimeout = 5 * time.Minute
	// updateFresh is how long an `apt-get update` by any test process counts
	// as recent enough to install from.
	updateFresh = time.Hour
)

// LookPathOrInstall returns the path of the program cmd. If cmd is not on
// PATH and the test runs as root on a system with apt-get, it installs the
// Debian package debPackage (`apt-get update`, at most once an hour across
// test processes, then `apt-get install -y --no-install-recommends`), under
// a file lock so that parallel test processes install it once, each step
// bounded in time. If cmd cannot be found or installed, the test is skipped
// with a message that names the command and the package to install; it is
// never skipped silently.
func LookPathOrInstall(tb testing.TB, cmd, debPackage string) string {
	tb.Helper()
	aptGet, _ := exec.LookPath("apt-get")
	return installer{
		euid:   os.Geteuid(),
		aptGet: aptGet,
		dir:    os.TempDir(),
		run:    runCommand,
	}.lookPathOrInstall(tb, cmd, debPackage)
}

type installer struct {
	euid   int
	aptGet string // "" when apt-get is absent
	dir    string // where the lock and the update stamp live
	run    func(ctx context.Context, name string, args ...string) ([]byte, error)
}

func (in installer) lookPathOrInstall(tb testing.TB, cmd, pkg string) string {
	tb.Helper()
	if p, err := exec.LookPath(cmd); err == nil {
		return p
	}
	skip := func(why string) string {
		tb.Skipf("%s not found and not installable (%s); install the Debian package %q (apt-get install %s) to run this check",
			cmd, why, pkg, pkg)
		return ""
	}
	if in.aptGet == "" {
		return skip("no apt-get")
	}
	if in.euid != 0 {
		return skip("not root")
	}
	unlock, err := filelock.Lock(filepath.Join(in.dir, "otelkit-apt.lock"))
	if err != nil {
		return skip("lock: " + err.Error())
	}
	defer unlock()
	if p, err := exec.LookPath(cmd); err == nil { // installed while we waited
		return p
	}
	stamp := filepath.Join(in.dir, "otelkit-apt-updated")
	if fi, err := os.Stat(stamp); err != nil || time.Since(fi.ModTime()) > updateFresh {
		ctx, cancel := context.WithTimeout(context.Background(), updateTimeout)
		out, err := in.run(ctx, in.aptGet, "-o", "DPkg::Lock::Timeout=60", "update")
		cancel()
		if err != nil {
			return skip(fmt.Sprintf("apt-get update: %v: %s", err, lastLines(out, 5)))
		}
		_ = os.WriteFile(stamp, nil, 0o644)
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	out, err := in.run(ctx, in.aptGet, "-o", "DPkg::Lock::Timeout=60", "install", "-y", "--no-install-recommends", pkg)
	cancel()
	if err != nil {
		return skip(fmt.Sprintf("apt-get install %s: %v: %s", pkg, err, lastLines(out, 5)))
	}
	p, err := exec.LookPath(cmd)
	if err != nil {
		return skip(fmt.Sprintf("package %s installed but %s is still not on PATH", pkg, cmd))
	}
	tb.Logf("installed Debian package %s for %s", pkg, p)
	return p
}

func runCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (timed out)", ctx.Err())
	}
	return out.Bytes(), err
}

// lastLines returns the last n non-empty lines of out, joined by " | ".
func lastLines(out []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
