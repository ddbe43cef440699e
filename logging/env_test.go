package logging_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/logging"
)

func TestEnvInvalidValuesAreErrors(t *testing.T) {
	cases := []struct{ name, val, allowed string }{
		{"OTELKIT_LOG_FORMAT", "xml", "json, console"},
		{"OTELKIT_LOG_LEVEL", "verbose", "debug, info, warn, error"},
		{"OTELKIT_LOG_PROFILE", "splunk", "default, gcp, ecs, datadog"},
		{"OTELKIT_GCP_PROJECT", "Bad Project!", "lowercase"},
		{"GOOGLE_CLOUD_PROJECT", "my_project", "lowercase"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := logging.New(logging.WithOutput(&syncBuffer{}), logging.WithEnvLookup(envOf(map[string]string{tc.name: tc.val})))
			if err == nil {
				t.Fatal("no error")
			}
			var ee *env.Error
			if !errors.As(err, &ee) || ee.Var != tc.name {
				t.Fatalf("error does not name the variable: %v", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.name) || !strings.Contains(msg, tc.val) || !strings.Contains(msg, tc.allowed) {
				t.Fatalf("error %q must name %s, %q and %q", msg, tc.name, tc.val, tc.allowed)
			}
		})
	}
}

func TestInvalidOptionsAreErrors(t *testing.T) {
	cases := []struct {
		opt  logging.Option
		want string
	}{
		{logging.WithFormat("yaml"), "yaml"},
		{logging.WithLevel(zapcore.Level(42)), "42"},
		{logging.WithLevel(zapcore.InvalidLevel), "allowed"},
		{logging.WithProfile("splunk"), "splunk"},
		{logging.WithGCPProject("UPPER case"), "UPPER case"},
	}
	for _, tc := range cases {
		_, err := logging.New(logging.WithOutput(&syncBuffer{}), logging.WithEnvLookup(noEnv), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "allowed") {
			t.Errorf("want an error naming %q and what is allowed, got %v", tc.want, err)
		}
	}
}

func TestOptionsWinOverEnv(t *testing.T) {
	env := envOf(map[string]string{"OTELKIT_LOG_FORMAT": "console", "OTELKIT_LOG_LEVEL": "error", "OTELKIT_LOG_PROFILE": "gcp"})
	buf := &syncBuffer{}
	l, err := logging.New(logging.WithEnvLookup(env), logging.WithOutput(buf),
		logging.WithFormat("json"), logging.WithLevel(zapcore.DebugLevel), logging.WithProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	l.Zap().Debug("dbg")
	m := lastLine(t, buf)
	if m["msg"] != "dbg" || m["level"] != "debug" {
		t.Fatalf("options did not win: %v", m)
	}
}

func TestEnvApplies(t *testing.T) {
	buf := &syncBuffer{}
	l, err := logging.New(logging.WithOutput(buf), logging.WithEnvLookup(envOf(map[string]string{
		"OTELKIT_LOG_FORMAT": " JSON ", "OTELKIT_LOG_LEVEL": "warn",
	})))
	if err != nil {
		t.Fatal(err)
	}
	if l.Level() != zapcore.WarnLevel {
		t.Fatalf("level %v", l.Level())
	}
	l.Zap().Info("dropped")
	l.Zap().Warn("kept")
	lines := buf.Lines()
	if len(lines) != 1 || decode(t, lines[0])["msg"] != "kept" {
		t.Fatalf("lines %q", lines)
	}
}

func TestDefaults(t *testing.T) {
	buf := &syncBuffer{}
	l, err := logging.New(logging.WithOutput(buf), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	if l.Level() != zapcore.InfoLevel {
		t.Fatalf("default level %v", l.Level())
	}
	l.Zap().Debug("dropped")
	l.Zap().Info("kept", zap.Int("n", 1))
	lines := buf.Lines()
	// Not a terminal: JSON.
	if len(lines) != 1 || decode(t, lines[0])["msg"] != "kept" {
		t.Fatalf("lines %q", lines)
	}
}

func TestDefaultFormatOnAFileIsJSON(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := logging.New(logging.WithOutput(f), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	l.Zap().Info("to_file")
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(f.Name())
	decode(t, strings.TrimSpace(string(b)))
}

func TestWithEnvLookupNilMeansOS(t *testing.T) {
	t.Setenv("OTELKIT_LOG_LEVEL", "bogus")
	_, err := logging.New(logging.WithEnvLookup(nil), logging.WithOutput(&syncBuffer{}))
	if err == nil || !strings.Contains(err.Error(), "OTELKIT_LOG_LEVEL") {
		t.Fatalf("os environment not read: %v", err)
	}
}

// An option given a blank value is as if not given, as an empty variable
// is: the variable applies (the GCP project: TestProfileGCPProjectFromEnv).
func TestBlankOptionsAreNotGiven(t *testing.T) {
	buf := &syncBuffer{}
	l, err := logging.New(logging.WithEnvLookup(envOf(map[string]string{"OTELKIT_LOG_FORMAT": "console"})),
		logging.WithOutput(buf), logging.WithFormat(""))
	if err != nil {
		t.Fatal(err)
	}
	l.Zap().Info("blank_format")
	if out := buf.String(); !strings.Contains(out, "blank_format") || strings.HasPrefix(out, "{") {
		t.Errorf("WithFormat(\"\") did not leave OTELKIT_LOG_FORMAT=console: %q", out)
	}
	l, buf = newJSON(t, logging.WithEnvLookup(envOf(map[string]string{"OTELKIT_LOG_PROFILE": "gcp"})), logging.WithProfile(" "))
	l.Zap().Info("blank_profile")
	if m := lastLine(t, buf); m["message"] != "blank_profile" {
		t.Errorf("WithProfile(\" \") did not leave OTELKIT_LOG_PROFILE=gcp: %v", m)
	}
}
