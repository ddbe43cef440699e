package reqscope_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/reqscope"
	"github.com/otelkit/otelkit/logging"
)

// bufferingLogger is a logger built by logging.New at info that buffers
// debug lines.
func bufferingLogger(t *testing.T) (*zap.Logger, *lineBuffer) {
	t.Helper()
	buf := &lineBuffer{}
	l, err := logging.New(logging.WithFormat("json"), logging.WithOutput(buf),
		logging.WithEnvLookup(func(string) (string, bool) { return "", false }),
		logging.WithBufferLevel(zapcore.DebugLevel), logging.WithBufferSlow(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return l.Zap(), buf
}

// End ends the request's log buffer whatever becomes of the access line:
// off, left out (a nil line), or sampled out.
func TestEndEndsTheBufferWithoutAccessLine(t *testing.T) {
	cases := []struct {
		name    string
		p       *reqscope.AccessLog
		o       reqscope.Outcome
		line    bool
		flushed bool
	}{
		{"access log off, server error", &reqscope.AccessLog{Message: "a", Off: true}, reqscope.ServerError, true, true},
		{"line left out, server error", &reqscope.AccessLog{Message: "a"}, reqscope.ServerError, false, true},
		{"line left out, success", &reqscope.AccessLog{Message: "a"}, reqscope.Succeeded, false, false},
		{"sampled out, success", &reqscope.AccessLog{Message: "a", SampleEvery: 1000}, reqscope.Succeeded, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := bufferingLogger(t)
			before := logging.BufferStatsNow()
			if tc.p.SampleEvery > 1 { // use up the one line in SampleEvery that is written
				var s reqscope.Scope
				s.Begin(nil, l, nil)
				s.Bind(context.Background())
				s.End(tc.p, reqscope.Succeeded, status(200))
				buf.Reset()
			}
			var s reqscope.Scope
			s.Begin(nil, l, nil)
			ctx := s.Bind(context.Background())
			logging.FromContext(ctx).Debug("detail")
			var line zapcore.ObjectMarshaler
			if tc.line {
				line = status(200)
			}
			s.End(tc.p, tc.o, line)
			out := buf.String()
			if got := strings.Contains(out, `"msg":"detail"`); got != tc.flushed {
				t.Errorf("detail written = %v, want %v:\n%s", got, tc.flushed, out)
			}
			if strings.Contains(out, `"msg":"a"`) {
				t.Errorf("an access line:\n%s", out)
			}
			if now := logging.BufferStatsNow(); now.HeldBytes != before.HeldBytes || now.Buffered != before.Buffered+1 {
				t.Errorf("counts before %+v, after %+v", before, now)
			}
		})
	}
}
