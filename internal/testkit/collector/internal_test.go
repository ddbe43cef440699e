package collector

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadMissingFilesIsEmpty(t *testing.T) {
	c := &Collector{dir: t.TempDir()}
	if s, err := c.Spans(); err != nil || len(s) != 0 {
		t.Errorf("Spans() = %v, %v; want none, nil", s, err)
	}
	if m, err := c.Metrics(); err != nil || len(m) != 0 {
		t.Errorf("Metrics() = %v, %v; want none, nil", m, err)
	}
	if l, err := c.Logs(); err != nil || len(l) != 0 {
		t.Errorf("Logs() = %v, %v; want none, nil", l, err)
	}
}

// TestSpanEncodings covers what the real collector does not produce in the
// end-to-end test: base64 IDs and enum names (the proto3 JSON mapping),
// bytes and map values, and a trailing line still being written.
func TestSpanEncodings(t *testing.T) {
	c := &Collector{dir: t.TempDir()}
	writeFile(t, c.file("traces"), `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"-3"}}]}}}]},"scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"AAECAwQFBgcICQoLDA0ODw==","spanId":"AAECAwQFBgc=","name":"b64","kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_OK"},"startTimeUnixNano":"1700000000000000001","attributes":[{"key":"b","value":{"bytesValue":"aGk="}},{"key":"d","value":{"doubleValue":"NaN"}},{"key":"e","value":{}}]}]}]}]}
{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"0102030405060708","name":"hex"}]}]}]}

{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"partial"`)
	spans, err := c.Spans()
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 2 {
		t.Fatalf("got %d spans (%+v), want 2: the partial last line must be left for later", len(spans), spans)
	}
	s := spans[0]
	if s.TraceID != "000102030405060708090a0b0c0d0e0f" || s.SpanID != "0001020304050607" {
		t.Errorf("base64 ids = %s/%s", s.TraceID, s.SpanID)
	}
	if s.Kind != "client" || s.StatusCode != "ok" {
		t.Errorf("kind/status = %s/%s, want client/ok", s.Kind, s.StatusCode)
	}
	if !s.Start.Equal(time.Unix(1700000000, 1)) || !s.End.IsZero() {
		t.Errorf("start/end = %v/%v", s.Start, s.End)
	}
	if b, _ := s.Attributes["b"].([]byte); string(b) != "hi" {
		t.Errorf("bytes attribute = %#v", s.Attributes["b"])
	}
	if d, _ := s.Attributes["d"].(float64); !math.IsNaN(d) {
		t.Errorf("NaN attribute = %#v", s.Attributes["d"])
	}
	if v, ok := s.Attributes["e"]; !ok || v != nil {
		t.Errorf("empty attribute = %#v, %v", v, ok)
	}
	if m, _ := s.Resource["k"].(map[string]any); m["a"] != int64(-3) {
		t.Errorf("kvlist resource attribute = %#v", s.Resource["k"])
	}
	h := spans[1]
	if h.TraceID != "0102030405060708090a0b0c0d0e0f10" || h.Kind != "unspecified" || h.StatusCode != "unset" || h.Resource == nil {
		t.Errorf("hex span = %+v", h)
	}
}

func TestMetricTypes(t *testing.T) {
	c := &Collector{dir: t.TempDir()}
	writeFile(t, c.file("metrics"), `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[`+
		`{"name":"g","gauge":{"dataPoints":[{"asDouble":"Infinity"}]}},`+
		`{"name":"s","sum":{"aggregationTemporality":1,"dataPoints":[{"asInt":"9007199254740993"}]}},`+
		`{"name":"e","exponentialHistogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","dataPoints":[{"count":"4","sum":2}]}},`+
		`{"name":"q","summary":{"dataPoints":[{"count":"2","sum":1.5}]}}]}]}]}`+"\n")
	ms, err := c.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, typ, temp string }{
		{"g", "gauge", ""}, {"s", "sum", "delta"}, {"e", "exponential_histogram", "cumulative"}, {"q", "summary", ""},
	}
	if len(ms) != len(want) {
		t.Fatalf("got %d metrics, want %d", len(ms), len(want))
	}
	for i, w := range want {
		if ms[i].Name != w.name || ms[i].Type != w.typ || ms[i].Temporality != w.temp {
			t.Errorf("metric %d = %s/%s/%q, want %s/%s/%q", i, ms[i].Name, ms[i].Type, ms[i].Temporality, w.name, w.typ, w.temp)
		}
	}
	if v := ms[0].DataPoints[0].Value; !math.IsInf(v, 1) {
		t.Errorf("gauge value = %v, want +Inf", v)
	}
	if v := ms[1].DataPoints[0].Value; v != 9007199254740993 {
		t.Errorf("int sum value = %v", v)
	}
	if p := ms[2].DataPoints[0]; p.Count != 4 || p.Sum != 2 {
		t.Errorf("exponential histogram point = %+v", p)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		signal, line, want string
	}{
		{"traces", `{"resourceSpans":[`, "line 1"},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","traceId":"zz"}]}]}]}`, `traceId "zz"`},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","spanId":"0102"}]}]}]}`, `spanId "0102"`},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","kind":9}]}]}]}`, "kind 9"},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","kind":"SPAN_KIND_BOGUS"}]}]}]}`, "SPAN_KIND_BOGUS"},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","startTimeUnixNano":"-1"}]}]}]}`, "startTimeUnixNano"},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","attributes":[{"key":"n","value":{"intValue":"1.5"}}]}]}]}]}`, `attribute "n"`},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","attributes":[{"key":"b","value":{"bytesValue":"%%"}}]}]}]}]}`, "bytesValue"},
		{"traces", `{"resourceSpans":[{"resource":{"attributes":[{"key":"r","value":{"arrayValue":{"values":[{"intValue":"x"}]}}}]}}]}`, `attribute "r"`},
		{"traces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x","events":[{"name":"ev","timeUnixNano":"abc"}]}]}]}]}`, `event "ev"`},
		{"metrics", `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m"}]}]}]}`, `metric "m": no known data field`},
		{"metrics", `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","sum":{"aggregationTemporality":7}}]}]}]}`, "aggregationTemporality 7"},
		{"metrics", `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","histogram":{"dataPoints":[{"bucketCounts":["-1"]}]}}]}]}]}`, "bucketCounts"},
		{"metrics", `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":"many"}]}}]}]}]}`, "many"},
		{"metrics", `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"exemplars":[{"traceId":"01"}]}]}}]}]}]}`, "exemplar traceId"},
		{"logs", `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":99}]}]}]}`, "severityNumber 99"},
		{"logs", `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":"x"}}]}]}]}`, "body"},
		{"logs", `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"abc"}]}]}]}`, `traceId "abc"`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			c := &Collector{dir: t.TempDir()}
			writeFile(t, c.file(tc.signal), tc.line+"\n")
			var err error
			switch tc.signal {
			case "traces":
				_, err = c.Spans()
			case "metrics":
				_, err = c.Metrics()
			case "logs":
				_, err = c.Logs()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestReadLineBound(t *testing.T) {
	c := &Collector{dir: t.TempDir()}
	f, err := os.Create(c.file("logs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxLine + 10); err != nil { // one huge line of NULs
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("\n"), maxLine+10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := c.Logs(); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("Logs() on an oversized line = %v, want a bound error", err)
	}
}

// fakeTB records a Fatal instead of stopping the goroutine.
type fakeTB struct {
	testing.TB
	fatal string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Fatal(args ...any) { f.fatal = fmt.Sprint(args...) }

func TestWaitTimeoutReportsWhatItSaw(t *testing.T) {
	c := &Collector{dir: t.TempDir()}
	writeFile(t, c.file("traces"), `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"seen-span"}]}]}]}`+"\n")
	tb := &fakeTB{TB: t}
	start := time.Now()
	got := c.WaitSpans(tb, 200*time.Millisecond, func(s []Span) bool { return len(s) == 2 })
	if got != nil || time.Since(start) < 200*time.Millisecond {
		t.Errorf("WaitSpans returned %v after %s, want nil after the timeout", got, time.Since(start))
	}
	if !strings.Contains(tb.fatal, "saw 1") || !strings.Contains(tb.fatal, "seen-span") {
		t.Errorf("failure message = %q, want it to list the span it saw", tb.fatal)
	}

	writeFile(t, c.file("logs"), "{not json\n")
	tb = &fakeTB{TB: t}
	c.WaitLogs(tb, 100*time.Millisecond, func([]LogRecord) bool { return true })
	if !strings.Contains(tb.fatal, "last read error") {
		t.Errorf("failure message = %q, want the read error", tb.fatal)
	}

	writeFile(t, c.file("metrics"), `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"ok","sum":{}}]}]}]}`+"\n")
	tb = &fakeTB{TB: t}
	if ms := c.WaitMetrics(tb, time.Second, func(m []Metric) bool { return len(m) == 1 }); len(ms) != 1 || tb.fatal != "" {
		t.Errorf("WaitMetrics = %v, fatal %q", ms, tb.fatal)
	}
}

func TestWithOutputPath(t *testing.T) {
	got, err := withOutputPath([]byte("dist:\n  name: x\n  output_path: ./build\nreceivers: []\n"), `/tmp/a "b"`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "dist:\n  name: x\n  output_path: \"/tmp/a \\\"b\\\"\"\nreceivers: []\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := withOutputPath([]byte("dist:\n  name: x\n"), "/x"); err == nil {
		t.Error("manifest without output_path: want an error")
	}
}

func TestBinaryIsCachedByManifestHash(t *testing.T) {
	root := t.TempDir()
	manifest := filepath.Join(root, "m.yaml")
	writeFile(t, manifest, "dist:\n  output_path: ./build\n")
	sum := sha256.Sum256([]byte("dist:\n  output_path: ./build\n"))
	dir := filepath.Join(root, "testcol-"+hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, binaryName)
	if err := os.WriteFile(want, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinary, "")
	t.Setenv("PATH", t.TempDir()) // no go command: building would fail
	got, err := newProgram(func() (string, error) { return manifest, nil }, root).Path(t)
	if err != nil || got != want {
		t.Errorf("Path = %q, %v; want the cached %q without building", got, err, want)
	}
}

func TestBuildFailureCarriesBuilderOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the builder")
	}
	root := t.TempDir()
	manifest := filepath.Join(root, "m.yaml")
	writeFile(t, manifest, "dist:\n  output_path: ./build\nreceivers: 5\n")
	t.Setenv(EnvBinary, "")
	_, err := newProgram(func() (string, error) { return manifest, nil }, root).Path(t)
	if err == nil {
		t.Fatal("building from a broken manifest succeeded")
	}
	if !strings.Contains(err.Error(), "builder "+BuilderVersion) || !strings.Contains(err.Error(), "receivers") {
		t.Errorf("error = %v, want the builder's complaint about receivers", err)
	}
}

// fatalTB records Fatalf instead of stopping the goroutine.
type fatalTB struct {
	testing.TB
	fatal string
}

func (f *fatalTB) Helper()                        {}
func (f *fatalTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }

func TestStartFailures(t *testing.T) {
	t.Run("collector exits", func(t *testing.T) {
		tb := &fatalTB{TB: t}
		c := Start(tb, WithConfig(func(string, string) string { return "receivers: [\n" }))
		if c != nil || !strings.Contains(tb.fatal, "exited before accepting connections") || !strings.Contains(tb.fatal, "collector output:") {
			t.Errorf("Start = %v, fatal %q; want an exit report with the output", c, tb.fatal)
		}
	})
	t.Run("port never opens", func(t *testing.T) {
		tb := &fatalTB{TB: t}
		var httpAddr string
		start := time.Now()
		c := Start(tb, WithStartTimeout(time.Second), WithConfig(func(grpcAddr, h string) string {
			httpAddr = h
			return `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "` + grpcAddr + `"}
exporters:
  debug:
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`
		}))
		if c != nil || !strings.Contains(tb.fatal, "did not accept connections on "+httpAddr+" within 1s") {
			t.Errorf("Start = %v, fatal %q; want a timeout naming %s", c, tb.fatal, httpAddr)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("Start took %s with a 1s start timeout", d)
		}
	})
}
