package otel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
)

// Without buffering, the health document has no log_buffer member (it
// runs before any test of this package buffers a line).
func TestLogBufferHealthOffWhenUnused(t *testing.T) {
	if logging.BufferStatsNow() != (logging.BufferStats{}) {
		t.Skip("another test of this process buffered lines")
	}
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithTracesExporter("none"), WithMetricsExporter("none"), WithLogsExporter("none"))
	if hd, _ := getHealth(t, tel); hd.LogBuffer != nil {
		t.Errorf("log_buffer %+v with buffering off and unused", hd.LogBuffer)
	}
}

// WithLogBufferLevel turns buffering on for the service logger, and the
// health document shows what it did.
func TestLogBufferOptionAndHealth(t *testing.T) {
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithTracesExporter("none"), WithMetricsExporter("none"),
		WithLogsExporter("none"), WithLogBufferLevel(zapcore.DebugLevel))
	before := logging.BufferStatsNow()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Debug("detail", zap.String("path", r.URL.Path))
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	h := httpmw.Handler(mux, httpmw.WithLogger(tel.Logger()), httpmw.WithTracerProvider(tel.TracerProvider()))
	for _, p := range []string{"/ok", "/fail"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	if n := strings.Count(out.String(), `"msg":"detail"`); n != 1 || !strings.Contains(out.String(), `"debug_dropped":1`) {
		t.Errorf("%d detail lines, want the failing request's only:\n%s", n, out)
	}
	hd, body := getHealth(t, tel)
	lb := hd.LogBuffer
	if lb == nil || lb.Level != "debug" || lb.Buffered-before.Buffered != 2 || lb.Flushed-before.Flushed != 1 || lb.Dropped-before.Dropped != 1 {
		t.Errorf("health log_buffer %+v (before %+v):\n%s", lb, before, body)
	}
	if !strings.Contains(body, `"log_buffer": {`) || !strings.Contains(body, `"over_cap"`) {
		t.Errorf("health document:\n%s", body)
	}
}

// TestLogBufferLevelErrorNamesTheOption: an invalid WithLogBufferLevel is a
// ConfigError naming WithLogBufferLevel, as written, like every other
// invalid option of Init (it named logging's WithBufferLevel, and was no
// ConfigError at all). An option given through WithLoggingOptions keeps its
// own name.
func TestLogBufferLevelErrorNamesTheOption(t *testing.T) {
	clearEnv(t)
	for want, opt := range map[string]Option{
		"WithLogBufferLevel": WithLogBufferLevel(zapcore.ErrorLevel),
		"WithBufferLevel":    WithLoggingOptions(logging.WithBufferLevel(zapcore.ErrorLevel)),
	} {
		tel, err := Init(context.Background(), quiet(&lineBuffer{}, WithoutGlobals(), opt)...)
		if err == nil {
			tel.Shutdown(context.Background())
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Option != want || !strings.HasPrefix(err.Error(), "otelkit: invalid option "+want+"(") {
			t.Errorf("%s: error %v, want a ConfigError naming %s", want, err, want)
		}
	}
}

// TestLogBufferLevelWinsOverWithoutBuffer: WithLogBufferLevel turns
// buffering on whether logging.WithoutBuffer, given through
// WithLoggingOptions, comes before or after it, as Init's other log
// options win over logging's.
func TestLogBufferLevelWinsOverWithoutBuffer(t *testing.T) {
	level, off := WithLogBufferLevel(zapcore.InfoLevel), WithLoggingOptions(logging.WithoutBuffer())
	for name, opts := range map[string][]Option{"level first": {level, off}, "without first": {off, level}} {
		tel := initHealth(t, &lineBuffer{}, append([]Option{WithoutGlobals(), WithTracesExporter("none"),
			WithMetricsExporter("none"), WithLogsExporter("none")}, opts...)...)
		if hd, body := getHealth(t, tel); hd.LogBuffer == nil || hd.LogBuffer.Level != "info" {
			t.Errorf("%s: log_buffer %+v, want level info:\n%s", name, hd.LogBuffer, body)
		}
	}
}
