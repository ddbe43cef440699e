package logging_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

func TestPanickingErrorOnRecordingSpan(t *testing.T) {
	tp, rec := newTracer(t)
	l, buf := newJSON(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "op")
	var nilPtr *typedErr
	logging.FromContext(logging.NewContext(ctx, l.Zap())).Error("failed", logging.Err(panicErr{}))
	logging.FromContext(logging.NewContext(ctx, l.Zap())).Error("failed_nil", zap.Error(nilPtr))
	span.End()
	if len(buf.Lines()) != 2 {
		t.Fatal("lines not written")
	}
	evs := rec.Ended()[0].Events()
	if len(evs) != 2 {
		t.Fatalf("want 2 exception events, got %d", len(evs))
	}
	for i, want := range []string{"<PANIC=boom>", "<nil>"} {
		var msg string
		for _, a := range evs[i].Attributes {
			if a.Key == "exception.message" {
				msg = a.Value.AsString()
			}
		}
		if msg != want {
			t.Fatalf("event %d message %q, want %q", i, msg, want)
		}
	}
}

func TestGCPSeveritiesPanicAndFatal(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("gcp"), logging.WithGCPProject("p"))
	func() {
		defer func() { _ = recover() }()
		l.Zap().Panic("p")
	}()
	func() {
		defer func() { _ = recover() }()
		l.Zap().WithOptions(zap.WithFatalHook(zapcore.WriteThenPanic)).Fatal("f")
	}()
	lines := buf.Lines()
	if len(lines) != 2 || decode(t, lines[0])["severity"] != "ALERT" || decode(t, lines[1])["severity"] != "EMERGENCY" {
		t.Fatalf("lines %q", lines)
	}
}

type errSyncer struct {
	syncBuffer
	err error
}

func (e *errSyncer) Sync() error { return e.err }

func TestSyncErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&os.PathError{Op: "sync", Path: "/dev/stdout", Err: syscall.EINVAL}, false},
		{syscall.ENOTTY, false},
		{errors.New("disk gone"), true},
	} {
		out := &errSyncer{err: tc.err}
		l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(out), logging.WithEnvLookup(noEnv))
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Sync(); (got != nil) != tc.want {
			t.Errorf("Sync with %v returned %v", tc.err, got)
		}
	}
}

type lazyName struct{}

func (lazyName) LogValue() slog.Value { return slog.StringValue("resolved") }

func TestSlogKinds(t *testing.T) {
	l, buf := newJSON(t)
	at := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	l.Slog().Info("kinds",
		"u", uint64(7), "f", 1.5, "b", true, "d", 2*time.Second, "t", at,
		"err", errors.New("bad"), "lv", lazyName{}, "any", []int{1, 2},
		slog.Group("", "inlined", 1), slog.Group("empty"),
		slog.Group("g", "ctx", context.Background(), "x", 1, slog.Group("h", "y", 2)),
	)
	m := lastLine(t, buf)
	checks := map[string]string{
		"u": "7", "f": "1.5", "b": "true", "d": "2s", "t": "2025-05-06T07:08:09Z",
		"err": "bad", "lv": "resolved", "inlined": "1",
	}
	for k, want := range checks {
		if got := strings.Trim(string(mustJSON(t, m[k])), `"`); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if _, ok := m["empty"]; ok {
		t.Error("empty group written")
	}
	g, _ := m["g"].(map[string]any)
	if g == nil || g["ctx"] != nil || g["h"] == nil {
		t.Errorf("group g = %v (a context must not be encoded)", m["g"])
	}
}

// TestFallbackWithInvalidEnvironment runs a fresh process (zap's global is
// the no-op logger there) with an invalid OTELKIT_LOG_LEVEL: FromContext
// must still write, after a warning that names the variable.
func TestFallbackWithInvalidEnvironment(t *testing.T) {
	if os.Getenv("OTELKIT_LOGGING_HELPER") == "1" {
		logging.FromContext(context.Background()).Info("helper_line")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFallbackWithInvalidEnvironment$")
	cmd.Env = append(os.Environ(), "OTELKIT_LOGGING_HELPER=1", "OTELKIT_LOG_LEVEL=loud", "OTELKIT_LOG_FORMAT=json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	var warn, line map[string]any
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		m := decode(t, l)
		switch m["msg"] {
		case "logging_env_invalid":
			warn = m
		case "helper_line":
			line = m
		}
	}
	if line == nil {
		t.Fatalf("line dropped:\n%s", out)
	}
	if warn == nil || !strings.Contains(warn["error"].(string), "OTELKIT_LOG_LEVEL") || !strings.Contains(warn["error"].(string), "loud") {
		t.Fatalf("no warning naming the variable:\n%s", out)
	}
}
