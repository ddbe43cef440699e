package loadbench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

// CommandEnv names the variable that turns a test binary of this package
// into the benchmark command: with OTELKIT_LOADBENCH=1 it runs Command with
// its arguments instead of the tests, as .ci/bench does:
//
//	go test -c -o /tmp/loadbench.test ./internal/testkit/loadbench
//	OTELKIT_LOADBENCH=1 /tmp/loadbench.test -requests 20000 -concurrency 16 -rounds 3
//
// The test binary is the command because the variants that import otelkit
// live in its test files (services_test.go).
const CommandEnv = "OTELKIT_LOADBENCH"

// MaybeRunCommand runs Command with the process's arguments, stopped by an
// interrupt, and exits the process, when CommandEnv is "1". Otherwise it
// returns at once. Call it in TestMain, after MaybeServeChild.
func MaybeRunCommand() {
	if os.Getenv(CommandEnv) != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := Command(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Command runs the whole-service benchmark as .ci/bench does and prints
// its tables to out, one progress line per run to progress. args are its
// flags: -requests, -concurrency, -rounds, -variants, -modes, -growth, -timeout
// (see -h). Bad flags are reported before any server starts.
func Command(ctx context.Context, args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(progress)
	requests := fs.Int("requests", 20000, "measured requests per run")
	conc := fs.Int("concurrency", 16, "client workers")
	rounds := fs.Int("rounds", 3, "interleaved rounds of every variant and collector mode")
	variants := fs.String("variants", strings.Join(Variants, ","), "comma-separated variants")
	modes := fs.String("modes", Up+","+Down, "comma-separated collector modes (a profile, OTELKIT_PERF_CPUPROFILE, is of the last run of a variant: use one mode)")
	growth := fs.Int("growth", 100000, "requests for the heap-growth check (0: skip); the heap is also read after a tenth of them")
	timeout := fs.Duration("timeout", 8*time.Minute, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *growth < 0 {
		return fmt.Errorf("-growth must be >= 0, got %d", *growth)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cfg := Config{Requests: *requests, Concurrency: *conc, Rounds: *rounds, Variants: strings.Split(*variants, ","), Modes: strings.Split(*modes, ",")}
	start := time.Now()
	samples, err := Run(ctx, cfg, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "whole service: %d requests per run after %d warm-up, concurrency %d, %d rounds interleaved; medians, ± = half the range over the median; ×bare and ×hw = ratio to bare and to handwritten (for req/s higher is better, for the rest lower)\n",
		*requests, *requests/10, *conc, *rounds)
	if err := WriteTable(out, Summarize(samples)); err != nil {
		return err
	}
	if *growth > 0 {
		fmt.Fprintf(out, "\nheap growth (live heap after GC, collector healthy)\n\n| variant | heap after %d | heap after %d | growth | objects after %d | objects after %d |\n|---|---:|---:|---:|---:|---:|\n",
			*growth/10, *growth, *growth/10, *growth)
		for _, v := range cfg.Variants {
			g, err := MeasureGrowth(ctx, v, *growth/10, *growth, *conc, *timeout)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "| %s | %.2f MB | %.2f MB | %+.1f%% | %d | %d |\n", v, float64(g.Heap1)/1e6, float64(g.Heap2)/1e6,
				100*(float64(g.Heap2)/float64(g.Heap1)-1), g.Objects1, g.Objects2)
		}
	}
	fmt.Fprintf(progress, "loadbench took %v\n", time.Since(start).Round(time.Second))
	return nil
}
