package otel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// runFixture is a Telemetry (spans recorded in memory, log lines in out)
// and an HTTP server on a loopback port whose /block handler waits for
// release.
type runFixture struct {
	tel     *Telemetry
	out     *lineBuffer
	spans   *tracetest.SpanRecorder
	srv     *http.Server
	ln      net.Listener
	url     string
	entered chan struct{} // one value per /block request that started
	release chan struct{} // closed by unblock to let /block requests finish
	once    sync.Once
	client  *http.Client
}

func (f *runFixture) unblock() { f.once.Do(func() { close(f.release) }) }

func newRunFixture(t *testing.T) *runFixture {
	t.Helper()
	clearEnv(t)
	f := &runFixture{out: &lineBuffer{}, spans: tracetest.NewSpanRecorder(),
		entered: make(chan struct{}, 10), release: make(chan struct{})}
	tel, err := Init(context.Background(), quiet(f.out, WithoutGlobals(), WithServiceName("run-test"),
		WithSpanProcessor(f.spans))...)
	if err != nil {
		t.Fatal(err)
	}
	f.tel = tel
	tracer := tel.TracerProvider().Tracer("run-test")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /block", func(w http.ResponseWriter, r *http.Request) {
		_, span := tracer.Start(r.Context(), "block")
		defer span.End()
		f.entered <- struct{}{}
		<-f.release
		_, _ = io.WriteString(w, "done")
	})
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if f.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	f.url = "http://" + f.ln.Addr().String()
	tr := &http.Transport{}
	f.client = &http.Client{Transport: tr, Timeout: 20 * time.Second}
	t.Cleanup(func() {
		f.unblock()
		tr.CloseIdleConnections()
		_ = f.srv.Close()
		_ = tel.Shutdown(context.Background())
	})
	return f
}

// run starts Run in the background and returns its result channel.
func (f *runFixture) run(ctx context.Context, opts ...RunOption) <-chan error {
	done := make(chan error, 1)
	go func() { done <- f.tel.Run(ctx, HTTPServerOn(f.srv, f.ln), opts...) }()
	return done
}

type result struct {
	status int
	body   string
	err    error
}

// get sends GET path in the background.
func (f *runFixture) get(path string) <-chan result {
	res := make(chan result, 1)
	go func() {
		resp, err := f.client.Get(f.url + path)
		if err != nil {
			res <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		res <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	return res
}

// waitLine waits for a log line with msg and returns it.
func waitLine(t *testing.T, out *lineBuffer, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String(), `"msg":"`+msg+`"`) {
			return logbuf.Find(out.lines(t), msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s line within 10s; log:\n%s", msg, out.String())
	return nil
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: nothing within 20s", what)
	}
	var zero T
	return zero
}

// TestRunDrainsInFlightRequest: a request in flight when the stop begins
// completes with its response and its span, and the telemetry is shut down
// only after it.
func TestRunDrainsInFlightRequest(t *testing.T) {
	f := newRunFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := f.run(ctx)
	inflight := f.get("/block")
	recv(t, f.entered, "request to enter the handler")

	cancel()
	started := waitLine(t, f.out, "shutdown_started")
	if started["reason"] != "context_done" {
		t.Errorf("shutdown_started reason = %v, want context_done", started["reason"])
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while a request was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", f.ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener still accepts connections during the drain")
	}

	f.unblock()
	r := recv(t, inflight, "in-flight response")
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := recv(t, done, "Run"); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(f.spans.Ended()); n != 1 {
		t.Errorf("%d spans ended, want the in-flight request's 1", n)
	}
	if !f.tel.closed.Load() {
		t.Error("Run returned without shutting the telemetry down")
	}
	finished := logbuf.Find(f.out.lines(t), "shutdown_finished")
	if finished == nil || finished["level"] != "info" || finished["error"] != nil {
		t.Fatalf("shutdown_finished line = %v", finished)
	}
	for _, k := range []string{"drain_ms", "flush_ms"} {
		if _, ok := finished[k]; !ok {
			t.Errorf("shutdown_finished has no %s: %v", k, finished)
		}
	}
}

// TestRunDrainDeadline: a request that outlives the drain timeout is cut
// off, Run says so in its error and its line, and still flushes.
func TestRunDrainDeadline(t *testing.T) {
	f := newRunFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := f.run(ctx, WithDrainTimeout(200*time.Millisecond), WithFlushTimeout(2*time.Second))
	inflight := f.get("/block")
	recv(t, f.entered, "request to enter the handler")
	cancel()

	// The handler is held until the test ends: Run returning at all is
	// the deadline honoured.
	err := recv(t, done, "Run")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "drain did not finish within 200ms") {
		t.Fatalf("Run = %v, want the drain deadline error", err)
	}
	if r := recv(t, inflight, "in-flight response"); r.err == nil {
		t.Errorf("the request outliving the drain got a response: %+v", r)
	}
	if !f.tel.closed.Load() {
		t.Error("the telemetry was not shut down after the drain timed out")
	}
	lines := f.out.lines(t)
	started, finished := logbuf.Find(lines, "shutdown_started"), logbuf.Find(lines, "shutdown_finished")
	if started == nil || started["drain_timeout"] == nil || started["flush_timeout"] == nil {
		t.Errorf("shutdown_started = %v", started)
	}
	if finished == nil || finished["level"] != "warn" || !strings.Contains(finished["error"].(string), "drain did not finish") {
		t.Errorf("shutdown_finished = %v", finished)
	}
}

// TestRunFlushDeadline: an exporter that never finishes does not hold Run
// past the flush timeout; Run reports it.
func TestRunFlushDeadline(t *testing.T) {
	clearEnv(t)
	exp := &blockingExporter{release: make(chan struct{}), exported: make(chan int, 10)}
	defer close(exp.release)
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quietSpans(out, WithoutGlobals(), WithSpanExporter(exp))...)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "queued")
	span.End()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = tel.Run(ctx, newWorker(), WithFlushTimeout(200*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "flush did not finish within 200ms") {
		t.Fatalf("Run = %v, want the flush deadline, named", err)
	}
	if l := logbuf.Find(out.lines(t), "shutdown_finished"); l == nil || l["level"] != "warn" || l["flush_ms"] == nil {
		t.Errorf("shutdown_finished = %v", l)
	}
}

// TestRunReturnsServeError: a port already in use ends Run at once with the
// listen error, and the telemetry is still shut down.
func TestRunReturnsServeError(t *testing.T) {
	f := newRunFixture(t)
	srv := &http.Server{Addr: f.ln.Addr().String(), ReadHeaderTimeout: time.Second} // f.ln holds the port
	err := f.tel.Run(context.Background(), HTTPServer(srv))
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Run = %v, want address already in use", err)
	}
	if !f.tel.closed.Load() {
		t.Error("the telemetry was not shut down after serving failed")
	}
	started := logbuf.Find(f.out.lines(t), "shutdown_started")
	if started == nil || started["reason"] != "serve_failed" || !strings.Contains(started["error"].(string), "address already in use") {
		t.Errorf("shutdown_started = %v", started)
	}
}

// TestRunNilServer: a nil Server is an error, as serving failed, and the
// telemetry is still flushed and shut down.
func TestRunNilServer(t *testing.T) {
	if err := (*Telemetry)(nil).Run(context.Background(), nil); err == nil {
		t.Fatal("Run(nil Server) = nil")
	}
	f := newRunFixture(t)
	if err := f.tel.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "nil Server") {
		t.Fatalf("Run(nil Server) = %v", err)
	}
	if !f.tel.closed.Load() {
		t.Error("the telemetry was not shut down")
	}
	if l := logbuf.Find(f.out.lines(t), "shutdown_started"); l == nil || l["reason"] != "serve_failed" {
		t.Errorf("shutdown_started = %v", l)
	}
}

// worker is a Server that is no HTTP server: a loop taking jobs until
// stopped; Shutdown waits for the job in hand.
type worker struct {
	jobs     chan int
	stop     chan struct{}
	exited   chan struct{}
	mu       sync.Mutex
	started  bool
	stopped  bool
	finished []int
	exitWhen int // Serve returns by itself after this many jobs (0: never)
}

func newWorker() *worker {
	return &worker{jobs: make(chan int), stop: make(chan struct{}), exited: make(chan struct{})}
}

func (w *worker) Serve() error {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return nil
	}
	w.started = true
	w.mu.Unlock()
	defer close(w.exited)
	for {
		select {
		case <-w.stop:
			return nil
		case j := <-w.jobs:
			time.Sleep(20 * time.Millisecond) // the job
			w.mu.Lock()
			w.finished = append(w.finished, j)
			n := len(w.finished)
			w.mu.Unlock()
			if w.exitWhen > 0 && n >= w.exitWhen {
				return nil
			}
		}
	}
}

func (w *worker) Shutdown(ctx context.Context) error {
	w.mu.Lock()
	if !w.stopped {
		w.stopped = true
		close(w.stop)
	}
	started := w.started
	w.mu.Unlock()
	if !started {
		return nil
	}
	select {
	case <-w.exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestRunWorker: a worker uses the same call; a job in hand when ctx is
// cancelled finishes; a worker that returns by itself ends Run cleanly.
func TestRunWorker(t *testing.T) {
	clearEnv(t)
	out := &lineBuffer{}
	tel, err := Init(context.Background(), quiet(out, WithoutGlobals(), WithServiceName("worker"))...)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tel.Run(ctx, w) }()
	w.jobs <- 1
	cancel() // job 1 is in hand
	if err := recv(t, done, "Run"); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(w.finished) != 1 {
		t.Errorf("finished jobs %v, want [1]", w.finished)
	}

	tel2, err := Init(context.Background(), quiet(out, WithoutGlobals(), WithServiceName("worker"))...)
	if err != nil {
		t.Fatal(err)
	}
	w2 := newWorker()
	w2.exitWhen = 1
	go func() { w2.jobs <- 7 }()
	if err := tel2.Run(context.Background(), w2); err != nil {
		t.Fatalf("Run of a worker that finished: %v", err)
	}
	var reasons []any
	for _, l := range out.lines(t) {
		if l["msg"] == "shutdown_started" {
			reasons = append(reasons, l["reason"])
		}
	}
	if len(reasons) != 2 || reasons[0] != "context_done" || reasons[1] != "server_stopped" {
		t.Errorf("shutdown_started reasons = %v, want [context_done server_stopped]", reasons)
	}
}

// TestRunServersOneFails: in a group, one server failing to bind ends Run
// with its error and stops the others.
func TestRunServersOneFails(t *testing.T) {
	f := newRunFixture(t)
	busy := &http.Server{Addr: f.ln.Addr().String(), ReadHeaderTimeout: time.Second}
	ok, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	okSrv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	err = f.tel.Run(context.Background(), Servers(HTTPServerOn(okSrv, ok), HTTPServer(busy)))
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Run = %v, want address already in use", err)
	}
	if c, err := net.DialTimeout("tcp", ok.Addr().String(), time.Second); err == nil {
		_ = c.Close()
		t.Error("the other server still accepts connections after Run returned")
	}
}

// TestServersShutdownOrder: Shutdown stops the servers in the order given.
func TestServersShutdownOrder(t *testing.T) {
	var mu sync.Mutex
	var order []string
	mk := func(name string) Server {
		w := newWorker()
		return stopHook{Server: w, before: func() { mu.Lock(); order = append(order, name); mu.Unlock() }}
	}
	g := Servers(mk("front"), mk("back"))
	served := make(chan error, 1)
	go func() { served <- g.Serve() }()
	time.Sleep(10 * time.Millisecond)
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, served, "Serve"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "front,back" {
		t.Errorf("shutdown order %v", order)
	}
	// Shut down before it served: Serve returns at once.
	g2 := Servers(newWorker())
	if err := g2.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g2.Serve(); err != nil {
		t.Fatal(err)
	}
}

// TestRunServersNilMember: a nil member of Servers is an error Run returns,
// naming it, before any member serves; nothing panics while stopping.
func TestRunServersNilMember(t *testing.T) {
	f := newRunFixture(t)
	w := newWorker()
	err := f.tel.Run(context.Background(), Servers(w, nil))
	if err == nil || !strings.Contains(err.Error(), "Servers: argument 2 of 2 is nil") {
		t.Fatalf("Run = %v, want an error naming the nil member", err)
	}
	w.mu.Lock()
	started := w.started
	w.mu.Unlock()
	if started {
		t.Error("a member served although the group holds a nil one")
	}
	if err := Servers(nil).Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of a group with a nil member = %v", err)
	}
}

// TestServersMemberShutdownPanic: a member whose Shutdown panics (a typed
// nil pointer here) keeps no other member from stopping; the group's
// Shutdown returns the panic as an error, which Run panics with after the
// flush (TestProcessEndFlushesTelemetry).
func TestServersMemberShutdownPanic(t *testing.T) {
	w := newWorker()
	g := Servers((*worker)(nil), w)
	served := make(chan error, 1)
	go func() { served <- g.Serve() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := g.Shutdown(ctx)
	if p := (*servePanic)(nil); !errors.As(err, &p) || p.in != "Shutdown" {
		t.Errorf("Shutdown = %v, want the member's panic as an error", err)
	}
	w.mu.Lock()
	stopped := w.stopped
	w.mu.Unlock()
	if !stopped {
		t.Error("the other member was not stopped")
	}
	<-served // the first member to return: either
}

// TestServersShutdownPanicPastDeadline: a member's panic on stopping
// reaches the group's Shutdown also when another member outlives ctx.
func TestServersShutdownPanicPastDeadline(t *testing.T) {
	stubborn := &stubbornWorker{release: make(chan struct{})}
	defer close(stubborn.release)
	g := Servers(doneServer{}, stopPanicWorker{newWorker()}, stubborn)
	// The first member returns at once: Serve's result, before the stop.
	if err := g.Serve(); err != nil {
		t.Fatalf("Serve = %v, want the first member's nil", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := g.Shutdown(ctx)
	if p := (*servePanic)(nil); !errors.As(err, &p) || p.v != "bug on stop" {
		t.Errorf("Shutdown = %v, want the member's panic with ctx's end", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want ctx's end", err)
	}
}

// doneServer is a job that is done as soon as it is served.
type doneServer struct{}

func (doneServer) Serve() error                   { return nil }
func (doneServer) Shutdown(context.Context) error { return nil }

// stubbornWorker serves until released, whatever Shutdown says.
type stubbornWorker struct{ release chan struct{} }

func (w *stubbornWorker) Serve() error { <-w.release; return nil }
func (w *stubbornWorker) Shutdown(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

type stopHook struct {
	Server
	before func()
}

func (s stopHook) Shutdown(ctx context.Context) error { s.before(); return s.Server.Shutdown(ctx) }

// TestRunSignal: SIGTERM starts the stop, a second one ends the drain at
// once, and the flush still runs.
func TestRunSignal(t *testing.T) {
	// Keep SIGTERM from ending the test process whatever happens below.
	guard := make(chan os.Signal, 4)
	signal.Notify(guard, syscall.SIGTERM)
	defer signal.Stop(guard)

	f := newRunFixture(t)
	done := f.run(context.Background(), WithDrainTimeout(time.Minute))
	inflight := f.get("/block")
	recv(t, f.entered, "request to enter the handler")
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	started := waitLine(t, f.out, "shutdown_started")
	if started["reason"] != "signal" || started["signal"] != "terminated" {
		t.Errorf("shutdown_started = %v", started)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := recv(t, done, "Run after a second signal")
	if err == nil || !strings.Contains(err.Error(), "second signal") {
		t.Errorf("Run = %v, want the drain ended by a second signal", err)
	}
	if !f.tel.closed.Load() {
		t.Error("the telemetry was not shut down")
	}
	recv(t, inflight, "in-flight response")
}

// TestRunSignalAfterContext: a stop begun by ctx, then a signal (ctx and
// the signal at once, as signal.NotifyContext makes them): that signal is
// the first, and the drain goes on to its timeout; a second one ends it.
func TestRunSignalAfterContext(t *testing.T) {
	guard := make(chan os.Signal, 4)
	signal.Notify(guard, syscall.SIGTERM)
	defer signal.Stop(guard)
	for _, signals := range []int{1, 2} {
		f := newRunFixture(t)
		ctx, cancel := context.WithCancel(context.Background())
		drain := time.Minute
		if signals == 1 {
			drain = time.Second // the request is held: Run ends at the drain's timeout
		}
		done := f.run(ctx, WithDrainTimeout(drain))
		inflight := f.get("/block")
		recv(t, f.entered, "request to enter the handler")
		cancel()
		if started := waitLine(t, f.out, "shutdown_started"); started["reason"] != "context_done" {
			t.Fatalf("shutdown_started = %v", started)
		}
		for range signals {
			if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			recv(t, guard, "SIGTERM")
		}
		err := recv(t, done, "Run")
		second := err != nil && strings.Contains(err.Error(), "second signal")
		if signals == 1 && (second || !errors.Is(err, context.DeadlineExceeded)) {
			t.Errorf("ctx, then one signal: Run = %v, want the drain's timeout", err)
		}
		if signals == 2 && !second {
			t.Errorf("ctx, then two signals: Run = %v, want the drain ended by the second", err)
		}
		f.unblock()
		recv(t, inflight, "in-flight response")
	}
}

// TestRunRestoresSignals: once Run has returned, SIGTERM ends the process
// again. Checked in a child process, which the second SIGTERM must kill.
func TestRunRestoresSignals(t *testing.T) {
	if os.Getenv("OTELKIT_RUN_SIGNAL_CHILD") == "1" {
		runSignalChild()
		return
	}
	cmd := childTest(t, "TestRunRestoresSignals", "OTELKIT_RUN_SIGNAL_CHILD=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readUntil := func(want string) {
		t.Helper()
		buf := make([]byte, 0, 4096)
		tmp := make([]byte, 512)
		for !strings.Contains(string(buf), want) {
			n, err := stdout.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if err != nil {
				t.Fatalf("child output ended before %q: %v\n%s\n%s", want, err, buf, stderr.String())
			}
		}
	}
	readUntil("serving\n")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	readUntil("run returned <nil>\n")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child: %v, want it killed by SIGTERM\n%s", err, stderr.String())
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("child ended with %v, want killed by SIGTERM (Run left a handler behind)\n%s", exit, stderr.String())
	}
}

// runSignalChild serves a worker through Run, reports, and then waits for
// the SIGTERM that must end it.
func runSignalChild() {
	tel, err := Init(context.Background(), WithoutGlobals(), WithTracesExporter("none"),
		WithMetricsExporter("none"), WithLogsExporter("none"), WithLogOutput(zapSyncDiscard{}))
	if err != nil {
		os.Stdout.WriteString("init: " + err.Error() + "\n")
		os.Exit(2)
	}
	err = tel.Run(context.Background(), announce{newWorker()})
	os.Stdout.WriteString("run returned " + errString(err) + "\n")
	time.Sleep(30 * time.Second) // the second SIGTERM ends the process here
	os.Exit(3)
}

// announce says "serving" when Serve starts, which Run does only once it
// listens for signals.
type announce struct{ Server }

func (a announce) Serve() error {
	_, _ = os.Stdout.WriteString("serving\n")
	return a.Server.Serve()
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

type zapSyncDiscard struct{}

func (zapSyncDiscard) Write(p []byte) (int, error) { return len(p), nil }
func (zapSyncDiscard) Sync() error                 { return nil }

// TestHTTPServerTLSFromGetConfigForClient: a TLSConfig whose certificate
// comes from GetConfigForClient (per client, by SNI) is served over TLS, as
// net/http's ServeTLS takes it; it was served in plain text.
func TestHTTPServerTLSFromGetConfigForClient(t *testing.T) {
	cert := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate for 127.0.0.1
	cert.Close()
	roots := x509.NewCertPool()
	roots.AddCert(cert.Certificate())
	srv := &http.Server{ReadHeaderTimeout: time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }),
		TLSConfig: &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return &tls.Config{Certificates: cert.TLS.Certificates}, nil
		}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := HTTPServerOn(srv, ln)
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://" + ln.Addr().String())
	if err != nil {
		t.Errorf("GET over TLS: %v", err)
	} else {
		_ = resp.Body.Close()
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, served, "Serve"); err != nil {
		t.Fatal(err)
	}
}

// TestRunServesNothingWhenAServerCannotServe: an http.Server whose
// TLSConfig has no certificate (Certificates, GetCertificate or
// GetConfigForClient) is an error Run returns before serving it (it was
// served in plain text, on a port clients take for TLS), and a group
// holding it or a nil member serves none of its members; every listener
// handed over is closed (a member that never served kept its own bound).
func TestRunServesNothingWhenAServerCannotServe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		group func(ok, noCert Server) Server
		lns   string // the listeners Run is given: o for ok's, n for noCert's
		want  string
	}{
		{"alone", func(_, noCert Server) Server { return noCert }, "n", "TLSConfig has no certificate"},
		{"member", func(ok, noCert Server) Server { return Servers(ok, noCert) }, "on", "argument 2 of 2: HTTPServer on 127.0.0.1:"},
		{"nested member", func(ok, noCert Server) Server { return Servers(ok, Servers(noCert)) }, "on", "TLSConfig has no certificate"},
		{"nil member", func(ok, _ Server) Server { return Servers(ok, nil) }, "o", "argument 2 of 2 is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRunFixture(t)
			noCert := &http.Server{Handler: f.srv.Handler, ReadHeaderTimeout: 5 * time.Second,
				TLSConfig: &tls.Config{MinVersion: tls.VersionTLS13, ClientAuth: tls.RequireAndVerifyClientCert}}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer noCert.Close()
			defer ln.Close()   // in case Run was not given it; closed twice is harmless
			defer f.ln.Close() // the same
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- f.tel.Run(ctx, tc.group(HTTPServerOn(f.srv, f.ln), HTTPServerOn(noCert, ln))) }()
			var addrs []string
			if strings.Contains(tc.lns, "o") {
				addrs = append(addrs, f.ln.Addr().String())
			}
			if strings.Contains(tc.lns, "n") {
				addrs = append(addrs, ln.Addr().String())
			}
			for _, addr := range addrs {
				if resp, err := f.client.Get("http://" + addr + "/"); err == nil {
					_ = resp.Body.Close()
					t.Errorf("%s answered in plain text (%s)", addr, resp.Status)
				}
			}
			cancel() // ends Run where it served
			if err := recv(t, done, "Run"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run = %v, want an error with %q", err, tc.want)
			}
			for _, addr := range addrs {
				if c, err := net.Dial("tcp", addr); err == nil {
					_ = c.Close()
					t.Errorf("%s still bound once Run returned", addr)
				}
			}
		})
	}
}

// TestServersShutDownBeforeServingClosesListeners: a group shut down
// before it served (Run stopped at once) closes the listeners handed to
// its HTTPServerOn members; they stayed bound, with no one accepting.
func TestServersShutDownBeforeServingClosesListeners(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // closed twice is harmless
	g := Servers(HTTPServerOn(&http.Server{ReadHeaderTimeout: time.Second}, ln))
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Serve(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		_ = c.Close()
		t.Error("listener still bound after the group stopped")
	}
}

// selfPanicking's String panics with itself: fmt, formatting it, panics
// again.
type selfPanicking struct{}

func (s selfPanicking) String() string { panic(s) }

// TestServePanicTextWhenTheValueCannotBeFormatted: the error Run returns
// for such a panic names its type; Error panicked.
func TestServePanicTextWhenTheValueCannotBeFormatted(t *testing.T) {
	p := &servePanic{v: selfPanicking{}, in: "Serve"}
	if got := p.Error(); !strings.HasPrefix(got, "otelkit: Serve panicked: (otel.selfPanicking)") {
		t.Errorf("Error() = %q", got)
	}
}
