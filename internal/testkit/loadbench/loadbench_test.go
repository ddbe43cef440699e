package loadbench

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	MaybeServeChild(newService) // the test binary is also the server child
	MaybeRunCommand()           // and, for .ci/bench, the benchmark command
	goleak.VerifyTestMain(m)
}

// TestSmallLoad runs a tiny version of the whole benchmark (every variant,
// collector up and down) so the code never rots, and checks that each
// measure was taken and that the instrumented variants really exported to
// the healthy collector.
func TestSmallLoad(t *testing.T) {
	// Under the race detector every child is a race binary that starts
	// slowly: fewer variants keep the test under 10 s.
	n, variants := 400, Variants
	if raceEnabled {
		n, variants = 150, []string{Bare, Otelkit}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var progress bytes.Buffer
	samples, err := Run(ctx, Config{Requests: n, Warmup: 20, Concurrency: 4, Rounds: 1, Variants: variants}, &progress)
	t.Log("\n" + progress.String())
	if err != nil {
		t.Fatal(err)
	}
	if want := len(variants) * 2; len(samples) != want {
		t.Fatalf("got %d samples, want %d", len(samples), want)
	}
	allocs := map[string]float64{}
	for _, s := range samples {
		if s.RPS <= 0 || s.P50 <= 0 || s.P99 < s.P50 || s.PeakRSS <= 0 || s.Heap <= 0 || s.AllocsPerReq <= 0 || s.CPUPer1k < 0 {
			t.Errorf("%s/%s: implausible sample %+v", s.Mode, s.Variant, s)
		}
		if s.Mode == Up {
			allocs[s.Variant] = s.AllocsPerReq
			exported := s.TraceExports > 0
			if exported != (s.Variant != Bare) {
				t.Errorf("%s: %d trace exports reached the collector", s.Variant, s.TraceExports)
			}
		}
	}
	for _, v := range variants[1:] {
		if allocs[v] <= allocs[Bare] {
			t.Errorf("%s allocates %.1f per request, bare %.1f: the instrumentation is not measured", v, allocs[v], allocs[Bare])
		}
	}
	var tab bytes.Buffer
	if err := WriteTable(&tab, Summarize(samples)); err != nil {
		t.Fatal(err)
	}
	t.Log(tab.String())
}

// TestHeapGrowth: the live heap of an otelkit server does not grow from
// 10 000 to 100 000 requests (generous bound: +50 % and +2 MB). The full
// size runs with OTELKIT_PERF=1 (.ci/bench); otherwise a small one.
func TestHeapGrowth(t *testing.T) {
	n1, n2 := 300, 1500
	if os.Getenv("OTELKIT_PERF") == "1" {
		n1, n2 = 10000, 100000
	}
	ctx := context.Background()
	variants := []string{HandWritten, Otelkit}
	if raceEnabled {
		variants = variants[1:]
	}
	for _, v := range variants {
		g, err := MeasureGrowth(ctx, v, n1, n2, 8, 3*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: live heap %d B (%d objects) after %d requests, %d B (%d objects) after %d", v, g.Heap1, g.Objects1, n1, g.Heap2, g.Objects2, n2)
		if g.Heap1 <= 0 || g.Heap2 <= 0 {
			t.Fatalf("%s: heap not read: %+v", v, g)
		}
		if limit := g.Heap1*3/2 + 2<<20; g.Heap2 > limit {
			t.Errorf("%s: live heap grew from %d to %d B (limit %d)", v, g.Heap1, g.Heap2, limit)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]Config{
		"unknown variant": {Variants: []string{"nginx"}},
		"unknown mode":    {Modes: []string{"sideways"}},
		"negative count":  {Requests: -1},
		"negative rounds": {Rounds: -2},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Run(context.Background(), cfg, nil)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
		})
	}
	if _, err := startChild(context.Background(), "nginx", "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "nginx") {
		t.Errorf("startChild with an unknown variant: %v", err)
	}
	if _, err := MeasureGrowth(context.Background(), Bare, 10, 5, 1, time.Second); err == nil {
		t.Error("MeasureGrowth with n2 < n1: no error")
	}
	if _, err := newService(context.Background(), "nginx"); err == nil {
		t.Error("newService with an unknown variant: no error")
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	client := newClient(2)
	defer client.CloseIdleConnections()
	if _, err := load(ctx, client, "http://127.0.0.1:1", 0, 1); err == nil {
		t.Error("zero requests: no error")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/7") {
			http.Error(w, "no", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	res, err := load(ctx, client, srv.URL, 20, 3)
	if err == nil || res.errs != 1 || len(res.latencies) != 19 {
		t.Errorf("one 500 in 20: errs %d, latencies %d, err %v", res.errs, len(res.latencies), err)
	}
	down, err := DownEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	if res, err := load(ctx, client, down, 5, 2); err == nil || res.errs != 5 {
		t.Errorf("closed port: errs %d, err %v", res.errs, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := load(cctx, client, srv.URL, 5, 2); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestCollector(t *testing.T) {
	col, err := StartCollector()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := col.Close(); err != nil {
			t.Error(err)
		}
	}()
	for _, p := range []string{"/v1/traces", "/v1/traces", "/v1/metrics", "/v1/logs"} {
		resp, err := http.Post(col.Endpoint()+p, "application/x-protobuf", strings.NewReader("xyz"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", p, resp.StatusCode)
		}
	}
	resp, err := http.Get(col.Endpoint() + "/v1/traces")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("GET accepted")
	}
	if tr, me, lo := col.Counts(); tr != 2 || me != 1 || lo != 1 {
		t.Errorf("counts %d %d %d, want 2 1 1", tr, me, lo)
	}
	http.DefaultClient.CloseIdleConnections()

	ep, err := DownEndpoint()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(ep, "http://"), time.Second); err == nil {
		_ = c.Close()
		t.Error("down endpoint accepts connections")
	}
}

// TestChildProtocol drives serveChild in-process: it announces its
// address, serves the route, answers cpu and mem, rejects unknown commands
// and stops at the end of its input.
func TestChildProtocol(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serveChild(context.Background(), newService, Bare, inR, outW)
		_ = outW.Close()
	}()
	c := &child{stdin: inW}
	c.out = bufio.NewScanner(outR)
	line, err := c.read()
	if err != nil || !strings.HasPrefix(line, "addr 127.0.0.1:") {
		t.Fatalf("first line %q, %v", line, err)
	}
	client := newClient(1)
	defer client.CloseIdleConnections()
	if err := get(context.Background(), client, "http://"+strings.TrimPrefix(line, "addr ")+"/orders/42"); err != nil {
		t.Fatal(err)
	}
	if cpu, rss, err := c.cpu(); err != nil || cpu < 0 || rss <= 0 {
		t.Errorf("cpu %v rss %d err %v", cpu, rss, err)
	}
	if m, err := c.mem(); err != nil || m.heap <= 0 || m.mallocs <= 0 {
		t.Errorf("mem %+v err %v", m, err)
	}
	if _, err := c.ask("reboot"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
	_ = inW.Close()
	if err := <-done; err != nil {
		t.Error(err)
	}
	if err := serveChild(context.Background(), newService, "nginx", strings.NewReader(""), io.Discard); err == nil {
		t.Error("unknown variant: no error")
	}
}

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	samples := []Sample{
		{Mode: Up, Variant: Bare, RPS: 100, CPUPer1k: 1, P50: 1 * ms, P99: 4 * ms, AllocsPerReq: 10},
		{Mode: Up, Variant: HandWritten, RPS: 50, CPUPer1k: 2, P50: 2 * ms, P99: 8 * ms, AllocsPerReq: 100},
		{Mode: Up, Variant: Bare, RPS: 120, CPUPer1k: 3, P50: 3 * ms, P99: 6 * ms, AllocsPerReq: 10},
		{Mode: Up, Variant: HandWritten, RPS: 40, CPUPer1k: 2, P50: 2 * ms, P99: 8 * ms, AllocsPerReq: 100},
		{Mode: Up, Variant: Bare, RPS: 80, CPUPer1k: 2, P50: 2 * ms, P99: 5 * ms, AllocsPerReq: 10},
		{Mode: Up, Variant: HandWritten, RPS: 60, CPUPer1k: 2, P50: 2 * ms, P99: 8 * ms, AllocsPerReq: 100},
	}
	rows := Summarize(samples)
	if len(rows) != 2 || rows[0].Variant != Bare || rows[1].Variant != HandWritten {
		t.Fatalf("rows %+v", rows)
	}
	b := rows[0]
	if b.Rounds != 3 || b.RPS != 100 || b.RPSSpread != 0.2 || b.CPUPer1k != 2 || b.CPUSpread != 0.5 || b.P50 != 2*ms || b.P99 != 5*ms {
		t.Errorf("bare row %+v", b)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, rows); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	// handwritten: req/s 50 = 0.50 × bare, 1.00 × itself.
	if !strings.Contains(out.String(), "| handwritten | 50 | 20% | 0.50 | 1.00 |") {
		t.Errorf("table:\n%s", out.String())
	}
	if strings.Contains(out.String(), "like for like") {
		t.Errorf("like-for-like line without the otelkit variants:\n%s", out.String())
	}
	rows = Summarize(append(samples,
		Sample{Mode: Up, Variant: HandWrittenOTLP, RPS: 40, CPUPer1k: 4, AllocsPerReq: 200},
		Sample{Mode: Up, Variant: Otelkit, RPS: 50, CPUPer1k: 3, AllocsPerReq: 150}))
	out.Reset()
	if err := WriteTable(&out, rows); err != nil {
		t.Fatal(err)
	}
	if want := "like for like: otelkit / handwritten-otlp: req/s 1.25, CPU per request 0.75, allocs per request 0.75"; !strings.Contains(out.String(), want) {
		t.Errorf("table without %q:\n%s", want, out.String())
	}
	if median([]float64{1, 2, 3, 10}) != 2.5 || median(nil) != 0 {
		t.Error("median")
	}
}

func TestProfiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(cpuProfileEnv, dir+"/cpu")
	t.Setenv(memProfileEnv, dir+"/mem")
	stop, err := startProfiles(Bare)
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"/cpu.bare", "/mem.bare"} {
		if st, err := os.Stat(dir + f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	t.Setenv(cpuProfileEnv, dir+"/no/such/dir/cpu")
	if _, err := startProfiles(Bare); err == nil {
		t.Error("unwritable CPU profile path: no error")
	}
	t.Setenv(cpuProfileEnv, "")
	t.Setenv(memProfileEnv, dir+"/no/such/dir/mem")
	stop, err = startProfiles(Bare)
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err == nil {
		t.Error("unwritable allocation profile path: no error")
	}
}
