package binsize

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// notLinked are the modules the minimal program must not link: host
// metrics (gopsutil and its modules, the host instrumentation) are opt-in
// through metrics/hostmetrics; autoexport is what otelkit replaces. The AWS
// propagators' module, deprecated upstream, is not among them: contrib's
// otelconf (the configuration file's schema, otel/internal/declconf) links it
// through autoprop, which no otelkit package imports (checked in
// internal/testkit/layering).
var notLinked = []string{
	"github.com/shirou/gopsutil",
	"github.com/tklauser/go-sysconf",
	"github.com/tklauser/numcpus",
	"github.com/yusufpapurcu/wmi",
	"github.com/lufia/plan9stats",
	"github.com/power-devops/perfstat",
	"go.opentelemetry.io/contrib/instrumentation/host",
	"go.opentelemetry.io/contrib/exporters/autoexport",
}

// TestMinimalProgram: the minimal otelkit program links otelkit and none
// of notLinked, and when it runs it writes the handler's line and the
// access line, both with the request's trace and request ID.
func TestMinimalProgram(t *testing.T) {
	r := loadRepo(t)
	bin := r.build(t, "otelkit")
	b := inspect(t, bin)
	for _, want := range []string{module, "go.uber.org/zap", "go.opentelemetry.io/otel/sdk"} {
		if _, ok := b.modules[want]; !ok {
			t.Errorf("the minimal program does not link %s: go version -m is not read right", want)
		}
	}
	for m := range b.modules {
		for _, bad := range notLinked {
			if m == bad || strings.HasPrefix(m, bad+"/") {
				t.Errorf("the minimal program links %s", m)
			}
		}
	}
	checkRun(t, bin)
}

// checkRun runs the minimal program with every exporter off and checks
// its two lines.
func checkRun(t *testing.T, bin string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = []string{"OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none", "OTELKIT_LOG_FORMAT=json"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("minimal program: %v\n%s", err, stderr.String())
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	var traces []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		if line["msg"] != "order_loaded" && line["msg"] != "http_request" {
			continue
		}
		tid, _ := line["trace_id"].(string)
		rid, _ := line["request_id"].(string)
		if !hex32.MatchString(tid) || rid == "" {
			t.Errorf("line without trace or request ID: %q", sc.Text())
		}
		traces = append(traces, fmt.Sprint(line["msg"], " ", tid))
	}
	if len(traces) != 2 || strings.Fields(traces[0])[1] != strings.Fields(traces[1])[1] {
		t.Errorf("want order_loaded and http_request with one trace ID, got %q; output:\n%s", traces, out)
	}
}

// TestFigures prints the table of README figures: modules linked and
// binary size of the minimal program against the hand-wired one and the
// one with autoexport. Nothing about them is asserted but that each
// program linked something.
func TestFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs")
	}
	r := loadRepo(t)
	names := []string{"otelkit", "handwired", "autoexport"}
	bins := map[string]binary{}
	for _, n := range names {
		bins[n] = inspect(t, r.build(t, n))
	}
	base := bins["otelkit"]
	var tab strings.Builder
	fmt.Fprintf(&tab, "\n| program | modules linked | binary size |\n|---|---|---|\n")
	for _, n := range names {
		b := bins[n]
		fmt.Fprintf(&tab, "| %s | %d | %.1f MB |\n", n, len(b.modules), float64(b.size)/1e6)
	}
	for _, n := range names[1:] {
		fmt.Fprintf(&tab, "\notelkit against %s: %+d modules, %+.1f MB; only otelkit links: %s\n", n,
			len(base.modules)-len(bins[n].modules), float64(base.size-bins[n].size)/1e6,
			strings.Join(onlyIn(base, bins[n]), ", "))
	}
	t.Log(tab.String())
}

// onlyIn lists the modules a links and b does not.
func onlyIn(a, b binary) []string {
	var v []string
	for m := range a.modules {
		if _, ok := b.modules[m]; !ok {
			v = append(v, m)
		}
	}
	slices.Sort(v)
	return v
}

// TestPinnedAtOtelhttpRelease: autoexport is pinned at the contrib release
// of the otelhttp in go.mod, so that the programs compared link one
// release of OpenTelemetry.
func TestPinnedAtOtelhttpRelease(t *testing.T) {
	r := loadRepo(t)
	want := r.versions["go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"]
	if want == "" {
		t.Fatal("otelhttp is not in the build list")
	}
	for m, v := range pinned {
		if v != want {
			t.Errorf("%s pinned at %s; otelhttp is at %s", m, v, want)
		}
	}
}
