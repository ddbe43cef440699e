package logging_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/logging"
)

var consoleTime = time.Date(2025, 6, 1, 12, 3, 7, 412_345_678, time.UTC)

// newConsole returns a console logger on a buffer, at debug level, with
// the fixed clock.
func newConsole(t *testing.T, opts ...logging.Option) (*logging.Logger, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	opts = append([]logging.Option{logging.WithFormat("console"), logging.WithOutput(buf), logging.WithEnvLookup(noEnv),
		logging.WithLevel(zapcore.DebugLevel), logging.WithClock(fixedClock{consoleTime})}, opts...)
	l, err := logging.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l, buf
}

// entryStart matches the first characters of an entry's line.
var entryStart = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[`)

// TestConsoleLayout: local time with milliseconds, level and event padded,
// key=value pairs in order, the caller last.
func TestConsoleLayout(t *testing.T) {
	l, buf := newConsole(t)
	ctx, _ := staticSpan(true)
	ctx = logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "01JABC"))
	logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", "42"), zap.Int("items", 2),
		zap.Duration("took", 1500*time.Microsecond), zap.Bool("cached", false), zap.Float64("ratio", 0.25))
	l.Zap().Warn("w")
	l.Zap().Named("db").Debug("query_done")
	stamp := consoleTime.Local().Format("2006-01-02 15:04:05.000")
	lines := buf.Lines()
	want := []string{
		stamp + " [info  ] order_loaded             trace=4bf92f35 request_id=01JABC order_id=42 items=2 took=1.5ms cached=false ratio=0.25 caller=logging/console_test.go:",
		stamp + " [warn  ] w                        caller=logging/console_test.go:",
		stamp + " [debug ] query_done [db]          caller=logging/console_test.go:",
	}
	if len(lines) != len(want) {
		t.Fatalf("lines:\n%s", buf)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n got %q\nwant %q…", i, lines[i], w)
		}
	}
	// Without fields nothing trails the event.
	l2, buf2 := newConsole(t, logging.WithoutCaller())
	l2.Zap().Info("bare")
	if got := buf2.String(); got != stamp+" [info  ] bare\n" {
		t.Errorf("bare line %q", got)
	}
}

// TestConsoleQuoting: strings are quoted only when a reader could misread
// them bare.
func TestConsoleQuoting(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"/orders/{id}", "/orders/{id}"},
		{"é日本", "é日本"},
		{"", `""`},
		{"two words", `"two words"`},
		{"a=b", `"a=b"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"nbsp\u00a0x", "\"nbsp\u00a0x\""},
		{"line\nbreak", `"line\nbreak"`},
		{" trace=deadbeef", `" trace=deadbeef"`},
		{"rtl\u202egpj.exe", `"rtl\u202egpj.exe"`},
	} {
		l, buf := newConsole(t, logging.WithoutCaller())
		l.Zap().Info("e", zap.String("v", tc.in), zap.Int("after", 1))
		want := " v=" + tc.want + " after=1\n"
		if got := buf.String(); !strings.HasSuffix(got, want) {
			t.Errorf("%q: line %q, want suffix %q", tc.in, got, want)
		}
	}
}

// TestConsoleNestedValues: objects, arrays, reflected values and
// namespaces are compact JSON (with invisible characters escaped);
// binary is base64.
func TestConsoleNestedValues(t *testing.T) {
	l, buf := newConsole(t, logging.WithoutCaller())
	l.Zap().Info("e",
		zap.Strings("tags", []string{"a", "b c", "rtl\u202e"}),
		zap.Any("m", map[string]int{"x": 1}),
		zap.Binary("bin", []byte{0, 1, 2}),
		zap.Namespace("http"), zap.Int("status", 200))
	want := ` tags=["a","b c","rtl\u202e"] m={"x":1} bin=AAEC http.status=200` + "\n"
	if got := buf.String(); !strings.HasSuffix(got, want) {
		t.Fatalf("line %q\nwant suffix %q", got, want)
	}
}

type multiLineErr struct{}

func (multiLineErr) Error() string { return "query failed:\n\tselect * from orders\nno such table" }

// TestConsoleBlocks: a multi-line error and the stack trace are written on
// indented lines below the entry, never as lines that could pass for one.
func TestConsoleBlocks(t *testing.T) {
	l, buf := newConsole(t, logging.WithoutCaller())
	l.Zap().Error("load_failed", zap.String("order_id", "7"), logging.Err(multiLineErr{}), zap.Int("n", 1))
	l.Zap().Info("one_line", logging.Err(errors.New("plain error")))
	lines := buf.Lines()
	if !strings.Contains(lines[0], "[error ] load_failed") || !strings.Contains(lines[0], " order_id=7 error_type=logging_test.multiLineErr n=1") {
		t.Fatalf("entry line %q", lines[0])
	}
	if strings.Contains(lines[0], "query failed") {
		t.Errorf("the multi-line error is on the entry line: %q", lines[0])
	}
	text := buf.String()
	for _, want := range []string{
		"\n    error:\n        query failed:\n            select * from orders\n        no such table\n",
		"\n    stacktrace:\n        github.com/otelkit/otelkit/logging_test.TestConsoleBlocks\n            /",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, `[info  ] one_line`) || !strings.Contains(last, ` error="plain error" error_type=*errors.errorString`) {
		t.Errorf("one-line error not inline: %q", last)
	}
	checkEntries(t, text, 2)
}

// checkEntries checks that text holds exactly n entries, that every other
// line starts with a space, and that no line holds a raw control or
// invisible formatting character.
func checkEntries(t *testing.T, text string, n int) {
	t.Helper()
	entries := 0
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case entryStart.MatchString(line):
			entries++
		case strings.HasPrefix(line, " "):
		default:
			t.Errorf("line neither starts an entry nor is indented: %q", line)
		}
		for _, c := range line {
			if c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029' || isFormatChar(c) {
				t.Fatalf("raw %U in console line %q", c, line)
			}
		}
	}
	if entries != n {
		t.Errorf("%d entries, want %d:\n%s", entries, n, text)
	}
}

func isFormatChar(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || (r >= 0x200b && r <= 0x200f) || r == 0xfeff || r == 0xad
}

// TestConsoleHostileEverywhere: a hostile string as event, logger name,
// key, value, request ID, error (also multi-line) and bound field never
// forges an entry, never reaches the terminal raw, and stays visible.
func TestConsoleHostileEverywhere(t *testing.T) {
	l, buf := newConsole(t)
	extra := []string{
		"bidi \u202a\u202b\u202c\u202d\u202e \u2066\u2067\u2068\u2069 end",
		"zw\u200b\u200c\u200d\u200e\u200f bom\ufeff shy\u00ad",
		"\n2025-06-01 12:03:07.412 [error ] forged_entry",
	}
	inputs := append(append([]string{}, hostile...), extra...)
	for _, s := range inputs {
		ctx := logging.With(logging.NewContext(context.Background(), l.Zap()), zap.String("request_id", s), zap.String("bound", s))
		logging.FromContext(ctx).Named(s).Error(s, zap.String(s, s), logging.Err(errors.New(s)), zap.Strings("list", []string{s}))
	}
	text := buf.String()
	checkEntries(t, text, len(inputs))
	for _, want := range []string{`\u202e`, `\u2066`, `\u200b`, `\ufeff`, `\x1b[31mred`, `forged\r\n{\"level\"`} {
		if !strings.Contains(text, want) {
			t.Errorf("escape %q not visible:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\x1b[") {
		t.Error("colour on a non-terminal")
	}
}

// TestConsoleJSONUnchanged: the console changes nothing in JSON lines,
// whatever colour and span settings.
func TestConsoleJSONUnchanged(t *testing.T) {
	ctx, sc := staticSpan(true)
	var lines []string
	for _, opts := range [][]logging.Option{nil, {logging.WithConsoleSpanID()}} {
		buf := &syncBuffer{}
		l, err := logging.New(append(opts, logging.WithFormat("json"), logging.WithOutput(buf),
			logging.WithEnvLookup(envOf(map[string]string{"NO_COLOR": "1"})), logging.WithClock(fixedClock{consoleTime}))...)
		if err != nil {
			t.Fatal(err)
		}
		logging.FromContext(logging.NewContext(ctx, l.Zap())).Info("e", zap.String("v", "rtl\u202e"))
		lines = append(lines, buf.String())
	}
	want := fmt.Sprintf(`{"time":"2025-06-01T12:03:07.412345678Z","level":"info","msg":"e","caller":"logging/console_test.go:%s","trace_id":"%s","span_id":"%s","trace_flags":"01","v":"rtl`+"\u202e"+`"}`+"\n",
		`\d+`, sc.TraceID(), sc.SpanID())
	for _, line := range lines {
		if !regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(want), `\\d\+`, `\d+`) + "$").MatchString(line) {
			t.Errorf("JSON line %q\nwant %q", line, want)
		}
	}
}

// BenchmarkConsoleLine: a request's line in the console format, against
// the same line through zap's own development console encoder (the
// baseline a user would otherwise write), in the same run.
func BenchmarkConsoleLine(b *testing.B) {
	ctx, sc := staticSpan(true)
	l, err := logging.New(logging.WithFormat("console"), logging.WithOutput(zapcore.AddSync(discard{})), logging.WithEnvLookup(noEnv))
	if err != nil {
		b.Fatal(err)
	}
	otelkit := logging.FromContext(logging.With(logging.NewContext(ctx, l.Zap()), zap.String("request_id", "01JABCDEF")))
	zapConsole := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(discard{}), zapcore.DebugLevel),
		zap.AddCaller()).With(zap.String("trace_id", sc.TraceID().String()), zap.String("span_id", sc.SpanID().String()), zap.String("request_id", "01JABCDEF"))
	for _, bc := range []struct {
		name, path string
		log        *zap.Logger
	}{
		{"zap_console", "/orders/42", zapConsole},
		{"otelkit_console", "/orders/42", otelkit},
		{"otelkit_console_hostile", "/orders/\u202e42\n\x1b[31m", otelkit},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				bc.log.Info("order_loaded", zap.String("path", bc.path), zap.Int("items", 2))
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestConsoleSaysAProfileHasNoEffect: the console format has one layout,
// so a vendor profile chosen for it (by option or variable; the console is
// the default on a terminal) gets a warning instead of being dropped
// without a word.
func TestConsoleSaysAProfileHasNoEffect(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []logging.Option
		env  map[string]string
		warn bool
	}{
		{name: "option", opts: []logging.Option{logging.WithProfile("gcp")}, warn: true},
		{name: "variable", env: map[string]string{logging.EnvProfile: "datadog"}, warn: true},
		{name: "default profile", env: map[string]string{logging.EnvProfile: "default"}},
		{name: "json", opts: []logging.Option{logging.WithProfile("ecs"), logging.WithFormat("json")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf strings.Builder
			opts := append([]logging.Option{logging.WithFormat("console"), logging.WithOutput(zapcore.AddSync(&buf)),
				logging.WithEnvLookup(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })}, tc.opts...)
			if _, err := logging.New(opts...); err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(buf.String(), "otelkit_config_warning") && strings.Contains(buf.String(), logging.EnvFormat)
			if warned != tc.warn {
				t.Errorf("warning %v, want %v: %q", warned, tc.warn, buf.String())
			}
		})
	}
}
