package otel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
)

// TestHealthReturnsCopies: changing what Health returns does not change
// the next answer.
func TestHealthReturnsCopies(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=k1")
	tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithTracesExporter("none"), WithMetricsExporter("none"), WithLogsExporter("none"))
	h := tel.Health()
	for k, c := range h.Config {
		c.Sources["endpoint"] = "tampered"
		if len(c.HeaderNames) > 0 {
			c.HeaderNames[0] = "tampered"
		}
		if len(c.Exporters) > 0 {
			c.Exporters[0] = "tampered"
		}
		c.Endpoint = "tampered"
		h.Config[k] = c
	}
	h.Config["new"] = SignalConfig{}
	h.Export["traces"] = ExportStatus{Exported: 99}
	again := tel.Health()
	if s := fmt.Sprintf("%+v", again); strings.Contains(s, "tampered") || again.Config["new"].Sources != nil || again.Export["traces"].Exported == 99 {
		t.Fatalf("the caller's changes show in the next Health: %s", s)
	}
	if got := again.Config["traces"].HeaderNames; len(got) != 1 || got[0] != "api-key" {
		t.Fatalf("header names %v", got)
	}
}

// TestInitErrorsHideCredentials: the settings the issue names, through
// Init: each is an error naming the variable and never showing the
// credential.
func TestInitErrorsHideCredentials(t *testing.T) {
	const tok = "T0kenValue99"
	for name, value := range map[string]string{
		"OTEL_EXPORTER_OTLP_HEADERS":          "Authorization: Bearer " + tok + "==",
		"OTEL_EXPORTER_OTLP_LOGS_HEADERS":     "authorization=Bearer " + tok + "%zz",
		"OTEL_EXPORTER_OTLP_ENDPOINT":         "user:" + tok + "@collector:4318",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":  "http://" + tok + "@collector:4318/v1/traces",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://collector:4318/v1/metrics?api_key=" + tok,
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			tel, err := Init(context.Background(), WithoutGlobals(), WithoutDetectors(), WithLogOutput(&lineBuffer{}))
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatal("Init accepted it")
			}
			if strings.Contains(err.Error(), tok) || !strings.Contains(err.Error(), name) {
				t.Fatalf("error shows the credential or does not name %s: %v", name, err)
			}
		})
	}
}

// TestErrorAfterShutdownScrubbed: an SDK error that arrives after Shutdown
// (an export cut off by its deadline fails later) goes to the default
// handler with the header values scrubbed.
func TestErrorAfterShutdownScrubbed(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20lateT0kenValue")
	var got []string
	prev := otelDefaultHandle
	otelDefaultHandle = func(err error) { got = append(got, err.Error()) }
	t.Cleanup(func() { otelDefaultHandle = prev })
	tel, err := Init(context.Background(), quiet(&lineBuffer{})...)
	if err != nil {
		t.Fatal(err)
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	otel.Handle(errors.New("401: invalid Bearer lateT0kenValue"))
	if len(got) != 1 || strings.Contains(got[0], "lateT0kenValue") || !strings.Contains(got[0], "REDACTED") {
		t.Fatalf("default handler got %q", got)
	}
}

// TestExportErrorsScrubbedWithoutGlobals: with WithoutGlobals, an export's
// error reaches whatever global error handler the program has (the SDK
// reports it there, not to otelkit), so it is scrubbed before the SDK gets
// it: a collector that echoes the API key in its answer leaks it to no
// handler and to no error ForceFlush returns.
func TestExportErrorsScrubbedWithoutGlobals(t *testing.T) {
	clearEnv(t)
	const key = "sk-ECHOEDKEY123456"
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid api key: "+r.Header.Get("api-key"), http.StatusUnauthorized)
	}))
	t.Cleanup(collector.Close)
	var mu sync.Mutex
	var handled []string
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, err.Error())
	}))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key="+key)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "10")
	tel, err := Init(context.Background(), WithoutGlobals(), WithoutDetectors(), WithoutRuntimeMetrics(),
		WithTracesExporter("otlp"), WithMetricsExporter("none"), WithLogsExporter("none"), WithLogOutput(&lineBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer("scrub").Start(context.Background(), "work")
	span.End()
	// The scheduled export's error goes to the global handler.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(handled)
		mu.Unlock()
		if n > 0 {
			break
		}
	}
	_, span = tel.TracerProvider().Tracer("scrub").Start(context.Background(), "work")
	span.End()
	ferr := tel.ForceFlush(context.Background())
	if err := tel.Shutdown(context.Background()); err != nil && strings.Contains(err.Error(), key) {
		t.Errorf("Shutdown's error shows the key: %v", err)
	}
	if ferr == nil || strings.Contains(ferr.Error(), key) || !strings.Contains(ferr.Error(), "REDACTED") {
		t.Errorf("ForceFlush's error: %v", ferr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(handled) == 0 {
		t.Fatal("the failed export reached no error handler")
	}
	for _, msg := range handled {
		if strings.Contains(msg, key) {
			t.Errorf("the global handler got the key: %q", msg)
		}
	}
}
