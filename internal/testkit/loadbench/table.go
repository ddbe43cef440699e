package loadbench

import (
	"fmt"
	"io"
	"slices"
	"time"
)

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
		if err := writeLikeForLike(w, func(v string) *Row { return find(m, v) }); err != nil {
			return err
		}
	}
	return nil
}

// writeLikeForLike writes, for each otelkit variant measured with its
// like-for-like hand-written one, the ratios of requests/s and CPU per
// request.
func writeLikeForLike(w io.Writer, find func(string) *Row) error {
	for _, p := range likeForLike {
		a, b := find(p[0]), find(p[1])
		if a == nil || b == nil {
			continue
		}
		if _, err := fmt.Fprintf(w, "\nlike for like: %s / %s: req/s %s, CPU per request %s, allocs per request %s\n",
			p[0], p[1], ratio(a.RPS, b.RPS), ratio(a.CPUPer1k, b.CPUPer1k), ratio(a.AllocsPerReq, b.AllocsPerReq)); err != nil {
			return err
		}
	}
	return nil
}
