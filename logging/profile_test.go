package logging_test

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

// profileLine writes one error line with a span, a request ID and an error
// through a logger with the given options and returns it.
func profileLine(t *testing.T, opts ...logging.Option) (string, map[string]any) {
	t.Helper()
	l, buf := newJSON(t, opts...)
	ctx, _ := staticSpan(true)
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "req-9"))
	logging.FromContext(ctx).Error("payment_failed", logging.Err(errors.New("card declined")), zap.Int("amount", 5))
	line := buf.Lines()[0]
	return line, decode(t, line)
}

func TestProfileDefault(t *testing.T) {
	_, m := profileLine(t, logging.WithProfile("default"))
	_, sc := staticSpan(true)
	for k, want := range map[string]any{
		"level": "error", "msg": "payment_failed", "trace_id": sc.TraceID().String(),
		"span_id": sc.SpanID().String(), "trace_flags": "01", "request_id": "req-9",
		"error": "card declined", "error_type": "*errors.errorString",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if _, ok := m["stacktrace"]; !ok {
		t.Error("no stacktrace")
	}
}

func TestProfileGCP(t *testing.T) {
	_, sc := staticSpan(true)
	line, m := profileLine(t, logging.WithProfile("gcp"), logging.WithGCPProject("shop-prod"))
	want := map[string]any{
		"severity":                             "ERROR",
		"message":                              "payment_failed",
		"logging.googleapis.com/trace":         "projects/shop-prod/traces/" + sc.TraceID().String(),
		"logging.googleapis.com/spanId":        sc.SpanID().String(),
		"logging.googleapis.com/trace_sampled": true,
		"request_id":                           "req-9",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	for _, k := range []string{"msg", "level", "trace_id", "span_id"} {
		if _, ok := m[k]; ok {
			t.Errorf("gcp line has %s: %s", k, line)
		}
	}
	loc, ok := m["logging.googleapis.com/sourceLocation"].(map[string]any)
	if !ok || !strings.HasSuffix(loc["file"].(string), "profile_test.go") || loc["line"] == "" || !strings.Contains(loc["function"].(string), "profileLine") {
		t.Errorf("sourceLocation = %v", m["logging.googleapis.com/sourceLocation"])
	}
	if _, ok := m["stack_trace"]; !ok {
		t.Error("gcp error line without stack_trace")
	}
}

func TestProfileGCPSeverities(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("gcp"), logging.WithLevel(zap.DebugLevel), logging.WithGCPProject("p"))
	l.Zap().Debug("d")
	l.Zap().Info("i")
	l.Zap().Warn("w")
	l.Zap().Error("e")
	l.Zap().DPanic("c") // development mode is off: no panic
	var got []string
	for _, line := range buf.Lines() {
		got = append(got, decode(t, line)["severity"].(string))
	}
	if strings.Join(got, ",") != "DEBUG,INFO,WARNING,ERROR,CRITICAL" {
		t.Fatalf("severities %v", got)
	}
}

func TestProfileGCPProjectFromEnv(t *testing.T) {
	_, sc := staticSpan(false)
	tid := sc.TraceID().String()
	cases := []struct {
		name string
		env  map[string]string
		opt  []logging.Option
		want string
	}{
		{"GOOGLE_CLOUD_PROJECT", map[string]string{"GOOGLE_CLOUD_PROJECT": "g-proj"}, nil, "projects/g-proj/traces/" + tid},
		{"OTELKIT_GCP_PROJECT wins", map[string]string{"GOOGLE_CLOUD_PROJECT": "g-proj", "OTELKIT_GCP_PROJECT": "o-proj"}, nil, "projects/o-proj/traces/" + tid},
		{"option wins", map[string]string{"OTELKIT_GCP_PROJECT": "o-proj"}, []logging.Option{logging.WithGCPProject("opt-proj")}, "projects/opt-proj/traces/" + tid},
		{"blank option: the variable", map[string]string{"OTELKIT_GCP_PROJECT": "o-proj"}, []logging.Option{logging.WithGCPProject("")}, "projects/o-proj/traces/" + tid},
		{"blank option: the one before", nil, []logging.Option{logging.WithGCPProject("opt-proj"), logging.WithGCPProject(" ")}, "projects/opt-proj/traces/" + tid},
		{"no project: bare trace id", nil, nil, tid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if env == nil {
				env = map[string]string{}
			}
			env["OTELKIT_LOG_PROFILE"] = "gcp"
			opts := append([]logging.Option{logging.WithEnvLookup(envOf(env))}, tc.opt...)
			l, buf := newJSON(t, opts...)
			ctx, _ := staticSpan(false)
			logging.FromContext(logging.NewContext(ctx, l.Zap())).Info("x")
			m := lastLine(t, buf)
			if m["logging.googleapis.com/trace"] != tc.want {
				t.Fatalf("trace = %v, want %v", m["logging.googleapis.com/trace"], tc.want)
			}
			if m["logging.googleapis.com/trace_sampled"] != false {
				t.Fatalf("trace_sampled = %v", m["logging.googleapis.com/trace_sampled"])
			}
		})
	}
}

func TestProfileECS(t *testing.T) {
	_, sc := staticSpan(true)
	line, m := profileLine(t, logging.WithProfile("ecs"))
	want := map[string]any{
		"log.level":       "error",
		"message":         "payment_failed",
		"trace.id":        sc.TraceID().String(),
		"span.id":         sc.SpanID().String(),
		"error.message":   "card declined",
		"error.type":      "*errors.errorString",
		"http.request.id": "req-9",
		"ecs.version":     "8.11.0",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if ks := keys(t, line); ks[0] != "@timestamp" {
		t.Errorf("first key %q, want @timestamp", ks[0])
	}
	for _, k := range []string{"msg", "level", "error", "error_type", "trace_id", "time"} {
		if _, ok := m[k]; ok {
			t.Errorf("ecs line has %s: %s", k, line)
		}
	}
	if _, ok := m["error.stack_trace"]; !ok {
		t.Error("ecs error line without error.stack_trace")
	}
	if !strings.HasSuffix(m["log.origin.file.name"].(string), "profile_test.go") {
		t.Errorf("log.origin.file.name = %v", m["log.origin.file.name"])
	}
}

func TestProfileECSRenamesBoundAndZapErrors(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("ecs"))
	l.Zap().With(logging.Err(errors.New("bound"))).Info("a")
	l.Zap().Info("b", zap.Error(errors.New("zap err")))
	lines := buf.Lines()
	a, b := decode(t, lines[0]), decode(t, lines[1])
	if a["error.message"] != "bound" || b["error.message"] != "zap err" || b["error.type"] != "*errors.errorString" {
		t.Fatalf("ecs errors: %v / %v", a, b)
	}
}

func TestProfileDatadog(t *testing.T) {
	_, sc := staticSpan(true)
	line, m := profileLine(t, logging.WithProfile("datadog"))
	tid, sid := sc.TraceID(), sc.SpanID()
	wantTrace := strconv.FormatUint(binary.BigEndian.Uint64(tid[8:]), 10)
	wantSpan := strconv.FormatUint(binary.BigEndian.Uint64(sid[:]), 10)
	if m["dd.trace_id"] != wantTrace || m["dd.span_id"] != wantSpan {
		t.Fatalf("dd ids = %v/%v, want %s/%s", m["dd.trace_id"], m["dd.span_id"], wantTrace, wantSpan)
	}
	// Hand-checked value: low 64 bits a3ce929d0e0e4736 of the trace ID.
	if wantTrace != "11803532876627986230" {
		t.Fatalf("reference value changed: %s", wantTrace)
	}
	// Datadog's standard attribute for the request ID.
	if m["message"] != "payment_failed" || m["status"] != "error" || m["http.request_id"] != "req-9" {
		t.Fatalf("datadog line: %s", line)
	}
	// Datadog's standard error attributes.
	if m["error.message"] != "card declined" || m["error.kind"] != "*errors.errorString" || m["error.stack"] == nil {
		t.Fatalf("datadog error attributes: %s", line)
	}
}

func TestProfileFromEnvAndInvalid(t *testing.T) {
	l, buf := newJSON(t, logging.WithEnvLookup(envOf(map[string]string{"OTELKIT_LOG_PROFILE": "ECS"})))
	l.Zap().Info("x")
	if _, ok := lastLine(t, buf)["@timestamp"]; !ok {
		t.Fatal("OTELKIT_LOG_PROFILE=ECS not applied")
	}
	_, err := logging.New(logging.WithProfile("splunk"))
	if err == nil || !strings.Contains(err.Error(), "splunk") || !strings.Contains(err.Error(), "datadog") {
		t.Fatalf("invalid profile option: %v", err)
	}
}

func TestProfileWithoutSpanWritesNoTraceKeys(t *testing.T) {
	for _, p := range []string{"default", "gcp", "ecs", "datadog"} {
		l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("p"))
		logging.FromContext(logging.NewContext(context.Background(), l.Zap())).Info("x")
		line := buf.Lines()[0]
		for _, k := range []string{"trace", "span"} {
			if strings.Contains(line, k) {
				t.Errorf("%s: %q in a line without span: %s", p, k, line)
			}
		}
	}
}

func TestProfileLoggerNameKey(t *testing.T) {
	for p, key := range map[string]string{"default": "logger", "gcp": "logger", "ecs": "log.logger", "datadog": "logger.name"} {
		l, buf := newJSON(t, logging.WithProfile(p))
		l.Zap().Named("db").Info("x")
		if got := lastLine(t, buf)[key]; got != "db" {
			t.Errorf("%s: %s = %v", p, key, got)
		}
	}
}
