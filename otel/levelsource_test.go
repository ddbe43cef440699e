package otel

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// TestLogLevelSourceAfterRuntimeChange: log_level_source says where the
// level shown comes from, also once it was changed while the service runs
// (a PUT to HealthHandler, or Logging().SetLevel), whatever the start-up
// source was.
func TestLogLevelSourceAfterRuntimeChange(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   string
		opts  []Option
		start string
	}{
		{name: "default", start: "default"},
		{name: "env", env: "warn", start: "env:OTELKIT_LOG_LEVEL"},
		{name: "option", opts: []Option{WithLogLevel(zapcore.ErrorLevel)}, start: "option"},
		{name: "logging option over env", env: "warn", opts: []Option{WithLoggingOptions(logging.WithLevel(zapcore.ErrorLevel))}, start: "option"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("OTELKIT_LOG_LEVEL", tc.env)
			tel := initHealth(t, &lineBuffer{}, append([]Option{WithoutGlobals(), WithTracesExporter("none"),
				WithMetricsExporter("none"), WithLogsExporter("none")}, tc.opts...)...)
			if h, _ := getHealth(t, tel); h.LogLevelSrc != tc.start {
				t.Fatalf("log_level_source at start %q, want %q", h.LogLevelSrc, tc.start)
			}
			rec := httptest.NewRecorder()
			tel.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "http://127.0.0.1:9091/", strings.NewReader(`{"level":"debug"}`)))
			if rec.Code != http.StatusOK {
				t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
			}
			h, _ := getHealth(t, tel)
			if h.LogLevel != "debug" || h.LogLevelSrc != "runtime" {
				t.Errorf("after PUT: level %q from %q, want debug from runtime", h.LogLevel, h.LogLevelSrc)
			}
		})
	}
	t.Run("SetLevel", func(t *testing.T) {
		clearEnv(t)
		tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithTracesExporter("none"),
			WithMetricsExporter("none"), WithLogsExporter("none"))
		tel.Logging().SetLevel(zapcore.InfoLevel) // the level it had: still set at run time
		if h, _ := getHealth(t, tel); h.LogLevelSrc != "runtime" {
			t.Errorf("after SetLevel: from %q", h.LogLevelSrc)
		}
	})
}
