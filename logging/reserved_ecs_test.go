package logging_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqlog"
	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// ecsFieldSets are the names ECS 8.11 maps as objects at the root of an
// event (its top-level field sets, the tracing sets and the base field
// labels): an index with the ECS template rejects a document giving one a
// concrete value ("tried to parse field [user] as object, but found a
// concrete value"), so the ecs profile renames such a field.
var ecsFieldSets = []string{
	"agent", "client", "cloud", "container", "data_stream", "destination", "device", "dll", "dns",
	"ecs", "email", "error", "event", "faas", "file", "group", "host", "http", "labels", "log",
	"network", "observer", "orchestrator", "organization", "package", "process", "registry",
	"related", "rule", "server", "service", "source", "span", "threat", "tls", "trace",
	"transaction", "url", "user", "user_agent", "vulnerability",
}

// ecsUser is ECS-shaped data written as an object.
type ecsUser struct{ id string }

func (u ecsUser) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("id", u.id)
	return nil
}

// jsonObject and jsonText marshal to an object and to a string.
type jsonObject struct{}

func (jsonObject) MarshalJSON() ([]byte, error) { return []byte(`{"id":"j"}`), nil }

type jsonText struct{}

func (jsonText) MarshalJSON() ([]byte, error) { return []byte(`"j"`), nil }

type textValue struct{}

func (textValue) MarshalText() ([]byte, error) { return []byte("t"), nil }

// ecsScalars are fields with a field set's name and a value that is not
// an object; ecsObjects are fields with one and an object value.
func ecsScalars() []zap.Field {
	return []zap.Field{
		zap.String("user", "bob"), zap.Int("host", 3), zap.Bool("event", true), zap.Strings("labels", []string{"a"}),
		zap.NamedError("source", errors.New("e")), zap.Any("process", textValue{}), zap.Any("tls", jsonText{}),
		zap.Any("network", []string{"a"}),
	}
}

var ecsScalarKeys = []string{"user", "host", "event", "labels", "source", "process", "tls", "network"}

func ecsObjects() []zap.Field {
	return []zap.Field{
		zap.Object("url", ecsUser{"u"}), zap.Dict("organization", zap.String("id", "o")),
		zap.Any("client", map[string]any{"id": "c"}), zap.Any("server", &struct{ ID string }{"s"}),
		zap.Any("file", jsonObject{}), zap.String("user.id", "u1"),
	}
}

var ecsObjectKeys = []string{"url", "organization", "client", "server", "file", "user.id"}

// checkECSKeys checks a line: each of scalars renamed with "_" (when
// renamed) or kept, each of objects kept.
func checkECSKeys(t *testing.T, what, line string, renamed bool, scalars, objects []string) {
	t.Helper()
	m := uniqueKeys(t, line)
	for _, k := range scalars {
		_, plain := m[k]
		_, suffixed := m[k+"_"]
		if renamed && (plain || !suffixed) || !renamed && (!plain || suffixed) {
			t.Errorf("%s: %q renamed=%v, line %s", what, k, suffixed, line)
		}
	}
	for _, k := range objects {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: object %q lost its key: %s", what, k, line)
		}
	}
}

// In the ecs profile, a field named like an ECS field set with a value
// that is not an object is renamed; an object, or a dotted key, keeps its
// key. Other profiles write every such field under its key, but for
// Datadog's own reserved attributes (host, source: its profile renames
// those whatever their value, TestProfileDatadogReservedAttributesRenamed).
func TestECSFieldSetsTakeOnlyObjects(t *testing.T) {
	for _, p := range []string{"default", "gcp", "ecs", "datadog"} {
		ecs := p == "ecs"
		fields := append(ecsScalars(), ecsObjects()...)
		scalars := ecsScalarKeys
		if p == "datadog" {
			scalars = slices.DeleteFunc(slices.Clone(ecsScalarKeys), func(k string) bool { return k == "host" || k == "source" })
		}
		line := fullLine(t, p, nil, fields...)
		checkECSKeys(t, p+" call", line, ecs, scalars, ecsObjectKeys)
		if ecs {
			m := decode(t, line)
			if u, _ := m["url"].(map[string]any); u["id"] != "u" {
				t.Errorf("url object: %s", line)
			}
			if m["user_"] != "bob" || m["user.id"] != "u1" {
				t.Errorf("user_ or user.id: %s", line)
			}
		}

		line = fullLine(t, p, func(ctx context.Context) context.Context { return logging.With(ctx, fields...) })
		checkECSKeys(t, p+" logging.With", line, ecs, scalars, ecsObjectKeys)

		l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("shop"), fullService)
		l.Zap().With(fields...).Info("zap_with")
		checkECSKeys(t, p+" zap With", buf.Lines()[0], ecs, scalars, ecsObjectKeys)
	}
}

// Every field set name is reserved for concrete values in ecs.
func TestECSEveryFieldSetName(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("ecs"))
	l.Zap().Info("x", userFields(ecsFieldSets)...)
	checkRenamed(t, "ecs", buf.Lines()[0], ecsFieldSets)
}

// A zap.Namespace opens an object: its name keeps its key.
func TestECSNamespaceKeepsFieldSetName(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("ecs"))
	l.Zap().Info("x", zap.Namespace("container"), zap.String("id", "c1"))
	l.Zap().With(zap.Namespace("host")).Info("y", zap.String("name", "h1"))
	lines := buf.Lines()
	if c, _ := uniqueKeys(t, lines[0])["container"].(map[string]any); c["id"] != "c1" {
		t.Errorf("line %s", lines[0])
	}
	if h, _ := uniqueKeys(t, lines[1])["host"].(map[string]any); h["name"] != "h1" {
		t.Errorf("line %s", lines[1])
	}
}

// ecsInline is a user's zap.Inline marshaler writing field set names at
// the top: a string, an object, a map and an array.
type ecsInline struct{}

func (ecsInline) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("user", "bob")
	_ = enc.AddObject("url", ecsUser{"u"})
	_ = enc.AddReflected("client", map[string]any{"id": "c"})
	_ = enc.AddReflected("tls", jsonText{})
	_ = enc.AddArray("labels", zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error { a.AppendString("a"); return nil }))
	return nil
}

func TestECSFieldSetsInInlineMarshalers(t *testing.T) {
	scalars, objects := []string{"user", "tls", "labels"}, []string{"url", "client"}
	for _, p := range []string{"default", "ecs"} {
		checkECSKeys(t, p+" call", fullLine(t, p, nil, zap.Inline(ecsInline{})), p == "ecs", scalars, objects)
		line := fullLine(t, p, func(ctx context.Context) context.Context { return logging.With(ctx, zap.Inline(ecsInline{})) })
		checkECSKeys(t, p+" bound", line, p == "ecs", scalars, objects)
	}
}

// A request's lines (a call's fields and fields bound in the request)
// rename them too.
func TestECSFieldSetsOnRequestLines(t *testing.T) {
	l, buf := newJSON(t, logging.WithProfile("ecs"))
	ctx, _ := staticSpan(true)
	r := &reqlog.Request{Base: l.Zap(), ID: "r", Fields: []zap.Field{zap.String(reqlog.KeyMethod, "GET"), zap.String(reqlog.KeyPath, "/p")}}
	ctx = logging.With(ctx, reqlog.Field(r))
	logging.FromContext(ctx).Info("in_request", append(ecsScalars(), ecsObjects()...)...)
	logging.FromContext(logging.With(ctx, append(ecsScalars(), ecsObjects()...)...)).Info("bound_in_request")
	lines := buf.Lines()
	for _, line := range lines {
		checkECSKeys(t, "request", line, true, ecsScalarKeys, ecsObjectKeys)
		if m := decode(t, line); m["url.path"] != "/p" {
			t.Errorf("the request's own url.path: %s", line)
		}
	}
}

// A buffered line is written at the flush as it would have been at once.
func TestECSFieldSetsOnBufferedLines(t *testing.T) {
	l, buf := bufLogger(t, logging.WithProfile("ecs"))
	r := begin(context.Background(), l.Zap(), "r1", nil)
	r.log().Debug("kept", append(ecsScalars(), ecsObjects()...)...)
	r.log().Error("failed")
	r.end(reqscope.ServerError)
	for _, line := range buf.Lines() {
		if strings.Contains(line, `"kept"`) {
			checkECSKeys(t, "buffered", line, true, ecsScalarKeys, ecsObjectKeys)
			return
		}
	}
	t.Fatalf("no buffered line: %v", buf.Lines())
}

func TestECSFieldSetsThroughSlog(t *testing.T) {
	for _, p := range []string{"default", "ecs"} {
		l, buf := newJSON(t, logging.WithProfile(p))
		sl := l.Slog()
		sl.Info("x", "user", "bob", slog.Group("host", "name", "h1"), "client", map[string]any{"id": "c"})
		sl.With("event", "e", slog.Group("url", "path", "/x")).Info("y")
		sl.WithGroup("service").Info("z", "name", "n")
		lines := buf.Lines()
		checkECSKeys(t, p+" slog", lines[0], p == "ecs", []string{"user"}, []string{"host", "client"})
		checkECSKeys(t, p+" slog With", lines[1], p == "ecs", []string{"event"}, []string{"url"})
		if s, _ := uniqueKeys(t, lines[2])["service"].(map[string]any); s["name"] != "n" {
			t.Errorf("%s: WithGroup: %s", p, lines[2])
		}
	}
}
