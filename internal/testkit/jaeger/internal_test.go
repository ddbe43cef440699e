package jaeger

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestCacheKeyFollowsTheModule(t *testing.T) {
	mod := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module a\n")
	write("go.sum", "")
	k1, err := cacheKey(mod)
	if err != nil || !strings.HasPrefix(k1, "jaeger-"+Version+"-") {
		t.Fatalf("cacheKey = %q, %v; want it to name the version", k1, err)
	}
	if k, _ := cacheKey(mod); k != k1 {
		t.Errorf("cacheKey of the same module = %q, then %q", k1, k)
	}
	write("go.sum", "example.com/x v1.0.0 h1:x\n")
	if k2, _ := cacheKey(mod); k2 == k1 {
		t.Errorf("a go.sum change kept the key %q: the old binary would be reused", k1)
	}
	if _, err := cacheKey(t.TempDir()); err == nil {
		t.Error("cacheKey of a directory without go.mod: no error")
	}
}

func TestNoGoIsASkipReason(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := goBuild(context.Background(), t.TempDir(), "out")
	if !errors.Is(err, errNoGo) {
		t.Errorf("goBuild without go on PATH = %v, want errNoGo", err)
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
