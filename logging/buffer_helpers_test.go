package logging_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// Helpers of the per-request log buffering tests: a request runs through
// the request scope as httpmw and grpcmw run it (Begin, Bind, End).

// bufLogger is a JSON logger at info, buffering debug lines, never slow
// unless the options say otherwise.
func bufLogger(t testing.TB, opts ...logging.Option) (*logging.Logger, *syncBuffer) {
	t.Helper()
	all := append([]logging.Option{logging.WithBufferLevel(zapcore.DebugLevel), logging.WithBufferSlow(time.Hour)}, opts...)
	return newJSON(t, all...)
}

// forBufferingBases runs f, each in a subtest, with the base logger of a
// request that buffers and the buffer its lines reach: one built by New
// ("otelkit") and a zap logger of one's own ("foreign"), which follows the
// global logger's buffering.
func forBufferingBases(t *testing.T, f func(t *testing.T, base *zap.Logger, buf *syncBuffer)) {
	for _, name := range []string{"otelkit", "foreign"} {
		t.Run(name, func(t *testing.T) {
			l, buf := bufLogger(t)
			base := l.Zap()
			if name == "foreign" {
				replaceGlobal(t, base)
				base, buf = foreignJSON(zapcore.InfoLevel)
			}
			f(t, base, buf)
		})
	}
}

// scoped is one request through the scope.
type scoped struct {
	s    reqscope.Scope
	ctx  context.Context
	span trace.Span
}

var accessPolicy = reqscope.AccessLog{Message: "test_request"}

// begin starts a request with ID id bound to l, inside a span of tp (or
// without a span when tp is nil).
func begin(ctx context.Context, l *zap.Logger, id string, tp trace.TracerProvider) *scoped {
	r := &scoped{span: trace.SpanFromContext(ctx)}
	if tp != nil {
		ctx, r.span = tp.Tracer("t").Start(ctx, "server")
	}
	r.s.Begin([]string{id}, l, nil, zap.String("method", "GET"))
	r.ctx = r.s.Bind(ctx)
	return r
}

// end ends the request with outcome o and a status field.
func (r *scoped) end(o reqscope.Outcome) {
	r.s.End(&accessPolicy, o, statusField(200))
	r.span.End()
}

type statusField int

func (s statusField) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddInt("status", int(s))
	return nil
}

func (r *scoped) log() *zap.Logger { return logging.FromContext(r.ctx) }

// byMsg returns the decoded lines whose msg is msg.
func byMsg(t testing.TB, b *syncBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range b.Lines() {
		m := decode(t, l)
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// msgs returns the msg of every line, in order.
func msgs(t testing.TB, b *syncBuffer) []string {
	t.Helper()
	var out []string
	for _, l := range b.Lines() {
		out = append(out, decode(t, l)["msg"].(string))
	}
	return out
}

// tickClock advances by one millisecond at every reading.
type tickClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *tickClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// statsDelta is the change of the process's buffering counts since before.
func statsDelta(before logging.BufferStats) logging.BufferStats {
	now := logging.BufferStatsNow()
	return logging.BufferStats{
		Buffered:  now.Buffered - before.Buffered,
		Flushed:   now.Flushed - before.Flushed,
		Dropped:   now.Dropped - before.Dropped,
		Evicted:   now.Evicted - before.Evicted,
		OverCap:   now.OverCap - before.OverCap,
		Lost:      now.Lost - before.Lost,
		HeldBytes: now.HeldBytes - before.HeldBytes,
	}
}
