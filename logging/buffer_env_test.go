package logging_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// A foreign logger whose process has no global logger built by New follows
// the environment, read once. Each case runs in a fresh process, as zap's
// global and the environment are the process's: the global logger is a
// foreign one there too.
func TestBufferEnvironmentForForeignLoggers(t *testing.T) {
	if os.Getenv("OTELKIT_BUFFER_HELPER") == "1" {
		bufferHelper()
		return
	}
	cases := []struct {
		name, level, slow string
		flushedDetail     bool   // the failing request's debug line is written
		warning           string // a logging_env_invalid line naming this
	}{
		{"on", "debug", "", true, ""},
		{"unset", "", "", false, ""},
		{"level invalid", "loud", "", false, "OTELKIT_LOG_BUFFER_LEVEL"},
		{"slow invalid", "debug", "soon", false, "OTELKIT_LOG_BUFFER_SLOW"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := runFailingRequest(t, tc.flushedDetail, "OTELKIT_BUFFER_HELPER=1",
				"OTELKIT_LOG_BUFFER_LEVEL="+tc.level, "OTELKIT_LOG_BUFFER_SLOW="+tc.slow)
			if tc.flushedDetail && !strings.Contains(text, `"buffered":true`) {
				t.Errorf("no marker:\n%s", text)
			}
			if tc.warning != "" && (!strings.Contains(text, "logging_env_invalid") || !strings.Contains(text, tc.warning)) {
				t.Errorf("no warning naming %s:\n%s", tc.warning, text)
			}
		})
	}
}

// runFailingRequest runs the calling test again in a fresh process with
// env added, where its helper runs failingRequest, and returns what the
// process wrote; it fails t unless the failing request's debug line was
// written exactly when flushed says so.
func runFailingRequest(t *testing.T, flushed bool, env ...string) string {
	t.Helper()
	name, _, _ := strings.Cut(t.Name(), "/")
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	text := string(out)
	if got := strings.Contains(text, `"msg":"detail"`); got != flushed {
		t.Errorf("detail written = %v, want %v:\n%s", got, flushed, text)
	}
	return text
}

// bufferHelper runs a failing request bound to a foreign logger at info,
// with a foreign global logger writing to stdout.
func bufferHelper() {
	l := stdoutLogger()
	zap.ReplaceGlobals(l)
	failingRequest(l)
}

// stdoutLogger is a foreign logger at info writing JSON to stdout.
func stdoutLogger() *zap.Logger {
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(os.Stdout), zapcore.InfoLevel))
}

// failingRequest runs a request bound to l that writes a debug line and
// ends with a server error.
func failingRequest(l *zap.Logger) {
	var s reqscope.Scope
	s.Begin(nil, l, nil)
	ctx := s.Bind(context.Background())
	logging.FromContext(ctx).Debug("detail")
	s.End(&accessPolicy, reqscope.ServerError, statusField(500))
}

// With a global logger built by New from options, not from the
// environment, a foreign logger's requests follow that logger's buffering
// and the environment's buffer variables are neither read for them nor
// reported, valid or not. Each case runs in a fresh process.
func TestBufferGlobalLoggerDecidesForForeignLoggers(t *testing.T) {
	if g := os.Getenv("OTELKIT_BUFFER_GLOBAL"); g != "" {
		globalBufferHelper(g == "on")
		return
	}
	cases := []struct {
		name, global, level string
		flushedDetail       bool
	}{
		{"global buffers, environment invalid", "on", "loud", true},
		{"global buffers, environment off", "on", "off", true},
		{"global does not buffer, environment on", "off", "debug", false},
		{"global does not buffer, environment invalid", "off", "loud", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := runFailingRequest(t, tc.flushedDetail, "OTELKIT_BUFFER_GLOBAL="+tc.global, "OTELKIT_LOG_BUFFER_LEVEL="+tc.level)
			if strings.Contains(text, "logging_env_invalid") {
				t.Errorf("the environment the global logger does not read is reported:\n%s", text)
			}
		})
	}
}

// globalBufferHelper installs a global logger built by New without the
// environment, buffering at debug when on, and runs a failing request bound
// to a foreign logger at info writing to stdout.
func globalBufferHelper(on bool) {
	opts := []logging.Option{logging.WithEnvLookup(func(string) (string, bool) { return "", false }),
		logging.WithOutput(zapcore.Lock(os.Stdout))}
	if on {
		opts = append(opts, logging.WithBufferLevel(zapcore.DebugLevel))
	}
	g, err := logging.New(opts...)
	if err != nil {
		panic(err)
	}
	zap.ReplaceGlobals(g.Zap())
	failingRequest(stdoutLogger())
}
