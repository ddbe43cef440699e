package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/internal/testkit/syspkg"
	"github.com/otelkit/otelkit/otel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// repo is the repository root (tests run in their package directory).
func repo(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stackFile is the path of a file of examples/stack, the directory that
// holds what docker-compose.yaml mounts.
func stackFile(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(repo(t), "examples", "stack", name)
}

// report mirrors the JSON that internal/testkit/composecheck prints.
type report struct {
	Services []service `json:"services"`
	Grafana  *struct {
		DataSources []struct {
			Name, Type, UID, URL string
		} `json:"datasources"`
		DashboardPaths []string `json:"dashboard_paths"`
		Dashboards     []struct {
			File, UID, Title string
			Panels           int
		} `json:"dashboards"`
		References []struct {
			File, Where, UID, Type string
		} `json:"references"`
	} `json:"grafana"`
	Problems []string `json:"problems"`
}

type service struct {
	Name  string `json:"name"`
	Image string `json:"image"`
	Build *struct {
		Context, Dockerfile string
		Args                map[string]string
	} `json:"build"`
	Command     []string          `json:"command"`
	Environment map[string]string `json:"environment"`
	Ports       []struct {
		HostIP    string `json:"host_ip"`
		Published string `json:"published"`
		Target    uint32 `json:"target"`
	} `json:"ports"`
	Binds []struct {
		Source   string `json:"source"`
		Target   string `json:"target"`
		ReadOnly bool   `json:"read_only"`
	} `json:"binds"`
	DependsOn []string `json:"depends_on"`
}

var tool struct {
	once sync.Once
	path string
	err  error
}

// composecheck builds internal/testkit/composecheck (its own module, so that
// compose-go and a YAML parser stay out of the root module) once per test
// binary and returns its path.
func composecheck(t *testing.T) string {
	t.Helper()
	tool.once.Do(func() {
		dir, err := os.MkdirTemp("", "otelkit-composecheck-")
		if err != nil {
			tool.err = err
			return
		}
		// The binary outlives single tests; the OS cleans the temp dir.
		tool.path = filepath.Join(dir, "composecheck")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", tool.path, ".")
		cmd.Dir = filepath.Join(repo(t), "internal", "testkit", "composecheck")
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			tool.err = fmt.Errorf("build internal/testkit/composecheck: %v\n%s", err, out)
		}
	})
	if tool.err != nil {
		t.Fatal(tool.err)
	}
	return tool.path
}

// runCheck runs composecheck with args and returns its report, its stderr
// and whether it passed.
func runCheck(t *testing.T, args ...string) (report, string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, composecheck(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var rep report
	if stdout.Len() > 0 {
		if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
			t.Fatalf("composecheck printed no valid JSON (%v): %s\nstderr: %s", jerr, stdout.String(), stderr.String())
		}
	}
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("run composecheck: %v", err)
		}
	}
	return rep, stderr.String(), err == nil
}

// stack loads the repository's docker-compose.yaml and Grafana files.
func stack(t *testing.T) report {
	t.Helper()
	root := repo(t)
	rep, stderr, ok := runCheck(t,
		"-compose", filepath.Join(root, "docker-compose.yaml"),
		"-grafana-provisioning", filepath.Join(root, "examples", "stack", "grafana", "provisioning"),
		"-grafana-dashboards", filepath.Join(root, "examples", "stack", "grafana", "dashboards"))
	if !ok {
		t.Fatalf("composecheck rejects the stack:\n%s", stderr)
	}
	return rep
}

func (r report) service(t *testing.T, name string) service {
	t.Helper()
	for _, s := range r.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("docker-compose.yaml has no service %q", name)
	return service{}
}

// bindSource returns the host file mounted at target in s.
func (s service) bindSource(t *testing.T, target string) string {
	t.Helper()
	for _, b := range s.Binds {
		if b.Target == target {
			return b.Source
		}
	}
	t.Fatalf("service %s mounts nothing at %s (binds: %+v)", s.Name, target, s.Binds)
	return ""
}

// flagValue returns the value of -name=value or --name=value in args.
func flagValue(args []string, name string) string {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

const collectorConfig = "otel-collector.yaml"

func TestCollectorConfigValidates(t *testing.T) {
	rep := stack(t)
	col := rep.service(t, "otel-collector")
	if want := ":" + strings.TrimPrefix(collector.BuilderVersion, "v"); !strings.HasSuffix(col.Image, want) {
		t.Errorf("collector image = %s, want the version the test collector is built at (%s)", col.Image, collector.BuilderVersion)
	}
	target := flagValue(col.Command, "config")
	if target == "" {
		t.Fatalf("otel-collector command %q has no --config", col.Command)
	}
	src := col.bindSource(t, target)
	if want := stackFile(t, collectorConfig); src != want {
		t.Errorf("compose mounts %s as the collector config, the test validates %s", src, want)
	}
	if err := collector.Validate(t, src); err != nil {
		t.Error(err)
	}

	// Every exporter endpoint names a service of the compose file.
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\s*(?:endpoint|metrics_endpoint|logs_endpoint|traces_endpoint):\s*(\S+)`)
	matches := re.FindAllStringSubmatch(string(data), -1)
	if len(matches) < 5 {
		t.Fatalf("found %d endpoints in %s, want the 2 receivers and 3 exporters", len(matches), src)
	}
	for _, m := range matches {
		host := m[1]
		if u, err := url.Parse(host); err == nil && u.Host != "" {
			host = u.Host
		}
		host = host[:strings.LastIndex(host, ":")]
		if host == "0.0.0.0" {
			continue
		}
		rep.service(t, host)
	}
}

func TestCollectorConfigRejectsUnknownComponents(t *testing.T) {
	// The contrib image has far more components than the test collector;
	// this shows that validate would catch one the test collector lacks.
	data, err := os.ReadFile(stackFile(t, collectorConfig))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "  otlp_grpc/jaeger:", "  zipkin/jaeger:", 1)
	bad = strings.Replace(bad, "[otlp_grpc/jaeger, debug]", "[zipkin/jaeger, debug]", 1)
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := collector.Validate(t, p); err == nil || !strings.Contains(err.Error(), "zipkin") {
		t.Errorf("Validate(config with a zipkin exporter) = %v, want an error naming zipkin", err)
	}
}

func TestPrometheusConfig(t *testing.T) {
	promtool := syspkg.LookPathOrInstall(t, "promtool", "prometheus")
	rep := stack(t)
	prom := rep.service(t, "prometheus")
	target := flagValue(prom.Command, "config.file")
	src := prom.bindSource(t, target)
	if want := stackFile(t, "prometheus.yml"); src != want {
		t.Errorf("compose mounts %s as the Prometheus config, the test checks %s", src, want)
	}
	for _, flag := range []string{"--web.enable-otlp-receiver", "--enable-feature=exemplar-storage"} {
		if !slices.Contains(prom.Command, flag) {
			t.Errorf("prometheus command %q lacks %s", prom.Command, flag)
		}
	}

	check := func(path string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, promtool, "check", "config", path).CombinedOutput()
		return string(out), err
	}
	if out, err := check(src); err != nil {
		t.Errorf("promtool check config %s: %v\n%s", src, err, out)
	}
	bad := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(bad, []byte("global:\n  scrape_interval: fifteen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := check(bad); err == nil {
		t.Errorf("promtool accepted a bad config:\n%s", out)
	}
}

func TestComposeFile(t *testing.T) {
	rep := stack(t)
	root := repo(t)

	var names []string
	for _, s := range rep.Services {
		names = append(names, s.Name)
	}
	want := []string{"grafana", "jaeger", "loki", "otel-collector", "prometheus", "quickstart", "twoservices-backend", "twoservices-frontend"}
	if !slices.Equal(names, want) {
		t.Errorf("services = %v, want %v", names, want)
	}

	var published []string
	for _, s := range rep.Services {
		for _, p := range s.Ports {
			if p.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s on %q; bind published ports to 127.0.0.1", s.Name, p.Published, p.HostIP)
			}
			published = append(published, fmt.Sprintf("%s:%s->%d", s.Name, p.Published, p.Target))
		}
		for _, b := range s.Binds {
			if !b.ReadOnly {
				t.Errorf("%s mounts %s writable", s.Name, b.Source)
			}
			if rel, err := filepath.Rel(root, b.Source); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s mounts %s from outside the repository", s.Name, b.Source)
			}
			if _, err := os.Stat(b.Source); err != nil {
				t.Errorf("%s mounts a missing file: %v", s.Name, err)
			}
		}
		if s.Build == nil && s.Image == "" {
			t.Errorf("%s has neither image nor build", s.Name)
		}
	}
	sort.Strings(published)
	wantPorts := []string{"grafana:3000->3000", "jaeger:16686->16686", "otel-collector:4317->4317",
		"otel-collector:4318->4318", "prometheus:9090->9090", "quickstart:8080->8080", "twoservices-frontend:8081->8081"}
	if !slices.Equal(published, wantPorts) {
		t.Errorf("published ports = %v, want %v (document any change in examples/stack/README.md)", published, wantPorts)
	}

	for _, name := range []string{"quickstart", "twoservices-backend", "twoservices-frontend"} {
		t.Run(name, func(t *testing.T) {
			s := rep.service(t, name)
			if s.Build == nil {
				t.Fatalf("%s is not built from this repository", name)
			}
			if s.Build.Context != root {
				t.Errorf("build context = %s, want the repository root", s.Build.Context)
			}
			dockerfile, err := os.ReadFile(filepath.Join(s.Build.Context, s.Build.Dockerfile))
			if err != nil {
				t.Errorf("Dockerfile: %v", err)
			}
			for arg := range s.Build.Args {
				if !regexp.MustCompile(`(?m)^ARG ` + regexp.QuoteMeta(arg) + `(=|$)`).Match(dockerfile) {
					t.Errorf("build arg %s has no ARG line in %s", arg, s.Build.Dockerfile)
				}
			}
			if s.Environment[otel.EnvConfigFile] != "" {
				checkOtelkitFile(t, s, name) // configfile_test.go
			} else {
				checkOTLPEnvironment(t, s, name)
			}
			if !slices.Contains(s.DependsOn, "otel-collector") {
				t.Errorf("depends_on = %v, want otel-collector", s.DependsOn)
			}
			example := s.Build.Args["EXAMPLE"]
			if example == "" {
				t.Fatal("no EXAMPLE build arg")
			}
			if _, err := os.Stat(filepath.Join(root, "examples", example)); err != nil {
				t.Skipf("examples/%s is not in this tree yet, so the build target and its flags cannot be checked: %v", example, err)
			}
			checkExampleFlags(t, root, example, s.Command)
		})
	}
}

// checkOTLPEnvironment checks a service configured by OTEL_* variables:
// it exports to the collector's OTLP/HTTP port under its own name.
func checkOTLPEnvironment(t *testing.T, s service, name string) {
	t.Helper()
	u, err := url.Parse(s.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
	if err != nil || u.Scheme != "http" || u.Host != "otel-collector:4318" {
		t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT = %q, want http://otel-collector:4318", s.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
	}
	if p := s.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"]; p != "http/protobuf" {
		t.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL = %q, want http/protobuf for port 4318", p)
	}
	if s.Environment["OTEL_SERVICE_NAME"] != name {
		t.Errorf("OTEL_SERVICE_NAME = %q, want %q", s.Environment["OTEL_SERVICE_NAME"], name)
	}
}

var examples sync.Map // example name -> built binary path

// exampleBinary builds ./examples/<name> (as the Dockerfile does), once per
// test binary, and returns its path.
func exampleBinary(t *testing.T, root, name string) string {
	t.Helper()
	if bin, ok := examples.Load(name); ok {
		return bin.(string)
	}
	dir, err := os.MkdirTemp("", "otelkit-example-")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name) // shared by tests; the OS cleans the temp dir
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", p, "./examples/"+name)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/%s: %v\n%s", name, err, out)
	}
	examples.Store(name, p)
	return p
}

// checkExampleFlags checks that the -h output of ./examples/<name> lists
// every flag that docker-compose.yaml passes.
func checkExampleFlags(t *testing.T, root, name string, args []string) {
	t.Helper()
	bin := exampleBinary(t, root, name)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Go's flag package prints the usage on -h and exits 0 or 2.
	out, _ := exec.CommandContext(ctx, bin, "-h").CombinedOutput()
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		flag, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(flag) + `\b`).Match(out) {
			t.Errorf("docker-compose.yaml runs examples/%s with -%s, which its -h output does not list:\n%s", name, flag, out)
		}
	}
}

func TestGrafanaProvisioning(t *testing.T) {
	rep := stack(t)
	g := rep.Grafana
	if g == nil {
		t.Fatal("no Grafana report")
	}
	types := map[string]string{}
	for _, d := range g.DataSources {
		types[d.Type] = d.UID
		u, err := url.Parse(d.URL)
		if err != nil || u.Hostname() == "" {
			t.Errorf("data source %s: url %q", d.Name, d.URL)
			continue
		}
		rep.service(t, u.Hostname()) // the URL names a compose service
	}
	for _, typ := range []string{"prometheus", "jaeger", "loki"} {
		if types[typ] == "" {
			t.Errorf("no %s data source", typ)
		}
	}

	// The three links the stack promises.
	links := map[string]string{
		"exemplar -> trace":  ".jsonData.exemplarTraceIdDestinations[0].datasourceUid",
		"log line -> trace":  ".jsonData.derivedFields[0].datasourceUid",
		"trace -> its logs":  ".jsonData.tracesToLogsV2.datasourceUid",
		"trace -> its rates": ".jsonData.tracesToMetrics.datasourceUid",
	}
	wantUID := map[string]string{
		"exemplar -> trace": types["jaeger"], "log line -> trace": types["jaeger"],
		"trace -> its logs": types["loki"], "trace -> its rates": types["prometheus"],
	}
	for link, suffix := range links {
		found := false
		for _, r := range g.References {
			if strings.HasSuffix(r.Where, suffix) && r.UID == wantUID[link] {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s link (%s = %s)", link, suffix, wantUID[link])
		}
	}

	graf := rep.service(t, "grafana")
	dashDir := graf.bindSource(t, "/var/lib/grafana/dashboards")
	if !slices.Equal(g.DashboardPaths, []string{"/var/lib/grafana/dashboards"}) {
		t.Errorf("dashboard provider paths = %v, want the dashboards mount /var/lib/grafana/dashboards", g.DashboardPaths)
	}
	graf.bindSource(t, "/etc/grafana/provisioning")
	home, ok := strings.CutPrefix(graf.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"], "/var/lib/grafana/dashboards/")
	if !ok {
		t.Errorf("home dashboard %q is not under the dashboards mount", graf.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"])
	} else if _, err := os.Stat(filepath.Join(dashDir, home)); err != nil {
		t.Errorf("home dashboard: %v", err)
	}

	// The RED dashboard: rate, errors and duration, each by route.
	data, err := os.ReadFile(filepath.Join(dashDir, "red.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct {
				Expr     string
				Exemplar bool
			}
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	var red []string
	exemplars := false
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exemplars = exemplars || tg.Exemplar
			if strings.Contains(tg.Expr, "http_server_request_duration_seconds") {
				if !strings.Contains(tg.Expr, "by (http_route)") && !strings.Contains(tg.Expr, "by (le, http_route)") {
					t.Errorf("panel %q: %s is not by http_route", p.Title, tg.Expr)
				}
				red = append(red, p.Title)
			}
		}
	}
	for _, w := range []string{"Rate", "Errors", "Duration"} {
		if !slices.ContainsFunc(red, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Errorf("no %s panel on http_server_request_duration_seconds (panels: %v)", w, red)
		}
	}
	if !exemplars {
		t.Error("no panel shows exemplars")
	}
}

// TestChecksCatchMistakes feeds composecheck broken copies, so that a
// passing TestComposeFile and TestGrafanaProvisioning mean something.
func TestChecksCatchMistakes(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const ds = `apiVersion: 1
datasources:
  - name: Prometheus
    type: prometheus
    uid: prom
    url: "http://prometheus:9090"
`
	for _, tc := range []struct {
		name  string
		files map[string]string
		args  []string
		want  string
	}{
		{"unpinned image", map[string]string{"c.yaml": "services:\n  a:\n    image: grafana/grafana\n"},
			[]string{"-compose", "c.yaml"}, `"grafana/grafana" has no version tag`},
		{"latest image", map[string]string{"c.yaml": "services:\n  a:\n    image: prom/prometheus:latest\n"},
			[]string{"-compose", "c.yaml"}, "not pinned"},
		{"compose schema", map[string]string{"c.yaml": "services:\n  a:\n    image: x:1\n    portz: [1]\n"},
			[]string{"-compose", "c.yaml"}, "portz"},
		{"compose depends on a missing service", map[string]string{"c.yaml": "services:\n  a:\n    image: x:1\n    depends_on: [b]\n"},
			[]string{"-compose", "c.yaml"}, `undefined service "b"`},
		{"missing uid", map[string]string{"p/datasources/d.yaml": ds + "    jsonData:\n      exemplarTraceIdDestinations: [{name: trace_id, datasourceUid: tempo}]\n"},
			[]string{"-grafana-provisioning", "p"}, `uid "tempo", which no data source has`},
		{"duplicate uid", map[string]string{"p/datasources/d.yaml": ds + "  - {name: P2, type: prometheus, uid: prom, url: x}\n"},
			[]string{"-grafana-provisioning", "p"}, `uid "prom" defined twice`},
		{"unescaped dollar", map[string]string{"p/datasources/d.yaml": ds + "    jsonData:\n      derivedFields: [{name: t, datasourceUid: prom, url: '${__value.raw}'}]\n"},
			[]string{"-grafana-provisioning", "p"}, "write $$"},
		{"dashboard with unknown uid", map[string]string{"p/datasources/d.yaml": ds,
			"dash/x.json": `{"uid":"x","title":"X","panels":[{"datasource":{"type":"loki","uid":"logs"}}]}`},
			[]string{"-grafana-provisioning", "p", "-grafana-dashboards", "dash"}, `uid "logs"`},
		{"dashboard with wrong type", map[string]string{"p/datasources/d.yaml": ds,
			"dash/x.json": `{"uid":"x","title":"X","panels":[{"datasource":{"type":"loki","uid":"prom"}}]}`},
			[]string{"-grafana-provisioning", "p", "-grafana-dashboards", "dash"}, `as type "loki"`},
		{"bad yaml", map[string]string{"p/datasources/d.yaml": "datasources: [\n"},
			[]string{"-grafana-provisioning", "p"}, "d.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			for rel, body := range tc.files {
				write(filepath.Join(filepath.Base(sub), rel), body)
			}
			args := slices.Clone(tc.args)
			for i := 1; i < len(args); i += 2 {
				args[i] = filepath.Join(sub, args[i])
			}
			_, stderr, ok := runCheck(t, args...)
			if ok {
				t.Fatalf("composecheck accepted it")
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %s\nwant it to mention %q", stderr, tc.want)
			}
		})
	}
}
