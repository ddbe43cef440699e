package logging

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/internal/testutil/logbuf"
)

// The reserved keys of each profile cover every key its lines write
// themselves: a line with everything (span, request ID, logger name,
// caller, stack, service, a request's fields) and an access line (HTTP,
// with a query, and not HTTP). A key a writer gains without being listed
// in the profile fails here.
func TestReservedKeysCoverEveryKeyWritten(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", "s"), attribute.String("service.version", "v"),
		attribute.String("deployment.environment.name", "e"))
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled})
	for _, p := range profiles {
		buf := &logbuf.Buffer{}
		l, err := New(WithFormat("json"), WithOutput(buf), WithProfile(p.name), WithGCPProject("g"), WithResource(res),
			WithEnvLookup(func(string) (string, bool) { return "", false }))
		if err != nil {
			t.Fatal(err)
		}
		ctx := trace.ContextWithSpanContext(context.Background(), sc)
		r := &reqlog.Request{Base: l.Zap().Named("n"), ID: "r",
			Fields: []zap.Field{zap.String(reqlog.KeyMethod, "GET"), zap.String(reqlog.KeyPath, "/p")}, Late: lateRoute{}}
		ctx = With(ctx, reqlog.Field(r))
		FromContext(ctx).Error("full")
		for _, a := range []*reqlog.Access{
			{Method: "GET", Path: "/p", Query: "q=1", Status: 200, Duration: time.Millisecond, Bytes: 3},
			{Duration: time.Millisecond, Bytes: 3, Query: "q=1"}, // not HTTP
		} {
			a.Writer = r.Bound.AccessWriter()
			log, _ := r.Bound.AccessLogger(nil)
			log.Info("access", zap.Inline(a))
		}
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%s: %v: %s", p.name, err, line)
			}
			for k := range m {
				_, line1 := p.lineKeys.lookup(k)
				_, req := p.requestKeys.lookup(k)
				if !line1 && !req {
					t.Errorf("%s writes %q, which is not reserved", p.name, k)
				}
			}
		}
	}
}

type lateRoute struct{}

func (lateRoute) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString(reqlog.KeyRoute, "/r")
	return nil
}

// Reserved sets are small and have no empty key; renamed keys are not
// reserved themselves (a renamed field never collides again).
func TestReservedKeySets(t *testing.T) {
	for _, p := range profiles {
		for _, set := range []*reservedKeys{&p.lineKeys, &p.requestKeys} {
			for _, k := range set.keys() {
				kr, _ := set.lookup(k)
				to := kr.to
				if k == "" || to != k+reservedSuffix {
					t.Errorf("%s: %q -> %q", p.name, k, to)
				}
				if _, _, ok := p.renamed(to, true); ok {
					t.Errorf("%s: renamed key %q is reserved", p.name, to)
				}
			}
		}
	}
}

func TestAppendSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 1: "0.000000001s", 123 * time.Millisecond: "0.123s", 1500 * time.Millisecond: "1.5s",
		3*time.Second + 5: "3.000000005s", -time.Second: "0s", 90 * time.Second: "90s",
	} {
		b := bufPool.Get()
		appendSeconds(b, d)
		if b.String() != want {
			t.Errorf("%v: %q, want %q", d, b.String(), want)
		}
		b.Free()
	}
}
