package jaeger

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A GET /api/v3/traces/{id} body in the shape Jaeger 2.13 writes it (its
// apiv3 GetTrace snapshot, with two services), plus a kind given by name.
const traceBody = `{"result":{"resourceSpans":[
 {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"frontend"}}]},
  "scopeSpans":[{"scope":{"name":"otelhttp"},"spans":[
   {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"GET /checkout/{cart}","kind":2,
    "attributes":[{"key":"http.route","value":{"stringValue":"/checkout/{cart}"}},
                  {"key":"http.response.status_code","value":{"intValue":"200"}},
                  {"key":"ok","value":{"boolValue":true}},{"key":"f","value":{"doubleValue":1.5}},
                  {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"}]}}}]},
   {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","parentSpanId":"b7ad6b7169203331",
    "name":"GET","kind":"SPAN_KIND_CLIENT"}]}]},
 {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"backend"}}]},
  "scopeSpans":[{"spans":[
   {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"53995c3f42cd8ad8","parentSpanId":"00f067aa0ba902b7",
    "name":"GET /prices/{cart}","kind":2}]}]}]}}`

func TestParseTrace(t *testing.T) {
	spans, err := parseTrace([]byte(traceBody))
	if err != nil {
		t.Fatal(err)
	}
	tr := Trace{ID: "0af7651916cd43dd8448eb211c80319c", Spans: spans}
	if got := tr.Services(); strings.Join(got, ",") != "backend,frontend" {
		t.Errorf("Services() = %v", got)
	}
	server, ok := tr.Span("b7ad6b7169203331")
	if !ok || server.Service != "frontend" || server.Kind != "server" || server.ParentSpanID != "" {
		t.Fatalf("frontend server span = %+v, %v", server, ok)
	}
	want := map[string]any{"http.route": "/checkout/{cart}", "http.response.status_code": int64(200),
		"ok": true, "f": 1.5, "list": `{"values":[{"stringValue":"a"}]}`}
	for k, v := range want {
		if server.Attributes[k] != v {
			t.Errorf("attribute %s = %#v, want %#v", k, server.Attributes[k], v)
		}
	}
	client, _ := tr.Span("00f067aa0ba902b7")
	backend, _ := tr.Span("53995c3f42cd8ad8")
	if client.Kind != "client" || backend.Service != "backend" || backend.ParentSpanID != client.SpanID {
		t.Errorf("client %+v, backend %+v: want the backend's server span under the frontend's client span", client, backend)
	}
	if _, ok := tr.Span("ffffffffffffffff"); ok {
		t.Error("Span(unknown) found a span")
	}
}

func TestParseTraceBadInput(t *testing.T) {
	span := func(fields string) string {
		return `{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[{` + fields + `}]}]}]}}`
	}
	const ids = `"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"`
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `<html>`, "not an api_v3 trace response"},
		{"no result", `{"error":{"httpCode":500}}`, "without a result"},
		{"short trace ID", span(`"traceId":"0af7","spanId":"b7ad6b7169203331"`), "traceId"},
		{"base64 span ID", span(`"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"t61rcWkgMzE="`), "spanId"},
		{"upper-case parent", span(ids + `,"parentSpanId":"B7AD6B7169203331"`), "parentSpanId"},
		{"kind out of range", span(ids + `,"kind":9`), "out of range"},
		{"unknown kind name", span(ids + `,"kind":"SPAN_KIND_SIDEWAYS"`), "unknown span kind"},
		{"kind object", span(ids + `,"kind":{}`), "neither a number nor a name"},
		{"bad int", span(ids + `,"attributes":[{"key":"n","value":{"intValue":"x"}}]`), "attribute n"},
		{"two types", span(ids + `,"attributes":[{"key":"n","value":{"intValue":"1","stringValue":"1"}}]`), "2 types"},
	} {
		if _, err := parseTrace([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckTraceID(t *testing.T) {
	if err := checkTraceID("0af7651916cd43dd8448eb211c80319c"); err != nil {
		t.Errorf("valid ID: %v", err)
	}
	for _, id := range []string{"", "0af7651916cd43dd", "0af7651916cd43dd8448eb211c80319g",
		"00000000000000000000000000000000", "0af7651916cd43dd8448eb211c80319c0"} {
		if err := checkTraceID(id); err == nil {
			t.Errorf("checkTraceID(%q) = nil, want an error", id)
		}
	}
}

// fakeModule writes a build module (go.mod and go.sum) into a temp dir.
func fakeModule(t *testing.T, gomod string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"go.mod": gomod, "go.sum": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// shBuilder is a builderFunc that runs script with $1 = the output path.
func shBuilder(script string) builderFunc {
	return func(ctx context.Context, dir, out string) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, "sh", "-c", script, "sh", out)
		cmd.Dir = dir
		return cmd, nil
	}
}

func TestBuildCachedBuildsOnceAndReuses(t *testing.T) {
	mod, root := fakeModule(t, "module a\n"), t.TempDir()
	runs := filepath.Join(t.TempDir(), "runs")
	builder := shBuilder(`sleep 0.2 && printf '#!/bin/sh\n' > "$1" && chmod +x "$1" && echo run >> ` + runs)
	const n = 4
	paths, errs := make([]string, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n { // each takes the flock through its own descriptor, as test processes do
		wg.Go(func() { paths[i], errs[i] = buildCached(mod, root, time.Minute, builder) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Errorf("call %d = %q, %v; want %q, nil", i, paths[i], errs[i], paths[0])
		}
	}
	if data, _ := os.ReadFile(runs); strings.Count(string(data), "run") != 1 {
		t.Errorf("builder ran %d times, want 1", strings.Count(string(data), "run"))
	}
	if !strings.Contains(paths[0], "jaeger-"+Version+"-") {
		t.Errorf("cache path %s does not name the version", paths[0])
	}

	// A changed go.mod is a new build.
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := buildCached(mod, root, time.Minute, builder)
	if err != nil || p == paths[0] {
		t.Errorf("after a go.mod change: %q, %v; want a new path", p, err)
	}
}

func TestBuildFailures(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		budget       time.Duration
		want         []string
	}{
		{"compile error", `echo "cmd/jaeger: undefined: x" >&2; exit 1`, time.Minute,
			[]string{Package + "@" + Version, "undefined: x"}},
		{"no binary", `echo compiled nothing`, time.Minute, []string{"left no binary", "compiled nothing"}},
		{"over budget", `echo started; exec sleep 30`, 300 * time.Millisecond,
			[]string{"gave up after", "-timeout 30m", "started"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod, root := fakeModule(t, "module a\n"), t.TempDir()
			start := time.Now()
			_, err := buildCached(mod, root, tc.budget, shBuilder(tc.script))
			if err == nil {
				t.Fatal("buildCached succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant it to mention %q", err, w)
				}
			}
			if time.Since(start) > 20*time.Second {
				t.Errorf("buildCached took %s; the budget did not stop the build", time.Since(start))
			}
		})
	}
}

func TestNoGoIsASkipReason(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := goBuild(context.Background(), t.TempDir(), "out")
	if !errors.Is(err, errNoGo) {
		t.Errorf("goBuild without go on PATH = %v, want errNoGo", err)
	}
}

func TestBinaryEnvOverride(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "jaeger")
	if err := os.WriteFile(notExec, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinary, notExec)
	if _, err := binary(time.Minute); err == nil || !strings.Contains(err.Error(), "not executable") {
		t.Errorf("binary() with a non-executable %s = %v", EnvBinary, err)
	}
	if err := os.Chmod(notExec, 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := binary(time.Minute); err != nil || p != notExec {
		t.Errorf("binary() = %q, %v; want %q", p, err, notExec)
	}
}

type deadlineTB struct {
	testing.TB
	deadline time.Time
}

func (d deadlineTB) Deadline() (time.Time, bool) { return d.deadline, !d.deadline.IsZero() }

func TestBuildBudgetFollowsTheTestDeadline(t *testing.T) {
	if got := buildBudget(deadlineTB{TB: t}); got != maxBuildTime {
		t.Errorf("no deadline: budget %s, want %s", got, maxBuildTime)
	}
	got := buildBudget(deadlineTB{TB: t, deadline: time.Now().Add(5 * time.Minute)})
	if got > 5*time.Minute-deadlineMargin || got < 4*time.Minute {
		t.Errorf("deadline in 5m: budget %s, want a little under %s", got, 5*time.Minute-deadlineMargin)
	}
	if got := buildBudget(deadlineTB{TB: t, deadline: time.Now()}); got <= 0 {
		t.Errorf("deadline now: budget %s, want a positive minimum", got)
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{max: 8}
	for _, s := range []string{"0123", "4567", "89", "abcdefghijkl"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "efghijkl" {
		t.Errorf("kept %q, want the last 8 bytes", got)
	}
}

// TestModuleBuildsVersion: the build module names the program and pins the
// jaeger module at Version, so that Version, Release and the binary agree.
func TestModuleBuildsVersion(t *testing.T) {
	mod, err := moduleDir()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(mod, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\ntool " + Package + "\n", "\tgithub.com/jaegertracing/jaeger " + Version + " "} {
		if !strings.Contains(string(data), want) {
			t.Errorf("module/go.mod lacks %q", strings.TrimSpace(want))
		}
	}
	sum, err := os.ReadFile(filepath.Join(mod, "go.sum"))
	if err != nil || !strings.Contains(string(sum), "github.com/jaegertracing/jaeger "+Version+" h1:") {
		t.Errorf("module/go.sum does not pin github.com/jaegertracing/jaeger %s (%v)", Version, err)
	}
}
