package logging_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/logging"
)

// lineKeys are, per profile, keys every line writes itself (a sample of
// each kind: time, level, message, caller, trace, request ID, logger,
// stack, constant and service members).
var lineKeys = map[string][]string{
	"default": {"time", "level", "msg", "caller", "trace_id", "span_id", "trace_flags", "request_id", "logger", "stacktrace"},
	"gcp": {"time", "severity", "message", "logging.googleapis.com/sourceLocation", "logging.googleapis.com/trace",
		"logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled", "request_id", "logger", "stack_trace", "@type",
		"logging.googleapis.com/labels"},
	"ecs": {"@timestamp", "log.level", "message", "log.origin.file.name", "log.origin.file.line", "log.origin.function",
		"trace.id", "span.id", "http.request.id", "log.logger", "error.stack_trace", "ecs.version", "service.name",
		"service.version", "service.environment", "event.dataset"},
	"datadog": {"timestamp", "status", "message", "caller", "dd.trace_id", "dd.span_id", "http.request_id", "logger.name",
		"error.stack", "dd.service", "dd.env", "dd.version"},
}

// requestKeys are, per profile, the keys a request's lines (and its access
// line) write besides.
var requestKeys = map[string][]string{
	"default": {"method", "path", "route", "status", "duration_ms", "bytes", "query"},
	"gcp":     {"method", "path", "route", "httpRequest", "duration_ms", "bytes"},
	"ecs": {"http.request.method", "url.path", "route", "http.response.status_code", "event.duration",
		"http.response.body.bytes", "url.query"},
	"datadog": {"http.method", "http.url_details.path", "route", "http.status_code", "duration", "network.bytes_written", "http.url"},
}

// uniqueKeys decodes a line and fails on a repeated top-level key.
func uniqueKeys(t *testing.T, line string) map[string]any {
	t.Helper()
	ks := keys(t, line)
	seen := map[string]bool{}
	for _, k := range ks {
		if seen[k] {
			t.Fatalf("duplicate key %q: %s", k, line)
		}
		seen[k] = true
	}
	return decode(t, line)
}

// userFields returns one string field per key, valued "user:<key>".
func userFields(ks []string) []zap.Field {
	fs := make([]zap.Field, len(ks))
	for i, k := range ks {
		fs[i] = zap.String(k, "user:"+k)
	}
	return fs
}

// checkRenamed checks that each of ks appears once, the line's own, and
// the user's value under ks+"_".
func checkRenamed(t *testing.T, what, line string, ks []string) {
	t.Helper()
	m := uniqueKeys(t, line)
	for _, k := range ks {
		if m[k+"_"] != "user:"+k {
			t.Errorf("%s: %s_ = %v, want the user's value\n%s", what, k, m[k+"_"], line)
		}
		if v, ok := m[k].(string); ok && strings.HasPrefix(v, "user:") {
			t.Errorf("%s: the user's value took %s\n%s", what, k, line)
		}
	}
}

// fullLine writes an error line with everything a line can carry: span,
// request ID, logger name, caller, stack, service, plus fields.
func fullLine(t *testing.T, p string, bind func(context.Context) context.Context, fields ...zap.Field) string {
	t.Helper()
	l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("shop"), fullService)
	ctx, _ := staticSpan(true)
	ctx = logging.With(logging.NewContext(ctx, l.Zap().Named("db")), zap.String("request_id", "req-1"))
	if bind != nil {
		ctx = bind(ctx)
	}
	logging.FromContext(ctx).Error("boom", fields...)
	return buf.Lines()[0]
}

func TestReservedKeysOfCallFieldsAreRenamed(t *testing.T) {
	for p, ks := range lineKeys {
		checkRenamed(t, p, fullLine(t, p, nil, userFields(ks)...), ks)
	}
}

// A string request_id bound with logging.With or zap's With sets the
// line's request ID (see With), so it is not among the keys here.
func TestReservedKeysOfBoundFieldsAreRenamed(t *testing.T) {
	for p, all := range lineKeys {
		var ks []string
		for _, k := range all {
			if k != "request_id" {
				ks = append(ks, k)
			}
		}
		line := fullLine(t, p, func(ctx context.Context) context.Context {
			return logging.With(ctx, userFields(ks)...)
		})
		checkRenamed(t, p+" logging.With", line, ks)

		l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("shop"), fullService)
		ctx, _ := staticSpan(true)
		logging.FromContext(logging.NewContext(ctx, l.Zap().With(userFields(ks)...))).Error("boom")
		checkRenamed(t, p+" zap With", buf.Lines()[0], ks)
	}
}

// A user's field named like a request key is kept on a line that is not
// a request's, and renamed on a request's lines.
func TestRequestKeysReservedOnRequestLines(t *testing.T) {
	for p, ks := range requestKeys {
		l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("shop"))
		l.Zap().Info("job", userFields(ks)...)
		m := uniqueKeys(t, buf.Lines()[0])
		for _, k := range ks {
			if m[k] != "user:"+k {
				t.Errorf("%s: outside a request %s = %v", p, k, m[k])
			}
		}

		l, buf = newJSON(t, logging.WithProfile(p), logging.WithGCPProject("shop"))
		ctx, _ := staticSpan(true)
		r := &reqlog.Request{Base: l.Zap(), ID: "r", Fields: []zap.Field{zap.String(reqlog.KeyMethod, "GET"), zap.String(reqlog.KeyPath, "/p")},
			Late: routeIs("/p/{id}")}
		ctx = logging.With(ctx, reqlog.Field(r))
		logging.FromContext(ctx).Info("in_request", userFields(ks)...)
		logging.FromContext(logging.With(ctx, userFields(ks)...)).Info("bound_in_request")
		for _, line := range buf.Lines() {
			checkRenamed(t, p+" request", line, ks)
		}
	}
}

type routeIs string

func (r routeIs) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString(reqlog.KeyRoute, string(r))
	return nil
}

// inlineKeys is a user's zap.Inline marshaler writing keys at the top.
type inlineKeys []string

func (ks inlineKeys) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, k := range ks {
		enc.AddString(k, "user:"+k)
	}
	enc.OpenNamespace("ns")
	enc.AddString(ks[0], "nested")
	return nil
}

func TestReservedKeysOfInlineMarshalersAreRenamed(t *testing.T) {
	for p, ks := range lineKeys {
		line := fullLine(t, p, nil, zap.Inline(inlineKeys(ks)))
		checkRenamed(t, p+" call", line, ks)
		if ns, _ := decode(t, line)["ns"].(map[string]any); ns[ks[0]] != "nested" {
			t.Errorf("%s: a nested key was renamed: %s", p, line)
		}
		line = fullLine(t, p, func(ctx context.Context) context.Context {
			return logging.With(ctx, zap.Inline(inlineKeys(ks)))
		})
		checkRenamed(t, p+" bound", line, ks)
	}
}

// Keys after a zap.Namespace are nested: nothing to rename.
func TestNestedKeysAreKept(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().Info("x", zap.Namespace("group"), zap.String("msg", "inner"), zap.String("level", "inner"))
	l.Zap().With(zap.Namespace("g2")).Info("y", zap.String("msg", "inner"))
	lines := buf.Lines()
	m := uniqueKeys(t, lines[0])
	if g, _ := m["group"].(map[string]any); g["msg"] != "inner" || g["level"] != "inner" || m["msg"] != "x" {
		t.Errorf("line %s", lines[0])
	}
	if g, _ := decode(t, lines[1])["g2"].(map[string]any); g["msg"] != "inner" {
		t.Errorf("line %s", lines[1])
	}
}

func TestReservedKeysThroughSlog(t *testing.T) {
	for p, ks := range lineKeys {
		l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("shop"), fullService)
		ctx, _ := staticSpan(true)
		ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "req-1"))
		args := make([]any, 0, 2*len(ks))
		for _, k := range ks {
			args = append(args, k, "user:"+k)
		}
		sl := l.Slog()
		sl.ErrorContext(ctx, "boom", args...)
		sl.With(args...).ErrorContext(ctx, "boom")
		sl.WithGroup("g").ErrorContext(ctx, "grouped", ks[0], "nested")
		lines := buf.Lines()
		checkRenamed(t, p+" slog", lines[0], ks)
		checkRenamed(t, p+" slog With", lines[1], ks)
		if g, _ := uniqueKeys(t, lines[2])["g"].(map[string]any); g[ks[0]] != "nested" {
			t.Errorf("%s: a grouped key was renamed: %s", p, lines[2])
		}
	}
}

func TestReservedKeysInConsole(t *testing.T) {
	buf := &syncBuffer{}
	l, err := logging.New(logging.WithFormat("console"), logging.WithOutput(buf), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := staticSpan(true)
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "r"), zap.String("span_id", "bound"))
	logging.FromContext(ctx).Info("x", zap.String("trace_id", "call"))
	out := buf.String()
	// The console writes key=value pairs: the user's keys appear renamed,
	// never as the line's own trace_id or span_id.
	for _, want := range []string{" trace_id_=call", " span_id_=bound"} {
		if !strings.Contains(out, want) {
			t.Errorf("console line lacks %q: %q", want, out)
		}
	}
	for _, bad := range []string{" trace_id=call", " span_id=bound"} {
		if strings.Contains(out, bad) {
			t.Errorf("console line has the user's %q under a reserved key: %q", bad, out)
		}
	}
}

// A field that collides keeps its type and value; the OTLP bridge, where
// nothing collides, gets the user's key unchanged (see otlp_test.go for the
// bridge's own checks).
func TestRenamedFieldKeepsItsValue(t *testing.T) {
	l, buf := newJSON(t)
	l.Zap().Info("x", zap.Int("level", 3), zap.Strings("msg", []string{"a"}), zap.Skip())
	m := uniqueKeys(t, buf.Lines()[0])
	if fmt.Sprint(m["level_"]) != "3" || fmt.Sprint(m["msg_"]) != "[a]" || m["level"] != "info" {
		t.Errorf("line %v", m)
	}
}
