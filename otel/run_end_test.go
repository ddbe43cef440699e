package otel

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"

	"github.com/otelkit/otelkit/grpcmw"
	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

// Process end: what Run and the logger do so that the telemetry of the
// last requests, and of a process that ends by Fatal or a panic, is
// exported or counted.

// hasLog reports whether c received a log record whose body is body.
func hasLog(c *fakeotlp.HTTPCollector, body string) bool {
	for _, r := range c.Requests() {
		m, ok := r.Message.(*collogspb.ExportLogsServiceRequest)
		if !ok || r.Failed {
			continue
		}
		for _, rl := range m.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					if lr.Body.GetStringValue() == body {
						return true
					}
				}
			}
		}
	}
	return false
}

// runCutOff runs srv under Run with a drain of 100 ms, stops it once
// entered has a request, and waits for Run and for the handler (exited).
func runCutOff(t *testing.T, tel *Telemetry, srv Server, entered, exited <-chan struct{}) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- tel.Run(ctx, srv, WithDrainTimeout(100*time.Millisecond), WithFlushTimeout(4*time.Second))
	}()
	recv(t, entered, "request")
	cancel()
	err := recv(t, done, "Run")
	recv(t, exited, "the handler's end")
	return err
}

// serveOneRequest returns app behind httpmw.Handler as a Server on a
// loopback listener, and sends it one request once it serves. onShutdown
// are registered with the http.Server's RegisterOnShutdown.
func serveOneRequest(t *testing.T, tel *Telemetry, app http.Handler, onShutdown ...func()) Server {
	t.Helper()
	srv := &http.Server{Handler: httpmw.Handler(app, httpmw.WithTracerProvider(tel.TracerProvider()),
		httpmw.WithLogger(tel.Logger())), ReadHeaderTimeout: 5 * time.Second}
	for _, f := range onShutdown {
		srv.RegisterOnShutdown(f)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/slow"); err == nil {
			_ = resp.Body.Close()
		}
	}()
	return HTTPServerOn(srv, ln)
}

// exportTo is Init against c, spans and (when logs) log records only.
func exportTo(t *testing.T, c *fakeotlp.HTTPCollector, out *lineBuffer, logs bool) *Telemetry {
	t.Helper()
	clearEnv(t)
	opts := []Option{WithoutGlobals(), WithOTLPEndpoint(c.Endpoint), WithOTLPProtocol("http/protobuf"), WithMetricsExporter("none")}
	if !logs {
		opts = append(opts, WithLogsExporter("none"))
	}
	return initHealth(t, out, opts...)
}

// TestRunLetsCutOffRequestsEnd: requests still running when the drain
// runs out end as their contexts end (at once, or after 100 ms of cleanup;
// an HTTP request, a gRPC stream, which never lets GracefulStop finish),
// and their spans and access lines are exported, not lost to Shutdown.
func TestRunLetsCutOffRequestsEnd(t *testing.T) {
	t.Run("http", func(t *testing.T) {
		for _, cleanup := range []time.Duration{0, 0, 0, 0, 0, 100 * time.Millisecond} {
			c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Keep: true})
			tel := exportTo(t, c, &lineBuffer{}, true)
			entered, exited := make(chan struct{}, 1), make(chan struct{})
			app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(exited)
				entered <- struct{}{}
				<-r.Context().Done()
				time.Sleep(cleanup) // a rollback
				w.WriteHeader(http.StatusServiceUnavailable)
			})
			err := runCutOff(t, tel, serveOneRequest(t, tel, app), entered, exited)
			if err == nil || strings.Contains(err.Error(), "still running") {
				t.Errorf("Run = %v, want the drain's timeout and no abandoned request", err)
			}
			if n := c.Accepted(fakeotlp.Traces); n != 1 {
				t.Errorf("cleanup %v: %d spans exported, want the request's", cleanup, n)
			}
			if !hasLog(c, "http_request") {
				t.Errorf("cleanup %v: the access line's record was not exported", cleanup)
			}
		}
	})
	t.Run("grpc stream", func(t *testing.T) {
		for range 5 {
			c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Keep: true})
			tel := exportTo(t, c, &lineBuffer{}, false)
			svc := &streamSvc{entered: make(chan struct{}, 1), exited: make(chan struct{})}
			srv := grpc.NewServer(grpcmw.ServerOptions(grpcmw.WithTracerProvider(tel.TracerProvider()), grpcmw.WithLogger(zap.NewNop()))...)
			testpb.RegisterTestServiceServer(srv, svc)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				st, err := testpb.NewTestServiceClient(conn).StreamingOutputCall(context.Background(), &testpb.StreamingOutputCallRequest{}, grpc.WaitForReady(true))
				if err == nil {
					_, _ = st.Recv()
				}
			}()
			_ = runCutOff(t, tel, grpcmw.Server(srv, ln), svc.entered, svc.exited)
			_ = conn.Close()
			if n := c.Accepted(fakeotlp.Traces); n != 1 {
				t.Errorf("%d spans exported, want the stream's", n)
			}
		}
	})
}

// streamSvc serves a watch stream: it runs until the client or the server
// ends it.
type streamSvc struct {
	testpb.UnimplementedTestServiceServer
	entered chan struct{}
	exited  chan struct{}
}

func (s *streamSvc) StreamingOutputCall(_ *testpb.StreamingOutputCallRequest, st testpb.TestService_StreamingOutputCallServer) error {
	defer close(s.exited)
	s.entered <- struct{}{}
	<-st.Context().Done()
	time.Sleep(100 * time.Millisecond) // cleanup after the stream's end
	return st.Context().Err()
}

// TestRunReportsAbandonedRequests: a handler that ignores its context
// outlives Run; Run says how many requests it left behind, in its error
// and on the shutdown_finished line.
func TestRunReportsAbandonedRequests(t *testing.T) {
	clearEnv(t)
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithTracesExporter("none"), WithLogsExporter("none"), WithMetricsExporter("none"))
	entered, release, exited := make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(exited)
		entered <- struct{}{}
		<-release
	})
	srv := serveOneRequest(t, tel, app)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tel.Run(ctx, srv, WithDrainTimeout(100*time.Millisecond), WithFlushTimeout(400*time.Millisecond))
	}()
	recv(t, entered, "request")
	cancel()
	err := recv(t, done, "Run")
	close(release)
	<-exited
	// At least this one: the count is the process's (a request another
	// test left running would be counted too).
	if err == nil || !strings.Contains(err.Error(), "requests still running") || !strings.Contains(out.String(), `"abandoned_requests":`) {
		t.Errorf("Run = %v; the request left running is not reported:\n%s", err, out.String())
	}
}

// TestRunWaitsForHijackedRequests: http.Server.Shutdown neither waits for
// nor closes hijacked connections (WebSockets), so the drain finishes with
// their handlers running. One that a RegisterOnShutdown hook ends has its
// span and access line exported; one still running is reported as
// abandoned, not lost unseen.
func TestRunWaitsForHijackedRequests(t *testing.T) {
	for _, hook := range []bool{true, false} {
		c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Keep: true})
		out := &lineBuffer{}
		tel := exportTo(t, c, out, true)
		entered, stop, exited := make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(exited)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer func() { _ = conn.Close() }()
			entered <- struct{}{}
			<-stop
			time.Sleep(100 * time.Millisecond) // the close handshake
		})
		var hooks []func()
		if hook {
			hooks = append(hooks, func() { close(stop) })
		}
		srv := serveOneRequest(t, tel, app, hooks...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- tel.Run(ctx, srv, WithFlushTimeout(4*time.Second)) }()
		recv(t, entered, "request")
		cancel()
		err := recv(t, done, "Run")
		if !hook {
			close(stop)
		}
		recv(t, exited, "the handler's end")
		if hook && (err != nil || c.Accepted(fakeotlp.Traces) != 1 || !hasLog(c, "http_request")) {
			t.Errorf("ended by a hook: Run = %v, %d spans exported, access line exported %v; want nil, the request's span and line",
				err, c.Accepted(fakeotlp.Traces), hasLog(c, "http_request"))
		}
		if !hook && (err == nil || !strings.Contains(err.Error(), "requests still running") ||
			!strings.Contains(out.String(), `"abandoned_requests":1`)) {
			t.Errorf("left running: Run = %v; the request is not reported:\n%s", err, out.String())
		}
	}
}

// TestRunLeavesOtherServersRequests: after a drain that finished, Run
// waits only for hijacked requests: a request of a server Run does not
// serve, still running, is neither waited for nor reported as abandoned.
func TestRunLeavesOtherServersRequests(t *testing.T) {
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Keep: true})
	out := &lineBuffer{}
	tel := exportTo(t, c, out, false)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	other := httptest.NewServer(httpmw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		entered <- struct{}{}
		<-release
	})))
	defer other.Close()
	defer close(release)
	go func() {
		if resp, err := http.Get(other.URL); err == nil {
			_ = resp.Body.Close()
		}
	}()
	recv(t, entered, "the other server's request")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := tel.Run(ctx, newWorker(), WithFlushTimeout(4*time.Second))
	if err != nil || strings.Contains(out.String(), "abandoned_requests") {
		t.Errorf("Run = %v; another server's request was taken for this Run's:\n%s", err, out.String())
	}
}

// TestRunLeavesOtherServersHijackedRequests: the hijacked requests Run
// waits for after a drain that finished, and reports when they outlive
// it, are those of the servers it serves (here a member of Servers): a
// WebSocket open on another server (a debug server, a test's) made a
// clean stop wait a second and fail with it as abandoned_requests.
func TestRunLeavesOtherServersHijackedRequests(t *testing.T) {
	for _, own := range []bool{false, true} {
		out := &lineBuffer{}
		tel := exportTo(t, fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Keep: true}), out, false)
		release := make(chan struct{})
		other := httptest.NewServer(httpmw.Handler(hijackUntil(t, release)))
		hijackOn(t, other.Listener.Addr().String())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: httpmw.Handler(hijackUntil(t, release)), ReadHeaderTimeout: 5 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- tel.Run(ctx, Servers(HTTPServerOn(srv, ln)), WithFlushTimeout(4*time.Second)) }()
		if own {
			hijackOn(t, ln.Addr().String())
		}
		cancel()
		err = recv(t, done, "Run")
		close(release)
		other.Close()
		if !own && (err != nil || strings.Contains(out.String(), "abandoned_requests")) {
			t.Errorf("only another server's request hijacked: Run = %v; it was taken for this Run's:\n%s", err, out.String())
		}
		if own && (err == nil || !strings.Contains(out.String(), `"abandoned_requests":1,`)) {
			t.Errorf("one of its own hijacked, one of another server: Run = %v; want its own reported, alone:\n%s", err, out.String())
		}
	}
}

// hijackUntil is a handler that takes its connection over and holds it
// until release is closed, as a WebSocket handler does.
func hijackUntil(t *testing.T, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer func() { _ = conn.Close() }()
		_, _ = io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		<-release
	})
}

// hijackOn sends a request to the server at addr and returns once the
// handler hijacked the connection (hijackUntil answered 101); the
// connection is closed when the test ends.
func hijackOn(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second)) // a bound, should the server never answer
	if _, err := io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
}

// TestProcessEndFlushesTelemetry: a process that ends by the logger's
// Fatal, or by a panic in the Server Run serves, exports what was queued
// (a span within the 5 s schedule delay, log lines within 1 s) and the
// fatal line or the panic's shutdown lines first. Each runs in a process
// of its own.
func TestProcessEndFlushesTelemetry(t *testing.T) {
	if m := os.Getenv("OTELKIT_PROCESS_END"); m != "" {
		processEndChild(m)
		return
	}
	for _, mode := range []string{"fatal", "panic", "panic_in_servers", "panic_in_shutdown", "panic_in_member_shutdown"} {
		t.Run(mode, func(t *testing.T) {
			c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Keep: true})
			cmd := childTest(t, "TestProcessEndFlushesTelemetry", "OTELKIT_PROCESS_END="+mode, "OTELKIT_PROCESS_END_EP="+c.Endpoint)
			out, err := cmd.CombinedOutput()
			want := "exit status 2" // the panic goes on
			if mode == "fatal" {
				want = "exit status 1"
			}
			if err == nil || err.Error() != want {
				t.Errorf("child ended with %v, want %s:\n%s", err, want, out)
			}
			if c.Accepted(fakeotlp.Traces) != 1 || !hasLog(c, "work_done") {
				t.Errorf("collector got %d spans, work_done %v; want the queued span and line:\n%s",
					c.Accepted(fakeotlp.Traces), hasLog(c, "work_done"), out)
			}
			if mode == "fatal" && !hasLog(c, "dependency_lost") {
				t.Errorf("the fatal line's record was not exported:\n%s", out)
			}
			if mode != "fatal" && !hasLog(c, "shutdown_started") {
				t.Errorf("Run's shutdown_started record was not exported:\n%s", out)
			}
			if mode != "fatal" && !strings.Contains(string(out), "worker bug") {
				t.Errorf("the panic did not go on:\n%s", out)
			}
		})
	}
}

// shutdownPanicWorker's Shutdown panics once the worker has stopped: a
// bug in stopping.
type shutdownPanicWorker struct{ *worker }

func (w shutdownPanicWorker) Shutdown(ctx context.Context) error {
	_ = w.worker.Shutdown(ctx)
	panic("worker bug")
}

// panicWorker's Serve panics: a worker loop hitting a bug.
type panicWorker struct{ worker }

func (*panicWorker) Serve() error { time.Sleep(50 * time.Millisecond); panic("worker bug") }

func processEndChild(mode string) {
	tel, err := Init(context.Background(), WithoutGlobals(), WithServiceName("child"), WithOTLPEndpoint(os.Getenv("OTELKIT_PROCESS_END_EP")),
		WithOTLPProtocol("http/protobuf"), WithMetricsExporter("none"), WithoutRuntimeMetrics(), WithLogFormat("json"))
	if err != nil {
		os.Exit(3)
	}
	_, span := tel.TracerProvider().Tracer("child").Start(context.Background(), "queued_work")
	span.End()
	tel.Logger().Info("work_done")
	switch mode {
	case "fatal":
		tel.Logger().Fatal("dependency_lost")
	case "panic":
		_ = tel.Run(context.Background(), &panicWorker{*newWorker()})
	case "panic_in_servers":
		_ = tel.Run(context.Background(), Servers(newWorker(), &panicWorker{*newWorker()}))
	case "panic_in_shutdown", "panic_in_member_shutdown":
		ctx, cancel := context.WithCancel(context.Background())
		var srv Server = shutdownPanicWorker{newWorker()}
		if mode == "panic_in_member_shutdown" {
			srv = Servers(srv, newWorker())
		}
		time.AfterFunc(50*time.Millisecond, cancel)
		_ = tel.Run(ctx, srv)
	}
	os.Exit(0)
}

// TestSpansAfterShutdownCounted: a span still open at Shutdown (a request
// or goroutine that outlived the drain), which ends when nothing exports,
// and one begun after Shutdown by a tracer obtained before it, are counted
// as after_shutdown, once each, and shown in a telemetry_dropped line.
func TestSpansAfterShutdownCounted(t *testing.T) {
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{})
	out := &lineBuffer{}
	tel := exportTo(t, c, out, false)
	tracer := tel.TracerProvider().Tracer("late")
	_, early := tracer.Start(context.Background(), "begun_before")
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	early.End()
	_, late := tracer.Start(context.Background(), "begun_after")
	late.End()
	ex := tel.Health().Export["traces"]
	if c.Accepted(fakeotlp.Traces) != 0 || ex.Dropped[DropAfterShutdown] != 2 || ex.Failed != 2 {
		t.Errorf("health %+v, %d spans exported; want the open and the late span counted after_shutdown", ex, c.Accepted(fakeotlp.Traces))
	}
	if !strings.Contains(out.String(), `"after_shutdown":`) {
		t.Errorf("no telemetry_dropped line for the spans:\n%s", out.String())
	}
}

// stopPanicWorker's Serve panics when it is told to stop: a worker with a
// bug in its stopping path.
type stopPanicWorker struct{ *worker }

func (w stopPanicWorker) Serve() error {
	_ = w.worker.Serve()
	panic("bug on stop")
}

// TestRunPanicWhileDraining: a Serve that panics during the drain is
// flushed, then its panic goes on from Run, as one while serving does.
func TestRunPanicWhileDraining(t *testing.T) {
	clearEnv(t)
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithTracesExporter("none"), WithLogsExporter("none"), WithMetricsExporter("none"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = tel.Run(ctx, stopPanicWorker{newWorker()}, WithDrainTimeout(time.Second))
	}()
	if recovered != "bug on stop" || !strings.Contains(out.String(), `"msg":"shutdown_finished"`) {
		t.Errorf("Run's panic %v; log:\n%s", recovered, out.String())
	}
}
