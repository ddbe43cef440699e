package loadbench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

// childEnv names the variable that turns a re-executed binary into the
// server child: its value is the variant.
const childEnv = "OTELKIT_PERF_CHILD"

// MaybeServeChild makes the running binary the server child when the parent
// started it as one (childEnv set): it builds the variant with newService,
// serves until its stdin closes and then exits the process. Otherwise it
// returns at once. Call it first in TestMain.
func MaybeServeChild(newService NewService) {
	v, ok := os.LookupEnv(childEnv)
	if !ok {
		return
	}
	stopProfiles, err := startProfiles(v)
	if err == nil {
		err = serveChild(context.Background(), newService, v, os.Stdin, os.Stdout)
		err = errors.Join(err, stopProfiles())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Profiling: with OTELKIT_PERF_CPUPROFILE=prefix (or _MEMPROFILE) set in
// the parent's environment, every child writes a CPU (allocation) profile
// of its whole life to prefix.<variant>.
const (
	cpuProfileEnv = "OTELKIT_PERF_CPUPROFILE"
	memProfileEnv = "OTELKIT_PERF_MEMPROFILE"
)

func startProfiles(v string) (stop func() error, err error) {
	stop = func() error { return nil }
	if p := os.Getenv(cpuProfileEnv); p != "" {
		f, err := os.Create(p + "." + v)
		if err != nil {
			return stop, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return stop, errors.Join(err, f.Close())
		}
		stop = func() error { pprof.StopCPUProfile(); return f.Close() }
	}
	if p := os.Getenv(memProfileEnv); p != "" {
		prev := stop
		stop = func() error {
			f, err := os.Create(p + "." + v)
			if err != nil {
				return errors.Join(err, prev())
			}
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			return errors.Join(err, f.Close(), prev())
		}
	}
	return stop, nil
}

// serveChild builds variant v with newService, serves it on 127.0.0.1, writes "addr
// host:port" to out and answers one line per command read from in:
//
//	cpu  -> "cpu <user+system µs> <peak RSS KiB>"
//	mem  -> "mem <heap alloc> <heap objects> <mallocs> <total alloc>" after a GC
//
// It stops on "quit" or at the end of in, shutting the server and the
// telemetry down within bounded time.
func serveChild(ctx context.Context, newService NewService, v string, in io.Reader, out io.Writer) error {
	if !validVariant(v) {
		return fmt.Errorf("loadbench: unknown variant %q (allowed: %v)", v, Variants)
	}
	svc, err := newService(ctx, v)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return errors.Join(err, svc.Shutdown(ctx))
	}
	srv := &http.Server{Handler: svc.Handler, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(out, "addr %s\n", ln.Addr()); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd := strings.TrimSpace(sc.Text())
		if cmd == "quit" {
			break
		}
		var line string
		switch cmd {
		case "cpu":
			line = cpuLine()
		case "mem":
			line = memLine()
		default:
			line = fmt.Sprintf("error unknown command %q", cmd)
		}
		if _, err := fmt.Fprintln(out, line); err != nil {
			break
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	// A down collector must not hold the exit: the telemetry gets 2 s.
	tctx, tcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer tcancel()
	_ = svc.Shutdown(tctx) // export errors to a down collector are expected
	return err
}

func memLine() string {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("mem %d %d %d %d", ms.HeapAlloc, ms.HeapObjects, ms.Mallocs, ms.TotalAlloc)
}
