package stack_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/jaeger"
	"github.com/otelkit/otelkit/internal/testkit/process"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/otel"
)

const jaegerConfig = "jaeger.yaml"

// listenerRE matches the listeners of the stack's Jaeger config, which
// listen on all interfaces inside its container.
var listenerRE = regexp.MustCompile(`0\.0\.0\.0:(\d+)`)

// moveListeners rewrites every 0.0.0.0:PORT of a config to the loopback
// address that ports gives for PORT, and fails the test for a listener it
// has no address for or an address it did not use, so that a listener added
// to the config cannot bind a fixed port on the test machine unnoticed.
func moveListeners(t *testing.T, name, cfg string, ports map[string]string) string {
	t.Helper()
	used := map[string]bool{}
	out := listenerRE.ReplaceAllStringFunc(cfg, func(m string) string {
		port := listenerRE.FindStringSubmatch(m)[1]
		addr, ok := ports[port]
		if !ok {
			t.Errorf("%s listens on %s, which this test does not move to loopback (add it here)", name, m)
			return m
		}
		used[port] = true
		return addr
	})
	for port := range ports {
		if !used[port] {
			t.Errorf("%s has no listener on 0.0.0.0:%s any more (update this test with the config)", name, port)
		}
	}
	return out
}

// TestJaegerConfigShowsTheTraceOfALogLine runs the stack as
// docker-compose.yaml wires it, on loopback: Jaeger v2 with the mounted
// jaeger.yaml, the collector with otel-collector.yaml exporting traces to it,
// and examples/twoservices' backend and frontend with their compose commands
// and environment. One request goes through both services; the trace_id of
// the frontend's log line opens, through Jaeger's query API, a trace that
// holds both services' spans, the backend's under the frontend's call.
func TestJaegerConfigShowsTheTraceOfALogLine(t *testing.T) {
	// The first build takes minutes: do it before anything else spends the
	// test binary's time.
	jaeger.Binary(t)
	rep := stack(t)
	data := jaegerService(t, rep)
	j := jaeger.Start(t, jaeger.WithConfig(func(a jaeger.Addrs) string {
		return moveListeners(t, jaegerConfig, string(data), map[string]string{
			"4317": a.OTLPGRPC, "4318": a.OTLPHTTP, "16686": a.QueryHTTP, "16685": a.QueryGRPC, "13133": a.HealthCheck,
		})
	}))
	// examples/stack/README.md tells users to ask /status for Jaeger's health.
	get(t, "http://"+j.Addrs().HealthCheck+"/status", "")
	col := startStackCollector(t, j.OTLPGRPCEndpoint(), &otlpSink{}, &otlpSink{})
	t.Cleanup(func() { // before both are stopped
		if t.Failed() {
			t.Logf("collector output:\n%s\nJaeger output:\n%s", col.Output(), j.Output())
		}
	})

	bin := exampleBinary(t, repo(t), "twoservices")
	addrs, err := process.FreeAddrs(2)
	if err != nil {
		t.Fatal(err)
	}
	backendAddr, frontendAddr := addrs[0], addrs[1]
	// What the compose network resolves, as the test machine reaches it.
	hosts := map[string]string{
		"http://twoservices-backend:8081": "http://" + backendAddr,
		"http://otel-collector:4318":      col.HTTPEndpoint(),
	}
	backend := startExample(t, rep, bin, "twoservices-backend", backendAddr, hosts)
	frontend := startExample(t, rep, bin, "twoservices-frontend", frontendAddr, hosts)

	get(t, "http://"+frontendAddr+"/checkout/cart-7", "stack-jaeger-0001")
	// SIGTERM makes each service shut its providers down, which flushes
	// its spans to the collector.
	frontend.stop(t)
	backend.stop(t)

	line := logbuf.Find(frontend.out.JSONLines(t), "checkout_priced")
	if line == nil {
		t.Fatalf("the frontend logged no checkout_priced line:\n%s", frontend.out)
	}
	traceID, _ := line["trace_id"].(string)
	spanID, _ := line["span_id"].(string)
	if line["request_id"] != "stack-jaeger-0001" || len(traceID) != 32 {
		t.Fatalf("checkout_priced line %v: want request_id stack-jaeger-0001 and a trace_id", line)
	}

	services := []string{"twoservices-backend", "twoservices-frontend"}
	tr := j.WaitTrace(t, 30*time.Second, traceID, func(tr jaeger.Trace) bool {
		return slices.Equal(tr.Services(), services) && backendUnderFrontend(tr)
	})
	if _, ok := tr.Span(spanID); !ok {
		t.Errorf("the log line's span_id %s is not a span of trace %s in Jaeger", spanID, traceID)
	}
}

// jaegerService checks that docker-compose.yaml runs the Jaeger release the
// tests build, with --config naming the mounted jaeger.yaml rather than the
// image's built-in config, and returns that file.
func jaegerService(t *testing.T, rep report) []byte {
	t.Helper()
	js := rep.service(t, "jaeger")
	if want := "jaegertracing/jaeger:" + jaeger.Release; js.Image != want {
		t.Errorf("jaeger image = %s, want %s, the release the test builds (%s@%s)", js.Image, want, jaeger.Package, jaeger.Version)
	}
	target := flagValue(js.Command, "config")
	if target == "" {
		t.Fatalf("jaeger command %q has no --config: it would run the image's built-in config", js.Command)
	}
	src := js.bindSource(t, target)
	if want := stackFile(t, jaegerConfig); src != want {
		t.Errorf("compose mounts %s as the Jaeger config, the test runs %s", src, want)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// backendUnderFrontend reports whether the trace holds a backend server span
// whose parent is a frontend client span: the call crossed the services.
func backendUnderFrontend(tr jaeger.Trace) bool {
	for _, s := range tr.Spans {
		if s.Service != "twoservices-backend" || s.Kind != "server" {
			continue
		}
		if p, ok := tr.Span(s.ParentSpanID); ok && p.Service == "twoservices-frontend" && p.Kind == "client" {
			return true
		}
	}
	return false
}

// example is an example program running as a compose service would.
type example struct {
	name string
	cmd  *exec.Cmd
	out  *logbuf.Buffer
	done chan struct{} // closed once the process has exited; err is set then
	err  error
}

// startExample runs bin with the command and environment that
// docker-compose.yaml gives the service name, with its -addr moved to addr,
// the compose hosts in its flags and environment replaced as hosts says,
// and nothing else from the test's OTEL_ or OTELKIT_ environment. It
// returns once the service accepts connections on addr.
// movedConfigFile stands in for the configuration file svc mounts at
// target: a copy of the mounted file with move applied to its text.
func movedConfigFile(t *testing.T, svc service, target string, move func(string) string) string {
	t.Helper()
	b, err := os.ReadFile(svc.bindSource(t, target))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(target))
	if err := os.WriteFile(p, []byte(move(string(b))), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func startExample(t *testing.T, rep report, bin, name, addr string, hosts map[string]string) *example {
	t.Helper()
	svc := rep.service(t, name)
	move := func(v string) string {
		for from, to := range hosts {
			v = strings.ReplaceAll(v, from, to)
		}
		for _, other := range rep.Services {
			if strings.Contains(v, "//"+other.Name+":") {
				t.Fatalf("%s: %q names the compose service %s, which this test does not stand in for", name, v, other.Name)
			}
		}
		return v
	}
	var args []string
	for _, a := range svc.Command {
		if flagValue([]string{a}, "addr") != "" {
			a = "-addr=" + addr
		}
		args = append(args, move(a))
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") && !strings.HasPrefix(kv, "OTELKIT_") {
			env = append(env, kv)
		}
	}
	for k, v := range svc.Environment {
		if k == otel.EnvConfigFile { // the mounted file, with the hosts moved too
			v = movedConfigFile(t, svc, v, move)
		}
		env = append(env, k+"="+move(v))
	}
	e := &example{name: name, cmd: exec.Command(bin, args...), out: &logbuf.Buffer{}, done: make(chan struct{})}
	e.cmd.Env, e.cmd.Stdout, e.cmd.Stderr = env, e.out, e.out
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { e.err = e.cmd.Wait(); close(e.done) }()
	t.Cleanup(func() {
		_ = e.cmd.Process.Kill()
		<-e.done
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = conn.Close()
			return e
		}
		select {
		case <-e.done:
			t.Fatalf("%s %q exited before listening on %s: %v\n%s", name, args, addr, e.err, e.out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s after 30s:\n%s", name, addr, e.out)
		}
	}
}

// stop sends SIGTERM and waits, at most 30 seconds, for a clean exit.
func (e *example) stop(t *testing.T) {
	t.Helper()
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
		if e.err != nil {
			t.Errorf("%s exited with %v after SIGTERM:\n%s", e.name, e.err, e.out)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not exit within 30s of SIGTERM:\n%s", e.name, e.out)
	}
}

// get sends one GET, with the caller's request ID if one is given, and
// wants 200.
func get(t *testing.T, url, requestID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if requestID != "" {
		req.Header.Set("X-Request-ID", requestID)
	}
	req.Close = true // no idle connection left for goleak to find
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
}
