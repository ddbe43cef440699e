package loadbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
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
		return c, fmt.Errorf("perf: negative setting in %+v", c)
	}
	for _, v := range c.Variants {
		if !validVariant(v) {
			return c, fmt.Errorf("perf: unknown variant %q (allowed: %v)", v, Variants)
		}
	}
	for _, m := range c.Modes {
		if m != Up && m != Down {
			return c, fmt.Errorf("perf: unknown collector mode %q (allowed: %s, %s)", m, Up, Down)
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
					return out, fmt.Errorf("perf: round %d, collector %s, %s: %w", r+1, m, v, err)
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
		return g, fmt.Errorf("perf: growth needs 0 < n1 < n2 and concurrency > 0 (got %d, %d, %d)", n1, n2, conc)
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

// Row is the summary of one (mode, variant): medians over the rounds, and
// the spread of a measure as half its range over its median.
type Row struct {
	Mode, Variant             string
	Rounds                    int
	RPS, RPSSpread            float64
	CPUPer1k, CPUSpread       float64
	P50, P99                  time.Duration
	PeakRSS, Heap             int64
	AllocsPerReq, BytesPerReq float64
}

// Summarize groups samples by mode and variant, in their first order.
func Summarize(samples []Sample) []Row {
	type key struct{ m, v string }
	var order []key
	groups := map[key][]Sample{}
	for _, s := range samples {
		k := key{s.Mode, s.Variant}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s)
	}
	rows := make([]Row, 0, len(order))
	for _, k := range order {
		g := groups[k]
		f := func(get func(Sample) float64) (med, spread float64) {
			xs := make([]float64, len(g))
			for i, s := range g {
				xs[i] = get(s)
			}
			slices.Sort(xs)
			med = median(xs)
			if med != 0 {
				spread = (xs[len(xs)-1] - xs[0]) / 2 / med
			}
			return med, spread
		}
		r := Row{Mode: k.m, Variant: k.v, Rounds: len(g)}
		r.RPS, r.RPSSpread = f(func(s Sample) float64 { return s.RPS })
		r.CPUPer1k, r.CPUSpread = f(func(s Sample) float64 { return s.CPUPer1k })
		p50, _ := f(func(s Sample) float64 { return float64(s.P50) })
		p99, _ := f(func(s Sample) float64 { return float64(s.P99) })
		rss, _ := f(func(s Sample) float64 { return float64(s.PeakRSS) })
		heap, _ := f(func(s Sample) float64 { return float64(s.Heap) })
		r.P50, r.P99, r.PeakRSS, r.Heap = time.Duration(p50), time.Duration(p99), int64(rss), int64(heap)
		r.AllocsPerReq, _ = f(func(s Sample) float64 { return s.AllocsPerReq })
		r.BytesPerReq, _ = f(func(s Sample) float64 { return s.BytesPerReq })
		rows = append(rows, r)
	}
	return rows
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// WriteTable writes rows as Markdown tables, one per collector mode, with
// each measure's ratio against bare (×bare) and the hand-written stack
// (×hw) where those variants were measured.
func WriteTable(w io.Writer, rows []Row) error {
	find := func(mode, v string) *Row {
		for i := range rows {
			if rows[i].Mode == mode && rows[i].Variant == v {
				return &rows[i]
			}
		}
		return nil
	}
	var modes []string
	for _, r := range rows {
		if !slices.Contains(modes, r.Mode) {
			modes = append(modes, r.Mode)
		}
	}
	for _, m := range modes {
		title := "healthy (fake OTLP/HTTP receiver)"
		if m == Down {
			title = "down (closed port)"
		}
		if _, err := fmt.Fprintf(w, "\ncollector %s\n\n", title); err != nil {
			return err
		}
		fmt.Fprintln(w, "| variant | req/s | ± | ×bare | ×hw | CPU s/1k req | ± | ×bare | ×hw | p50 | ×hw | p99 | ×hw | peak RSS MB | ×hw | heap MB | allocs/req | ×hw | B/req |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		bare, hw := find(m, Bare), find(m, HandWritten)
		rel := func(r *Row, base *Row, get func(*Row) float64) string {
			if base == nil {
				return "–"
			}
			return ratio(get(r), get(base))
		}
		for i := range rows {
			r := &rows[i]
			if r.Mode != m {
				continue
			}
			rps := func(x *Row) float64 { return x.RPS }
			cpu := func(x *Row) float64 { return x.CPUPer1k }
			p50 := func(x *Row) float64 { return float64(x.P50) }
			p99 := func(x *Row) float64 { return float64(x.P99) }
			rss := func(x *Row) float64 { return float64(x.PeakRSS) }
			al := func(x *Row) float64 { return x.AllocsPerReq }
			_, err := fmt.Fprintf(w, "| %s | %.0f | %.0f%% | %s | %s | %.3f | %.0f%% | %s | %s | %v | %s | %v | %s | %.1f | %s | %.1f | %.1f | %s | %.0f |\n",
				r.Variant, r.RPS, 100*r.RPSSpread, rel(r, bare, rps), rel(r, hw, rps),
				r.CPUPer1k, 100*r.CPUSpread, rel(r, bare, cpu), rel(r, hw, cpu),
				r.P50.Round(time.Microsecond), rel(r, hw, p50), r.P99.Round(time.Microsecond), rel(r, hw, p99),
				float64(r.PeakRSS)/1e6, rel(r, hw, rss), float64(r.Heap)/1e6, r.AllocsPerReq, rel(r, hw, al), r.BytesPerReq)
			if err != nil {
				return err
			}
		}
	}
	return nil
}
