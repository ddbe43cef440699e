package loadbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Collector modes.
const (
	Up   = "up"   // healthy fake collector
	Down = "down" // closed port
)

// Config sets the size of a whole-service run. The zero value of a field
// means its default.
type Config struct {
	Requests    int      // measured requests per run (default 20 000)
	Warmup      int      // requests before the measurement (default Requests/10)
	Concurrency int      // client workers (default 16)
	Rounds      int      // runs of every (mode, variant), interleaved (default 3)
	Variants    []string // default Variants
	Modes       []string // default Up, Down
	// RunTimeout bounds one run, child start to stop (default 2 min).
	RunTimeout time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.Requests == 0 {
		c.Requests = 20000
	}
	if c.Warmup == 0 {
		c.Warmup = c.Requests / 10
	}
	if c.Concurrency == 0 {
		c.Concurrency = 16
	}
	if c.Rounds == 0 {
		c.Rounds = 3
	}
	if len(c.Variants) == 0 {
		c.Variants = Variants
	}
	if len(c.Modes) == 0 {
		c.Modes = []string{Up, Down}
	}
	if c.RunTimeout == 0 {
		c.RunTimeout = 2 * time.Minute
	}
	if c.Requests < 0 || c.Warmup < 0 || c.Concurrency < 0 || c.Rounds < 0 || c.RunTimeout < 0 {
		return c, fmt.Errorf("loadbench: negative setting in %+v", c)
	}
	for _, v := range c.Variants {
		if !validVariant(v) {
			return c, fmt.Errorf("loadbench: unknown variant %q (allowed: %v)", v, Variants)
		}
	}
	for _, m := range c.Modes {
		if m != Up && m != Down {
			return c, fmt.Errorf("loadbench: unknown collector mode %q (allowed: %s, %s)", m, Up, Down)
		}
	}
	return c, nil
}

// Sample is one measured run.
type Sample struct {
	Mode, Variant string
	Round         int
	Requests      int
	Elapsed       time.Duration
	RPS           float64       // requests per second
	CPUPer1k      float64       // server CPU seconds per 1 000 requests
	P50, P99      time.Duration // client-side latency
	PeakRSS       int64         // server peak resident set, bytes
	Heap          int64         // server live heap after the run and a GC, bytes
	AllocsPerReq  float64       // server heap allocations per request
	BytesPerReq   float64       // server heap bytes allocated per request
	TraceExports  int64         // trace export requests the fake collector got (mode up)
}

// Run measures every (mode, variant) Rounds times, interleaved: each round
// runs every mode and variant once, so that load changes on the machine
// spread over all of them. It writes one progress line per run to progress
// (may be nil). The binary must call MaybeServeChild first.
func Run(ctx context.Context, cfg Config, progress io.Writer) ([]Sample, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if progress == nil {
		progress = io.Discard
	}
	var out []Sample
	for r := range cfg.Rounds {
		for _, m := range cfg.Modes {
			for _, v := range cfg.Variants {
				s, err := runOne(ctx, cfg, m, v)
				if err != nil {
					return out, fmt.Errorf("loadbench: round %d, collector %s, %s: %w", r+1, m, v, err)
				}
				s.Round = r + 1
				out = append(out, s)
				fmt.Fprintf(progress, "round %d collector=%-4s %-11s %8.0f req/s  cpu %.3f s/1k  p50 %v  p99 %v  rss %.1f MB  allocs/req %.1f\n",
					s.Round, m, v, s.RPS, s.CPUPer1k, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), float64(s.PeakRSS)/1e6, s.AllocsPerReq)
			}
		}
	}
	return out, nil
}

func endpointFor(mode string) (string, func() (int64, error), error) {
	if mode == Down {
		ep, err := DownEndpoint()
		return ep, func() (int64, error) { return 0, nil }, err
	}
	col, err := StartCollector()
	if err != nil {
		return "", nil, err
	}
	return col.Endpoint(), func() (int64, error) {
		err := col.Close()
		t, _, _ := col.Counts()
		return t, err
	}, nil
}

func runOne(ctx context.Context, cfg Config, mode, v string) (s Sample, err error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.RunTimeout)
	defer cancel()
	ep, closeCol, err := endpointFor(mode)
	if err != nil {
		return s, err
	}
	c, err := startChild(ctx, v, ep)
	if err != nil {
		_, cerr := closeCol()
		return s, errors.Join(err, cerr)
	}
	client := newClient(cfg.Concurrency)
	defer func() {
		client.CloseIdleConnections()
		err = errors.Join(err, c.stop())
		var cerr error
		s.TraceExports, cerr = closeCol()
		err = errors.Join(err, cerr)
	}()
	base := "http://" + c.addr
	if cfg.Warmup > 0 {
		if _, err := load(ctx, client, base, cfg.Warmup, cfg.Concurrency); err != nil {
			return s, fmt.Errorf("warm-up: %w", err)
		}
	}
	m0, err := c.mem()
	if err != nil {
		return s, err
	}
	cpu0, _, err := c.cpu()
	if err != nil {
		return s, err
	}
	res, err := load(ctx, client, base, cfg.Requests, cfg.Concurrency)
	if err != nil {
		return s, err
	}
	cpu1, rss, err := c.cpu()
	if err != nil {
		return s, err
	}
	m1, err := c.mem()
	if err != nil {
		return s, err
	}
	n := float64(cfg.Requests)
	return Sample{
		Mode: mode, Variant: v, Requests: cfg.Requests, Elapsed: res.elapsed,
		RPS:          n / res.elapsed.Seconds(),
		CPUPer1k:     (cpu1 - cpu0).Seconds() / n * 1000,
		P50:          res.quantile(0.50),
		P99:          res.quantile(0.99),
		PeakRSS:      rss,
		Heap:         m1.heap,
		AllocsPerReq: float64(m1.mallocs-m0.mallocs) / n,
		BytesPerReq:  float64(m1.totalAlloc-m0.totalAlloc) / n,
	}, nil
}

// Growth is the heap of one server process after two load runs.
type Growth struct {
	Variant              string
	Requests1, Requests2 int   // requests served at the two readings (cumulative)
	Heap1, Heap2         int64 // live heap after a GC, bytes
	Objects1, Objects2   int64 // live heap objects
}

// MeasureGrowth serves variant v (exporting to a healthy fake collector)
// and reads its live heap after n1 and after n2 requests in total.
func MeasureGrowth(ctx context.Context, v string, n1, n2, conc int, timeout time.Duration) (g Growth, err error) {
	if n1 <= 0 || n2 <= n1 || conc <= 0 {
		return g, fmt.Errorf("loadbench: growth needs 0 < n1 < n2 and concurrency > 0 (got %d, %d, %d)", n1, n2, conc)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	col, err := StartCollector()
	if err != nil {
		return g, err
	}
	defer func() { err = errors.Join(err, col.Close()) }()
	c, err := startChild(ctx, v, col.Endpoint())
	if err != nil {
		return g, err
	}
	client := newClient(conc)
	defer func() {
		client.CloseIdleConnections()
		err = errors.Join(err, c.stop())
	}()
	base := "http://" + c.addr
	g = Growth{Variant: v, Requests1: n1, Requests2: n2}
	if _, err := load(ctx, client, base, n1, conc); err != nil {
		return g, err
	}
	m1, err := c.mem()
	if err != nil {
		return g, err
	}
	if _, err := load(ctx, client, base, n2-n1, conc); err != nil {
		return g, err
	}
	m2, err := c.mem()
	if err != nil {
		return g, err
	}
	g.Heap1, g.Objects1, g.Heap2, g.Objects2 = m1.heap, m1.objects, m2.heap, m2.objects
	return g, nil
}
