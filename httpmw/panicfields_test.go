package httpmw

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/logrec"
	"github.com/otelkit/otelkit/logging"
)

// Values whose logging methods panic.
type (
	badErr      struct{}
	badStringer struct{}
	badObj      struct{}
	badArr      struct{}
)

func (badErr) Error() string       { panic("error boom") }
func (badStringer) String() string { panic("stringer boom") }
func (badObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("partial", "1")
	panic("object boom")
}
func (badArr) MarshalLogArray(zapcore.ArrayEncoder) error { panic("array boom") }

func badFields() []zap.Field {
	return []zap.Field{
		zap.Error(badErr{}), zap.Stringer("s", badStringer{}), zap.Object("obj", badObj{}),
		zap.Array("arr", badArr{}), zap.Inline(badObj{}), zap.String("after", "ok"),
	}
}

// TestPanickingFieldsForeignLogger: with a zap logger of the user's own
// (a JSON core teed with the contrib otelzap bridge) given to Handler, a
// handler line whose fields panic when encoded, bound or not, at error
// level, does not crash the request: 200, no panic_recovered, the line is
// written with each panic noted as "<field>Error", and the bridge emits
// the record.
func TestPanickingFieldsForeignLogger(t *testing.T) {
	e := newTestEnv(t)
	keeper := &logrec.Processor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(keeper))
	t.Cleanup(func() { _ = lp.Shutdown(context.Background()) })
	logger := zap.New(zapcore.NewTee(e.log.Core(), otelzap.NewCore("test", otelzap.WithLoggerProvider(lp))))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Error("bad_fields", badFields()...)
		ctx := logging.With(r.Context(), badFields()...)
		logging.FromContext(ctx).Error("bound_bad_fields", zap.Error(badErr{}))
		child, span := e.tp.Tracer("t").Start(ctx, "child")
		logging.FromContext(child).Warn("child_bad_fields", zap.Object("obj", badObj{}))
		span.End()
	})
	h := Handler(mux, e.opts(WithLogger(logger), WithRouteFunc(func(r *http.Request) string { return "/orders/{id}" }))...)
	w := e.serve(h, httptest.NewRequest("GET", "/orders/1", nil))
	if w.Code != http.StatusOK {
		t.Errorf("status %d, want 200", w.Code)
	}
	if n := len(e.linesWithMsg(t, "panic_recovered")); n != 0 {
		t.Errorf("%d panic_recovered lines", n)
	}
	for _, msg := range []string{"bad_fields", "bound_bad_fields"} {
		l := e.oneLine(t, msg)
		if l["after"] != "ok" || l["request_id"] == nil || l["route"] != "/orders/{id}" {
			t.Errorf("%s: fields missing: %v", msg, l)
		}
		for k, want := range map[string]string{"errorError": "error boom", "sError": "stringer boom", "objError": "object boom", "arrError": "array boom", "inlineError": "object boom"} {
			if s, _ := l[k].(string); !strings.Contains(s, want) {
				t.Errorf("%s: %s = %v, want a note with %q", msg, k, l[k], want)
			}
		}
	}
	if l := e.oneLine(t, "child_bad_fields"); !strings.Contains(l["objError"].(string), "object boom") {
		t.Errorf("child line %v", l)
	}
	e.oneLine(t, "http_request")

	bodies := map[string]map[string]string{}
	for _, r := range keeper.Records() {
		a := map[string]string{}
		r.WalkAttributes(func(kv attribute.KeyValue) bool { a[string(kv.Key)] = kv.Value.String(); return true })
		bodies[r.Body().AsString()] = a
	}
	for _, msg := range []string{"bad_fields", "bound_bad_fields", "child_bad_fields", "http_request"} {
		if _, ok := bodies[msg]; !ok {
			b, _ := json.Marshal(bodies)
			t.Errorf("the bridge did not emit %s: %s", msg, b)
		}
	}
	if a := bodies["bad_fields"]; a["after"] != "ok" || !strings.Contains(a["errorError"], "error boom") {
		t.Errorf("bridge record attributes %v", a)
	}
}
