package logging_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

var hostile = []string{
	"line1\nline2",
	"forged\r\n{\"level\":\"error\",\"msg\":\"forged\"}",
	"\x1b[31mred\x1b[0m \x1b]0;title\x07",
	`quote " and backslash \ and \" escaped`,
	`{"msg":"injected"}`,
	"tab\there\x00nul\x7fdel",
	"unicode\u2028sep\u2029para\u0085nel\u009bcsi",
	"bad utf8 \xff\xfe",
}

func TestJSONInjection(t *testing.T) {
	for _, p := range []string{"default", "gcp", "ecs", "datadog"} {
		l, buf := newJSON(t, logging.WithProfile(p), logging.WithGCPProject("p"))
		for _, s := range hostile {
			ctx := logging.With(logging.NewContext(context.Background(), l.Zap()), zap.String("request_id", s))
			logging.FromContext(ctx).Named(s).Info(s, zap.String(s, s), zap.Strings("list", []string{s}))
		}
		lines := buf.Lines()
		if len(lines) != len(hostile) {
			t.Fatalf("%s: %d hostile entries gave %d lines", p, len(hostile), len(lines))
		}
		msgKey, reqKey, logKey := "msg", "request_id", "logger"
		switch p {
		case "gcp":
			msgKey = "message"
		case "ecs":
			msgKey, reqKey, logKey = "message", "http.request.id", "log.logger"
		case "datadog":
			msgKey, reqKey, logKey = "message", "http.request_id", "logger.name"
		}
		for i, line := range lines {
			for _, c := range line {
				if c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' {
					t.Fatalf("%s: raw control character %U in %q", p, c, line)
				}
			}
			m := decode(t, line)
			want := validUTF8(hostile[i])
			if m[msgKey] != want || m[reqKey] != want || m[logKey] != want || m[want] != want {
				t.Fatalf("%s: value did not round-trip:\n%q\n%v", p, hostile[i], m)
			}
		}
	}
}

func TestConsoleInjection(t *testing.T) {
	buf := &syncBuffer{}
	l, err := logging.New(logging.WithFormat("console"), logging.WithOutput(buf), logging.WithEnvLookup(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range hostile {
		ctx := logging.With(logging.NewContext(context.Background(), l.Zap()), zap.String("request_id", s))
		logging.FromContext(ctx).Named(s).Info(s, zap.String(s, s))
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(hostile) {
		t.Fatalf("%d hostile entries gave %d lines:\n%s", len(hostile), len(lines), out)
	}
	for i, line := range lines {
		for _, c := range line {
			if (c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029' {
				t.Fatalf("raw control character %U in console line %q", c, line)
			}
		}
		if strings.Contains(line, "\r") || strings.Contains(line, "\x1b") {
			t.Fatalf("line %d can drive the terminal: %q", i, line)
		}
	}
	if !strings.Contains(lines[0], `line1\nline2`) || !strings.Contains(lines[2], `\x1b[31mred`) {
		t.Fatalf("escapes not visible:\n%s", out)
	}
	// A console line has no colour codes when the output is not a terminal.
	if strings.Contains(out, "\x1b[") {
		t.Fatal("colour on a non-terminal")
	}
}

func TestConsoleCarriesCorrelation(t *testing.T) {
	for _, spanID := range []bool{false, true} {
		buf := &syncBuffer{}
		opts := []logging.Option{logging.WithFormat("console"), logging.WithOutput(buf), logging.WithEnvLookup(noEnv)}
		if spanID {
			opts = append(opts, logging.WithConsoleSpanID())
		}
		l, err := logging.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, sc := staticSpan(true)
		ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("user", "bob"), zap.String("request_id", "r-7"))
		logging.FromContext(ctx).Info("hello", zap.Int("n", 1))
		line := buf.Lines()[0]
		want := " trace=" + sc.TraceID().String()[:8] + " request_id=r-7 user=bob n=1 caller="
		if spanID {
			want = " trace=" + sc.TraceID().String()[:8] + " span=" + sc.SpanID().String() + " request_id=r-7 user=bob n=1 caller="
		}
		if !strings.Contains(line, "[info  ] hello ") || !strings.Contains(line, want) {
			t.Fatalf("console line %q\nwant %q", line, want)
		}
		if !spanID && strings.Contains(line, sc.SpanID().String()) {
			t.Fatalf("span ID written without WithConsoleSpanID: %q", line)
		}
	}
}

// validUTF8 replaces each invalid byte of s with U+FFFD, as JSON output does.
func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += size
	}
	return b.String()
}
