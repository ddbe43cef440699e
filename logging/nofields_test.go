package logging_test

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// TestLineWithoutFields: a line with no fields of its own skips the field
// encoder, unless fields are bound in it (With, a namespace) or the line
// carries a stack trace; every such line is whole JSON with what is bound.
func TestLineWithoutFields(t *testing.T) {
	for name, tc := range map[string]struct {
		log  func(*zap.Logger)
		want []string
	}{
		"none":             {func(l *zap.Logger) { l.Info("plain") }, []string{`"msg":"plain"`}},
		"bound":            {func(l *zap.Logger) { l.With(zap.String("a", "b")).Info("bound") }, []string{`"a":"b"`}},
		"bound namespace":  {func(l *zap.Logger) { l.With(zap.Namespace("ns")).Info("ns") }, []string{`"ns":{}`}},
		"stack":            {func(l *zap.Logger) { l.Error("failed") }, []string{`"stacktrace":"`}},
		"bound then error": {func(l *zap.Logger) { l.With(zap.Error(errors.New("x"))).Warn("w") }, []string{`"error":"x"`}},
	} {
		t.Run(name, func(t *testing.T) {
			l, buf := newJSON(t)
			tc.log(l.Zap())
			line := strings.TrimSpace(buf.String())
			m := decode(t, line) // fails on invalid JSON
			if m["msg"] == nil {
				t.Fatalf("no msg in %s", line)
			}
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("line %s lacks %s", line, w)
				}
			}
		})
	}
}
