package otel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/env"
)

// tenThousandPairs is a value of OTEL_RESOURCE_ATTRIBUTES with 10 000 pairs,
// every second one without "=", every value and every bad pair a marker
// that must never be repeated.
func tenThousandPairs() string {
	pairs := make([]string, 10000)
	for i := range pairs {
		if i%2 == 0 {
			pairs[i] = fmt.Sprintf("SECRETPAIR%d", i)
		} else {
			pairs[i] = fmt.Sprintf("k%d=SECRETVALUE%d", i, i)
		}
	}
	return strings.Join(pairs, ",")
}

// TestInitStartupOutputIsStructured: with a malformed
// OTEL_RESOURCE_ATTRIBUTES, Init (with and without the globals) writes
// nothing on stderr, and on stdout one otelkit_config_warning per Init that
// names the variable, is bounded, and repeats no value. Run in a fresh
// process, as the SDK reports some of it only once per process, and so
// that its real stderr is what is read.
func TestInitStartupOutputIsStructured(t *testing.T) {
	if file := os.Getenv("OTELKIT_STARTUP_CHILD"); file != "" {
		startupChild(t, file)
		return
	}
	cases := map[string]string{
		"pair without =":     "team=payments,SECRETPAIR",
		"bad percent escape": "team=payments,token=SECRETVALUE%zz",
		"empty key":          "=SECRETVALUE,team=payments",
		"10k pairs":          tenThousandPairs(),
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestInitStartupOutputIsStructured$", "-test.count=1")
			// Through a file: 10k pairs are more than one environment
			// string may hold at exec.
			file := filepath.Join(t.TempDir(), "value")
			if err := os.WriteFile(file, []byte(value), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd.Env = append(os.Environ(), "OTELKIT_STARTUP_CHILD="+file,
				"OTEL_SERVICE_NAME=startup", "OTELKIT_LOG_FORMAT=json")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("Init wrote plain text on stderr:\n%s", stderr.String())
			}
			warnings := 0
			for _, raw := range strings.Split(stdout.String(), "\n") {
				if strings.Contains(raw, "SECRET") {
					t.Errorf("a value is repeated: %.300s", raw)
				}
				if !strings.HasPrefix(raw, "{") {
					continue
				}
				var l map[string]any
				if err := json.Unmarshal([]byte(raw), &l); err != nil {
					t.Fatalf("not JSON: %q", raw)
				}
				switch l["msg"] {
				case "otelkit_config_warning":
					warnings++
					if l["variable"] != resourceAttrsVar || !strings.Contains(l["detail"].(string), resourceAttrsVar) {
						t.Errorf("warning does not name the variable: %v", l)
					}
					if len(raw) > 2048 {
						t.Errorf("warning is %d bytes, want at most 2048", len(raw))
					}
				case "otel_sdk_error":
					t.Errorf("the SDK's own report reached the log: %v", l)
				}
			}
			if warnings != 2 {
				t.Errorf("%d otelkit_config_warning lines for two Inits, want 2:\n%s", warnings, stdout.String())
			}
		})
	}
}

// startupChild sets OTEL_RESOURCE_ATTRIBUTES to what file holds and runs
// Init with and without the globals, both writing JSON on stdout.
func startupChild(t *testing.T, file string) {
	value, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(resourceAttrsVar, string(value))
	for _, opts := range [][]Option{nil, {WithoutGlobals()}} {
		all := append([]Option{WithTracesExporter("none"), WithMetricsExporter("none"),
			WithLogsExporter("none"), WithoutRuntimeMetrics()}, opts...)
		tel, err := Init(context.Background(), all...)
		if err != nil {
			t.Fatal(err)
		}
		if err := tel.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestResourceAttrsReport(t *testing.T) {
	cases := []struct {
		value     string
		malformed bool
		want      []string // substrings of the warning
	}{
		{"", false, nil},
		{"team=payments,region=eu%20west", false, nil},
		{" team = payments ", false, nil},
		{"team=payments,SECRETPAIR", true, []string{`applied 1 of 2 pairs (keys: "team")`, `skipped pair 2 (no "=")`}},
		{"SECRETPAIR", true, []string{"applied 0 of 1 pairs", `skipped pair 1 (no "=")`}},
		{"=SECRETVALUE,a=1", true, []string{`applied 1 of 2 pairs (keys: "a")`, "skipped pair 1 (empty key)"}},
		{"a=1,", true, []string{`applied 1 of 2 pairs`, `skipped pair 2 (no "=")`}},
		{"a=SECRETVALUE%zz,b=2", true, []string{`applied 2 of 2 pairs (keys: "a", "b")`, `applied as written, not percent-decoded: "a"`}},
		{"a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,SECRETPAIR", true, []string{`"h", … and 2 more)`}},
		{strings.Repeat("k", 500) + "=1,x", true, []string{`"` + strings.Repeat("k", maxKeyInWarn) + `…"`}},
	}
	for _, tc := range cases {
		got, malformed := resourceAttrsReport(tc.value)
		if malformed != tc.malformed {
			t.Errorf("%.40q: malformed = %v, want %v (%s)", tc.value, malformed, tc.malformed, got)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%.40q: warning %q lacks %q", tc.value, got, w)
			}
		}
		if strings.Contains(got, "SECRET") || strings.Contains(got, "ignored") {
			t.Errorf("%.40q: warning %q repeats a value or says ignored", tc.value, got)
		}
	}
	got, _ := resourceAttrsReport(tenThousandPairs())
	if len(got) > 1024 || !strings.Contains(got, "applied 5000 of 10000 pairs") || !strings.Contains(got, "… and 4992 more") {
		t.Errorf("10k pairs: %d bytes: %s", len(got), got)
	}
	if strings.Contains(got, "SECRET") {
		t.Errorf("10k pairs: a value is repeated: %s", got)
	}
}

// TestResourceAttrsReportMatchesSDK: the keys the warning says were applied
// are the keys the SDK's environment detector applies, with the values it
// decodes or keeps as written.
func TestResourceAttrsReportMatchesSDK(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "")
	values := []string{
		"a=1,b,c=3", "=x,a=1", " a = 1 , b=%zz ,c", "a=1,a=2,b", "a=1,,b=2", "k=v=w,x",
		"a=1,   ,b=2", "ä=1,b", "a=%41%zz,b=%41", "  =  ,x=1", "",
	}
	for _, v := range values {
		t.Setenv(resourceAttrsVar, v)
		reports := beginInitReports() // the SDK reports v's pairs; keep them off stderr
		res, _ := resource.New(context.Background(), resource.WithFromEnv())
		reports.end()
		sdk := map[string]string{}
		for _, kv := range res.Attributes() {
			sdk[string(kv.Key)] = kv.Value.AsString()
		}
		p := parseResourceAttrs(v)
		ours := map[string]bool{}
		for _, k := range p.applied {
			ours[k] = true
			if _, ok := sdk[k]; !ok {
				t.Errorf("%q: otelkit says %q was applied, the SDK did not apply it", v, k)
			}
		}
		for k := range sdk {
			if !ours[k] {
				t.Errorf("%q: the SDK applied %q, otelkit does not say so", v, k)
			}
		}
		for _, k := range p.undecoded {
			if _, err := url.PathUnescape(sdk[k]); err == nil {
				t.Errorf("%q: otelkit says %q was applied undecoded, the SDK decoded it to %q", v, k, sdk[k])
			}
		}
	}
}

// TestEnvResourceFromLookupMatchesSDK: the resource WithEnvLookup's
// variables give (envResource of a Source other than the process) is the
// one the SDK's environment detector makes of the same values, whitespace
// around an undecodable value included.
func TestEnvResourceFromLookupMatchesSDK(t *testing.T) {
	values := []string{
		"a=1,b,c=3", " a = 1 , b=%zz ,c", "a= x%zz ,b= %41 ", "a=1,a=2", "=x,a=1", "k=v=w",
		"a=%41%zz,b=%41", "service.name= spaced ",
	}
	for _, v := range values {
		for _, name := range []string{"", " svc "} {
			t.Setenv(resourceAttrsVar, v)
			t.Setenv("OTEL_SERVICE_NAME", name)
			reports := beginInitReports() // the SDK reports v's pairs; keep them off stderr
			sdk, _ := resource.New(context.Background(), resource.WithFromEnv())
			reports.end()
			ours, _ := envResource(context.Background(), env.FromMap(map[string]string{resourceAttrsVar: v, "OTEL_SERVICE_NAME": name}))
			if !ours.Equal(sdk) {
				t.Errorf("%q, OTEL_SERVICE_NAME %q: from a lookup %v, the SDK's %v", v, name,
					ours.Set().Encoded(attribute.DefaultEncoder()), sdk.Set().Encoded(attribute.DefaultEncoder()))
			}
		}
	}
}

// TestInitReportsReplay: what the SDK reports during Init is held and
// written through the new logger, the resource reports only when Init has
// not warned about the variable itself; with another Telemetry live, the
// rest goes to it at once.
func TestInitReportsReplay(t *testing.T) {
	out := &lineBuffer{}
	h := newRateLimitedHandler(newTestLogger(out), 0)

	r := beginInitReports()
	otel.Handle(errors.New("exporter boom"))
	otel.Handle(fmt.Errorf("wrapped: %w", resource.ErrPartialResource))
	if out.String() != "" {
		t.Fatalf("written before the replay: %s", out.String())
	}
	r.replay(h, nil, true)
	lines := out.lines(t)
	if len(lines) != 1 || lines[0]["msg"] != "otel_sdk_error" || lines[0]["error"] != "exporter boom" {
		t.Fatalf("replay wrote %v, want the exporter error only", lines)
	}

	out2 := &lineBuffer{}
	r = beginInitReports()
	otel.Handle(fmt.Errorf("wrapped: %w", resource.ErrPartialResource))
	r.replay(newRateLimitedHandler(newTestLogger(out2), 0), nil, false)
	if l := out2.lines(t); len(l) != 1 || !strings.Contains(l[0]["error"].(string), "partial resource") {
		t.Errorf("without Init's own warning the resource report must be written: %v", l)
	}

	// Another Telemetry is live: it gets all but the resource reports.
	live := &lineBuffer{}
	undo := installErrorHandler(newRateLimitedHandler(newTestLogger(live), 0), nil)
	defer undo()
	r = beginInitReports()
	otel.Handle(errors.New("live exporter boom"))
	otel.Handle(fmt.Errorf("wrapped: %w", resource.ErrPartialResource))
	r.replay(nil, nil, true)
	if l := live.lines(t); len(l) != 1 || l[0]["error"] != "live exporter boom" {
		t.Errorf("the live Telemetry got %v, want its exporter error only", l)
	}
}

// TestErrorsAfterShutdownNotDropped: once no Telemetry is live, SDK errors
// are written as OpenTelemetry's default handler writes them, not dropped.
func TestErrorsAfterShutdownNotDropped(t *testing.T) {
	clearEnv(t)
	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals())...)
	if err != nil {
		t.Fatal(err)
	}
	_ = tel.Shutdown(context.Background())
	otel.Handle(errors.New("late export failure to http://u:SECRETPW@collector"))
	if !strings.Contains(buf.String(), "late export failure") || strings.Contains(buf.String(), "SECRETPW") {
		t.Errorf("stderr got %q, want the error without its password", buf.String())
	}
}

func newTestLogger(out *lineBuffer) *zap.Logger {
	return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), out, zap.DebugLevel))
}
