package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

// TestBufferedLinesReachCollector: with per-request log buffering on, the
// debug lines of a failing request reach a real collector as OTLP log
// records with their original timestamps, the marker and the request's
// trace context, before the error that flushed them; those of a request
// that ended well never do, and its access record counts them.
func TestBufferedLinesReachCollector(t *testing.T) {
	col := collector.Start(t)
	pointAt(t, col, "http/protobuf")
	out := &lineBuffer{}
	tel, err := otel.Init(context.Background(), otel.WithServiceName("e2e-logbuf"),
		otel.WithLogFormat("json"), otel.WithLogOutput(out), otel.WithLogBufferLevel(zapcore.DebugLevel))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work/{outcome}", func(w http.ResponseWriter, r *http.Request) {
		log := logging.FromContext(r.Context())
		log.Debug("work_step", zap.Int("step", 1), zap.String("outcome", r.PathValue("outcome")))
		log.Debug("work_step", zap.Int("step", 2), zap.String("outcome", r.PathValue("outcome")))
		if r.PathValue("outcome") == "fail" {
			log.Error("work_failed")
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = io.WriteString(w, "done")
	})
	srv := httptest.NewServer(httpmw.Handler(mux))
	for id, want := range map[string]int{"req-buf-ok": 200, "req-buf-fail": 500} {
		if got := fetch(t, srv.URL+"/work/"+id[len("req-buf-"):], id); got != want {
			t.Errorf("%s: status %d, want %d", id, got, want)
		}
	}
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	stdout := map[float64]map[string]any{} // flushed lines by step
	for _, l := range out.lines(t) {
		if l["msg"] == "work_step" {
			stdout[l["step"].(float64)] = l
		}
	}
	if len(stdout) != 2 || stdout[1]["request_id"] != "req-buf-fail" || stdout[2]["buffered"] != true {
		t.Fatalf("stdout work_step lines %v", stdout)
	}
	logs := col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool {
		n := 0
		for _, r := range l {
			if r.Body == "http_request" {
				n++
			}
		}
		return n == 2
	})
	checkBufferedRecords(t, logs, stdout)
}

func checkBufferedRecords(t *testing.T, logs []collector.LogRecord, stdout map[float64]map[string]any) {
	t.Helper()
	var failed *collector.LogRecord
	steps := map[int64]collector.LogRecord{}
	for i, r := range logs {
		switch {
		case r.Body == "work_failed":
			failed = &logs[i]
		case r.Body == "work_step":
			if r.Attributes["request_id"] != "req-buf-fail" {
				t.Errorf("a debug record of the request that ended well: %+v", r)
			}
			steps[r.Attributes["step"].(int64)] = r
		case r.Body == "http_request" && r.Attributes["request_id"] == "req-buf-ok":
			if r.Attributes["debug_dropped"] != int64(2) {
				t.Errorf("good request's access record: %v", r.Attributes)
			}
		}
	}
	if failed == nil || len(steps) != 2 {
		t.Fatalf("records: work_failed %v, %d work_step", failed, len(steps))
	}
	for step, r := range steps {
		line := stdout[float64(step)]
		at, err := time.Parse(time.RFC3339Nano, line["time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Time.Equal(at) || !r.Time.Before(failed.Time) {
			t.Errorf("step %d record time %v: want the line's original %v, before the failure's %v", step, r.Time, at, failed.Time)
		}
		if r.SeverityNumber != 5 || r.Attributes["buffered"] != true || r.TraceID != line["trace_id"] || r.SpanID != line["span_id"] || r.TraceID != failed.TraceID {
			t.Errorf("step %d record %+v, stdout %v", step, r, line)
		}
	}
}

// fetch sends GET url with the request ID id and returns the status.
func fetch(t *testing.T, url, id string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Request-ID", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}
