package logging_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// What the profiles owe their vendors beyond the keys of profile_test.go,
// checked against the vendors' documentation (the links are in
// httpmw/profiles_test.go, which checks the same on a real request through
// otel.Init).

// datadogStatus is Datadog's log status remapper, as documented
// (https://docs.datadoghq.com/logs/log_configuration/processors/log_status_remapper/):
// strings beginning with emerg or f map to emerg, a to alert, c to
// critical, err to error, w to warning, n to notice, i to info, d, t, v,
// trace or verbose to debug, o or s (or OK, Success) to OK, all others to
// info.
func datadogStatus(s string) string {
	l := strings.ToLower(s)
	has := func(p ...string) bool {
		for _, x := range p {
			if strings.HasPrefix(l, x) {
				return true
			}
		}
		return false
	}
	switch {
	case has("emerg", "f"):
		return "emerg"
	case has("a"):
		return "alert"
	case has("c"):
		return "critical"
	case has("err"):
		return "error"
	case has("w"):
		return "warning"
	case has("n"):
		return "notice"
	case has("i"):
		return "info"
	case has("d", "t", "v"):
		return "debug"
	case has("o", "s"):
		return "ok"
	}
	return "info"
}

// Every zap level reaches Datadog as the severity it means. zap's own
// names would not: dpanic reads as debug, panic as info.
func TestProfileDatadogStatusRemapperReadsEveryLevel(t *testing.T) {
	if datadogStatus("dpanic") != "debug" || datadogStatus("panic") != "info" {
		t.Fatal("the remapper model no longer shows why zap's names are not used")
	}
	l, buf := newJSON(t, logging.WithProfile("datadog"), logging.WithLevel(zap.DebugLevel))
	want := map[zapcore.Level]string{
		zapcore.DebugLevel: "debug", zapcore.InfoLevel: "info", zapcore.WarnLevel: "warning",
		zapcore.ErrorLevel: "error", zapcore.DPanicLevel: "critical", zapcore.PanicLevel: "alert",
		zapcore.FatalLevel: "emerg",
	}
	for lvl := zapcore.DebugLevel; lvl <= zapcore.FatalLevel; lvl++ {
		func() {
			defer func() { _ = recover() }() // panic and the fatal hook below
			l.Zap().WithOptions(zap.WithFatalHook(zapcore.WriteThenPanic)).Log(lvl, "x")
		}()
		m := lastLine(t, buf)
		if got := datadogStatus(asString(m["status"])); got != want[lvl] {
			t.Errorf("%v is written %q, which Datadog reads as %s, want %s", lvl, m["status"], got, want[lvl])
		}
	}
}

func svcResource(kv ...attribute.KeyValue) logging.Option {
	return logging.WithResource(resource.NewSchemaless(kv...))
}

var fullService = svcResource(
	attribute.String("service.name", "checkout"),
	attribute.String("service.version", "1.4.2"),
	attribute.String("deployment.environment.name", "prod"),
)

// Each profile names the service of the resource on every line, with or
// without a span; the default profile names none.
func TestProfileServiceFields(t *testing.T) {
	cases := map[string]map[string]any{
		"datadog": {"dd.service": "checkout", "dd.version": "1.4.2", "dd.env": "prod"},
		"ecs": {"service.name": "checkout", "service.version": "1.4.2", "service.environment": "prod",
			"event.dataset": "checkout.log"},
		"gcp": {"logging.googleapis.com/labels": map[string]any{
			"service.name": "checkout", "service.version": "1.4.2", "deployment.environment.name": "prod"}},
	}
	for p, want := range cases {
		l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("shop"), fullService)
		l.Zap().Info("no_span")
		logging.FromContext(logging.NewContext(exampleSpan(), l.Zap())).Info("in_span")
		for _, line := range buf.Lines() {
			m := decode(t, line)
			for k, v := range want {
				if !equalJSON(m[k], v) {
					t.Errorf("%s: %s = %v, want %v\n%s", p, k, m[k], v, line)
				}
			}
		}
	}
	l, buf := newJSON(t, fullService)
	l.Zap().Info("x")
	if line := buf.Lines()[0]; strings.Contains(line, "checkout") {
		t.Errorf("default profile names the service: %s", line)
	}
}

// equalJSON compares decoded JSON values, objects by their members.
func equalJSON(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return a == b
	}
	if len(am) != len(bm) {
		return false
	}
	for k, v := range bm {
		if !equalJSON(am[k], v) {
			return false
		}
	}
	return true
}

// What the resource lacks is left out; deployment.environment (semantic
// conventions before 1.27) still names the environment; hostile values
// stay one JSON line.
func TestProfileServiceFieldsPartialAndHostile(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("datadog"),
		svcResource(attribute.String("service.name", "a\"b\n"), attribute.String("deployment.environment", "staging")))
	l.Zap().Info("x")
	m := decode(t, buf.Lines()[0])
	if m["dd.service"] != "a\"b\n" || m["dd.env"] != "staging" {
		t.Errorf("line %v", m)
	}
	if _, ok := m["dd.version"]; ok {
		t.Errorf("dd.version without a service.version: %v", m)
	}
	l, buf = newJSON(t, logging.WithProfile("gcp"), logging.WithGCPProject("p"), svcResource(attribute.Int("service.name", 3)))
	l.Zap().Info("x")
	if _, ok := decode(t, buf.Lines()[0])["logging.googleapis.com/labels"]; ok {
		t.Errorf("labels from a service.name that is not a string: %s", buf.Lines()[0])
	}
	l, buf = newJSON(t, logging.WithProfile("ecs"), svcResource(attribute.String("service.version", "2")))
	l.Zap().Info("x")
	m = decode(t, buf.Lines()[0])
	if m["service.version"] != "2" || m["event.dataset"] != nil || m["service.name"] != nil {
		t.Errorf("ecs line %v", m)
	}
}

// The gcp project comes from the option, then OTELKIT_GCP_PROJECT, then
// GOOGLE_CLOUD_PROJECT, then the resource when it is on GCP.
func TestProfileGCPProjectFromResource(t *testing.T) {
	onGCP := svcResource(attribute.String("cloud.provider", "gcp"), attribute.String("cloud.account.id", "res-proj"))
	_, sc := staticSpan(true)
	tid := sc.TraceID().String()
	cases := []struct {
		name string
		env  map[string]string
		opts []logging.Option
		want string
	}{
		{"resource on gcp", nil, []logging.Option{onGCP}, "projects/res-proj/traces/" + tid},
		{"env wins", map[string]string{"GOOGLE_CLOUD_PROJECT": "env-proj"}, []logging.Option{onGCP}, "projects/env-proj/traces/" + tid},
		{"option wins", nil, []logging.Option{onGCP, logging.WithGCPProject("opt-proj")}, "projects/opt-proj/traces/" + tid},
		{"other cloud", nil, []logging.Option{svcResource(attribute.String("cloud.provider", "aws"), attribute.String("cloud.account.id", "123"))}, tid},
		{"invalid id on the resource", nil, []logging.Option{svcResource(attribute.String("cloud.provider", "gcp"), attribute.String("cloud.account.id", "Bad Id"))}, tid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"OTELKIT_LOG_PROFILE": "gcp"}
			for k, v := range tc.env {
				env[k] = v
			}
			l, buf := newJSON(t, append([]logging.Option{logging.WithEnvLookup(envOf(env))}, tc.opts...)...)
			ctx, _ := staticSpan(true)
			logging.FromContext(logging.NewContext(ctx, l.Zap())).Info("x")
			if got := lastLine(t, buf)["logging.googleapis.com/trace"]; got != tc.want {
				t.Errorf("trace %v, want %v", got, tc.want)
			}
		})
	}
}

// Without a project the gcp trace field cannot link, and New says so,
// once; with one, or in another profile or format, it says nothing.
func TestProfileGCPWarnsWithoutProject(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("gcp"))
	lines := buf.Lines()
	if len(lines) != 1 {
		t.Fatalf("want one warning, got %q", lines)
	}
	m := decode(t, lines[0])
	if m["severity"] != "WARNING" || m["message"] != "otelkit_config_warning" || m["variable"] != "OTELKIT_GCP_PROJECT" ||
		!strings.Contains(m["detail"].(string), "GOOGLE_CLOUD_PROJECT") || !strings.Contains(m["detail"].(string), "cloud.account.id") {
		t.Errorf("warning %v", m)
	}
	logging.FromContext(logging.NewContext(context.Background(), l.Zap())).Info("x")
	if n := strings.Count(buf.String(), "otelkit_config_warning"); n != 1 {
		t.Errorf("%d warnings", n)
	}
	for _, opts := range [][]logging.Option{
		{logging.WithProfile("gcp"), logging.WithGCPProject("p")},
		{logging.WithProfile("gcp"), logging.WithEnvLookup(envOf(map[string]string{"GOOGLE_CLOUD_PROJECT": "p"}))},
		{logging.WithProfile("ecs")},
	} {
		if _, buf := newJSON(t, opts...); buf.String() != "" {
			t.Errorf("unexpected output: %s", buf.String())
		}
	}
	buf2 := &syncBuffer{}
	// The console has no profile, so no project warning (but one that the
	// profile has no effect: TestConsoleSaysAProfileHasNoEffect).
	if _, err := logging.New(logging.WithFormat("console"), logging.WithProfile("gcp"), logging.WithOutput(buf2), logging.WithEnvLookup(noEnv)); err != nil || strings.Contains(buf2.String(), "OTELKIT_GCP_PROJECT") {
		t.Errorf("console (no profile): %v %q", err, buf2.String())
	}
}

// Datadog's reserved attribute for a log's severity is status
// (https://docs.datadoghq.com/logs/log_configuration/attributes_naming_convention/,
// "Reserved attributes"). The line writes its level there, so a user's
// status field (an order's "failed", which the remapper reads as emerg)
// is renamed and cannot stand for the line's severity.
func TestProfileDatadogLevelIsTheStatusAttribute(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("datadog"))
	l.Zap().Info("order_updated", zap.String("status", "failed"))
	line := buf.Lines()[0]
	m := decode(t, line)
	if m["status"] != "info" || m["status_"] != "failed" {
		t.Fatalf("Datadog reads the severity %s from %s", datadogStatus(asString(m["status"])), line)
	}
	if _, ok := m["level"]; ok {
		t.Errorf("level written beside status: %s", line)
	}
}

// asString returns v when it is a string, else "".
func asString(v any) string { s, _ := v.(string); return s }

// Error Reporting captures a structured entry as an error event for sure
// only when its jsonPayload has @type ReportedErrorEvent: a stack trace in
// stack_trace counts only in a supported format, for Go the output of
// runtime.Stack, which zap's stack trace is not
// (https://cloud.google.com/error-reporting/docs/formatting-error-messages;
// ReportedErrorEvent.message in the Error Reporting API reference). So
// lines at error and above carry it, lines below do not, and a user's
// @type is renamed.
func TestProfileGCPErrorLinesAreErrorReportingEvents(t *testing.T) {
	const reported = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"
	l, buf := newJSON(t, logging.WithProfile("gcp"), logging.WithGCPProject("p"))
	l.Zap().Warn("w", zap.String("@type", "mine"))
	l.Zap().Error("e", zap.String("@type", "mine"))
	l.Zap().DPanic("c")
	lines := buf.Lines()
	for i, want := range []any{nil, reported, reported} {
		m := decode(t, lines[i])
		if m["@type"] != want {
			t.Errorf("%s line: @type = %v, want %v", m["severity"], m["@type"], want)
		}
	}
	if m := decode(t, lines[1]); m["@type_"] != "mine" {
		t.Errorf("user's @type not renamed: %s", lines[1])
	}
	for _, p := range []string{"default", "ecs", "datadog"} {
		l, buf := newJSON(t, logging.WithProfile(p))
		l.Zap().Error("e")
		if strings.Contains(buf.Lines()[0], "@type") {
			t.Errorf("%s writes @type: %s", p, buf.Lines()[0])
		}
	}
}

// Datadog's reserved attributes (https://docs.datadoghq.com/standard-attributes/,
// "Reserved"): host, service and source name the line's origin, trace_id
// the trace it belongs to. A user's field of one of those names would take
// their place, so the datadog profile renames it; other profiles keep it.
func TestProfileDatadogReservedAttributesRenamed(t *testing.T) {
	fields := []zap.Field{zap.String("host", "db-1"), zap.String("service", "billing"), zap.String("source", "cache"),
		zap.String("trace_id", "abc")}
	l, buf := newJSON(t, logging.WithProfile("datadog"))
	l.Zap().Info("fetched", fields...)
	m := decode(t, buf.Lines()[0])
	for _, k := range []string{"host", "service", "source", "trace_id"} {
		if _, ok := m[k]; ok || m[k+"_"] == nil {
			t.Errorf("datadog: %s not renamed: %v", k, m)
		}
	}
	l, buf = newJSON(t)
	l.Zap().Info("fetched", fields...)
	if m := decode(t, buf.Lines()[0]); m["host"] != "db-1" || m["source"] != "cache" {
		t.Errorf("default profile renamed them: %v", m)
	}
}
