package logging_test

import (
	"os"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
)

type nilClock struct{ t time.Time }

func (c *nilClock) Now() time.Time                         { return c.t }
func (c *nilClock) NewTicker(d time.Duration) *time.Ticker { _ = c.t; return time.NewTicker(d) }

type nilHook struct{ n int }

func (h *nilHook) OnWrite(*zapcore.CheckedEntry, []zapcore.Field) { h.n++ }

// A typed nil given to an option means what nil means, the option's
// default: before, New or the first line panicked.
func TestTypedNilOptionsMeanDefault(t *testing.T) {
	var out logbuf.Buffer
	log, err := logging.New(logging.WithFormat("json"), logging.WithOutput(&out),
		logging.WithClock((*nilClock)(nil)), logging.WithFatalHook((*nilHook)(nil)),
		logging.WithLoggerProvider((*sdklog.LoggerProvider)(nil)))
	if err != nil {
		t.Fatal(err)
	}
	log.Zap().Info("typed_nil_options")
	if len(out.JSONLines(t)) != 1 {
		t.Errorf("lines %q", out.String())
	}
	// The default output, os.Stdout, stands in for a nil *os.File.
	stdout, err := logging.New(logging.WithFormat("json"), logging.WithOutput((*os.File)(nil)))
	if err != nil {
		t.Fatal(err)
	}
	stdout.Zap().Info("typed_nil_output")
}

// TestNilOutputCopyIgnored: WithOutputCopy given nil or a typed nil adds
// no copy (as WithOutput means its default for them), so every line
// reaches the output whole and none is counted as failed.
func TestNilOutputCopyIgnored(t *testing.T) {
	var out logbuf.Buffer
	log, err := logging.New(logging.WithFormat("json"), logging.WithOutput(&out),
		logging.WithOutputCopy(nil), logging.WithOutputCopy((*os.File)(nil)), logging.WithOutputCopy((*logbuf.Buffer)(nil)))
	if err != nil {
		t.Fatal(err)
	}
	log.Zap().Info("nil_copies")
	if lines := out.JSONLines(t); len(lines) != 1 || log.OutputErrors() != 0 {
		t.Errorf("output %q, OutputErrors %d; want the one line, 0", out.String(), log.OutputErrors())
	}
}

// TestOutputCopy: every line reaches each WithOutputCopy writer as well as
// the output, and a later WithOutput replaces the output, not the copies.
func TestOutputCopy(t *testing.T) {
	var first, out, cp1, cp2 logbuf.Buffer
	log, err := logging.New(logging.WithFormat("json"), logging.WithOutput(&first),
		logging.WithOutputCopy(&cp1), logging.WithOutputCopy(&cp2), logging.WithOutput(&out))
	if err != nil {
		t.Fatal(err)
	}
	log.Zap().Info("copied")
	if first.String() != "" {
		t.Errorf("replaced output got %q", first.String())
	}
	for name, b := range map[string]*logbuf.Buffer{"output": &out, "first copy": &cp1, "second copy": &cp2} {
		if lines := b.JSONLines(t); len(lines) != 1 || lines[0]["msg"] != "copied" {
			t.Errorf("%s: %v, want the one copied line", name, lines)
		}
	}
}
