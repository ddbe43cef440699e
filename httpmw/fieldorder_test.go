package httpmw

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

// jsonKeys returns the keys of one JSON object line, in order.
func jsonKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
	}
	return keys
}

// consoleKeys returns the keys of a console line's key=value fields, in
// order (values are quoted when they hold a space or a quote, so a space
// separates fields).
func consoleKeys(line string) []string {
	var keys []string
	for _, f := range strings.Fields(line) {
		if k, _, ok := strings.Cut(f, "="); ok && k != "" && !strings.ContainsAny(k, "\"{") {
			keys = append(keys, k)
		}
	}
	return keys
}

// positions returns of want in keys; -1 where absent.
func positions(keys []string, want ...string) []int {
	out := make([]int, len(want))
	for i, w := range want {
		out[i] = -1
		for j, k := range keys {
			if k == w {
				out[i] = j
			}
		}
	}
	return out
}

// TestBoundFieldOrder: the line contract writes request_id, then the
// request's own fields (method, path, route), then what the handler bound
// with logging.With, then the call's fields: fields come in the order they
// were bound, the middleware's first. Checked with a logger built by New
// (JSON and console) and with a zap logger of the user's own.
func TestBoundFieldOrder(t *testing.T) {
	handler := func(w http.ResponseWriter, r *http.Request) {
		ctx := logging.With(r.Context(), zap.String("tenant", "acme"))
		ctx = logging.With(ctx, zap.String("user", "u1"))
		logging.FromContext(ctx).Info("handler_line", zap.String("order_id", "9"))
	}
	want := []string{"request_id", "method", "path", "route", "tenant", "user", "order_id"}
	for _, tc := range []struct {
		name string
		log  func(*bytes.Buffer) *zap.Logger
	}{
		{"New json", func(b *bytes.Buffer) *zap.Logger {
			l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(b)))
			if err != nil {
				t.Fatal(err)
			}
			return l.Zap()
		}},
		{"foreign", func(b *bytes.Buffer) *zap.Logger {
			return zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(jsonEncoderConfig()), zapcore.AddSync(b), zapcore.DebugLevel))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			var buf bytes.Buffer
			mux := http.NewServeMux()
			mux.HandleFunc("GET /orders/{id}", handler)
			h := Handler(mux, WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(tc.log(&buf)), WithoutAccessLog())
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/orders/9", nil))
			line := strings.TrimSpace(buf.String())
			pos := positions(jsonKeys(t, line), want...)
			for i := range pos {
				if pos[i] < 0 || i > 0 && pos[i] < pos[i-1] {
					t.Fatalf("keys %v out of order (want %v):\n%s", pos, want, line)
				}
			}
		})
	}
	t.Run("New console", func(t *testing.T) {
		e := newTestEnv(t)
		var buf bytes.Buffer
		l, err := logging.New(logging.WithFormat("console"), logging.WithOutput(zapcore.AddSync(&buf)))
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", handler)
		h := Handler(mux, WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(l.Zap()), WithoutAccessLog())
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/orders/9", nil))
		line := buf.String()
		pos := positions(consoleKeys(line), want...)
		for i := range pos {
			if pos[i] < 0 || i > 0 && pos[i] < pos[i-1] {
				t.Fatalf("keys %v out of order (want %v):\n%s", pos, want, line)
			}
		}
	})
}

// TestBoundFieldsReachTheBridgeOnce: fields bound with logging.With inside
// a request reach the OTLP record once each, beside the request's fields.
func TestBoundFieldsReachTheBridgeOnce(t *testing.T) {
	e := newTestEnv(t)
	lp, mem := newLogProvider(t)
	var buf bytes.Buffer
	l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(zapcore.AddSync(&buf)), logging.WithLoggerProvider(lp))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := logging.With(r.Context(), zap.String("tenant", "acme"))
		logging.FromContext(ctx).Info("handler_line")
	})
	h := Handler(mux, WithTracerProvider(e.tp), WithMeterProvider(e.mp), WithLogger(l.Zap()), WithoutAccessLog())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/orders/9", nil))
	rec := record(t, mem, "handler_line")
	counts := map[string]int{}
	rec.WalkAttributes(func(kv attribute.KeyValue) bool { counts[string(kv.Key)]++; return true })
	for _, k := range []string{"tenant", "method", "path", "request_id"} {
		if counts[k] != 1 {
			t.Errorf("record has %q %d times, want once: %v", k, counts[k], counts)
		}
	}
	if !rec.TraceID().IsValid() {
		t.Error("record without trace context")
	}
}
