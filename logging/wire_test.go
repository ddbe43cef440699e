package logging_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/otelkit/otelkit/logging"
)

// otlpReceiver is a minimal OTLP/HTTP logs endpoint on loopback that keeps
// what it receives (bounded body size).
type otlpReceiver struct {
	mu   sync.Mutex
	recs []*logspb.LogRecord
	srv  *http.Server
	addr string
}

func startReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &otlpReceiver{addr: ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/logs", func(w http.ResponseWriter, req *http.Request) {
		var body io.Reader = http.MaxBytesReader(w, req.Body, 4<<20)
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, err := io.ReadAll(io.LimitReader(body, 4<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var msg collogs.ExportLogsServiceRequest
		if err := proto.Unmarshal(raw, &msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rl := range msg.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				r.recs = append(r.recs, sl.LogRecords...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&collogs.ExportLogsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	})
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.srv.Shutdown(ctx)
	})
	return r
}

func (r *otlpReceiver) records() []*logspb.LogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*logspb.LogRecord(nil), r.recs...)
}

// TestOTLPOverTheWire sends lines through the real OTLP/HTTP log exporter
// to a loopback receiver and checks that the record on the wire carries the
// same trace and span IDs as the stdout line, in the record's own trace
// fields.
func TestOTLPOverTheWire(t *testing.T) {
	recv := startReceiver(t)
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpoint(recv.addr), otlploghttp.WithInsecure(), otlploghttp.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	tp, _ := newTracer(t)
	l, buf := newJSON(t, logging.WithLoggerProvider(lp))

	sctx, span := tp.Tracer("t").Start(ctx, "GET /orders/{id}")
	rctx := logging.With(logging.NewContext(sctx, l.Zap()), zap.String("request_id", "req-w"))
	logging.FromContext(rctx).Info("order_loaded", zap.String("order_id", "42"))
	span.End()
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	recs := recv.records()
	if len(recs) != 1 {
		t.Fatalf("receiver got %d records", len(recs))
	}
	r := recs[0]
	line := lastLine(t, buf)
	sc := span.SpanContext()
	if hex.EncodeToString(r.TraceId) != sc.TraceID().String() || hex.EncodeToString(r.SpanId) != sc.SpanID().String() {
		t.Fatalf("wire record %x/%x, span %s/%s", r.TraceId, r.SpanId, sc.TraceID(), sc.SpanID())
	}
	if line["trace_id"] != hex.EncodeToString(r.TraceId) || line["span_id"] != hex.EncodeToString(r.SpanId) {
		t.Fatalf("stdout %v vs wire %x/%x", line, r.TraceId, r.SpanId)
	}
	if r.Flags&0xff != 1 || r.SeverityNumber != logspb.SeverityNumber_SEVERITY_NUMBER_INFO || r.Body.GetStringValue() != "order_loaded" {
		t.Fatalf("wire record %v", r)
	}
	found := map[string]string{}
	for _, kv := range r.Attributes {
		found[kv.Key] = kv.Value.GetStringValue()
		if bytes.Contains([]byte(kv.Key), []byte("trace")) {
			t.Fatalf("trace context as attribute %q", kv.Key)
		}
	}
	if found["request_id"] != "req-w" || found["order_id"] != "42" {
		t.Fatalf("attributes %v", found)
	}
}
