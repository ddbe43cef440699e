package loadbench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// child is a running server child process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
	addr  string
	mu    sync.Mutex
}

// startChild re-executes the current binary (which must call
// MaybeServeChild first) as the server for variant v, exporting to
// endpoint over OTLP/HTTP.
func startChild(ctx context.Context, v, endpoint string) (*child, error) {
	if !validVariant(v) {
		return nil, fmt.Errorf("loadbench: unknown variant %q (allowed: %v)", v, Variants)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(),
		childEnv+"="+v,
		"OTEL_EXPORTER_OTLP_ENDPOINT="+endpoint,
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_METRIC_EXPORT_INTERVAL=1000",
		"OTEL_BSP_SCHEDULE_DELAY=1000",
	)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	line, err := c.read()
	if err != nil || !strings.HasPrefix(line, "addr ") {
		return nil, errors.Join(fmt.Errorf("loadbench: child %s did not start (first line %q)", v, line), err, c.stop())
	}
	c.addr = strings.TrimPrefix(line, "addr ")
	return c, nil
}

func (c *child) read() (string, error) {
	if !c.out.Scan() {
		if err := c.out.Err(); err != nil {
			return "", err
		}
		return "", io.ErrUnexpectedEOF
	}
	return c.out.Text(), nil
}

// ask sends a command and parses the numbers of the answer.
func (c *child) ask(cmd string) ([]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintln(c.stdin, cmd); err != nil {
		return nil, err
	}
	line, err := c.read()
	if err != nil {
		return nil, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != cmd {
		return nil, fmt.Errorf("loadbench: child answered %q to %q", line, cmd)
	}
	nums := make([]int64, 0, len(f)-1)
	for _, s := range f[1:] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("loadbench: child answered %q to %q: %w", line, cmd, err)
		}
		nums = append(nums, n)
	}
	return nums, nil
}

// cpu returns the child's CPU time so far and its peak RSS in bytes.
func (c *child) cpu() (time.Duration, int64, error) {
	n, err := c.ask("cpu")
	if err != nil || len(n) != 2 {
		return 0, 0, errors.Join(err, errors.New("loadbench: bad cpu answer"))
	}
	return time.Duration(n[0]) * time.Microsecond, n[1] * 1024, nil
}

type memStats struct{ heap, objects, mallocs, totalAlloc int64 }

func (c *child) mem() (memStats, error) {
	n, err := c.ask("mem")
	if err != nil || len(n) != 4 {
		return memStats{}, errors.Join(err, errors.New("loadbench: bad mem answer"))
	}
	return memStats{n[0], n[1], n[2], n[3]}, nil
}

// stop asks the child to quit and waits for it (bounded: the child gives
// its telemetry 2 s and its server 5 s; after 15 s it is killed).
func (c *child) stop() error {
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		return errors.Join(errors.New("loadbench: child did not stop within 15 s, killed"), <-done)
	}
}

// loadResult is what one load run measured on the client side.
type loadResult struct {
	n, errs   int
	elapsed   time.Duration
	latencies []time.Duration // sorted, successful requests only
}

func (r loadResult) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(q * float64(len(r.latencies)-1))
	return r.latencies[i]
}

// load sends n GET /orders/{id} requests to base with conc workers over
// keep-alive connections. Every request has a 10 s timeout, the run as a
// whole the deadline of ctx. A request that fails or does not answer 200
// counts as an error.
func load(ctx context.Context, client *http.Client, base string, n, conc int) (loadResult, error) {
	if n <= 0 || conc <= 0 {
		return loadResult{}, fmt.Errorf("loadbench: requests (%d) and concurrency (%d) must be positive", n, conc)
	}
	lat := make([]time.Duration, n)
	var next, errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := get(ctx, client, base+"/orders/"+strconv.Itoa(i%1000))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					lat[i] = -1
					continue
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	res := loadResult{n: n, errs: int(errs.Load()), elapsed: time.Since(start)}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("loadbench: load did not finish in time: %w", err)
	}
	res.latencies = slices.DeleteFunc(lat, func(d time.Duration) bool { return d < 0 })
	slices.Sort(res.latencies)
	if res.errs > 0 {
		e, _ := firstErr.Load().(error)
		return res, fmt.Errorf("loadbench: %d of %d requests failed, first: %w", res.errs, n, e)
	}
	return res, nil
}

func get(ctx context.Context, client *http.Client, url string) error {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	err = errors.Join(err, resp.Body.Close())
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

func newClient(conc int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		MaxConnsPerHost:     conc,
		DisableCompression:  true,
		IdleConnTimeout:     30 * time.Second,
	}}
}
