package otel

import (
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/logging"
)

// WithLogBufferLevel turns per-request log buffering on (see logging's
// "Per-request log buffering"): inside a request, a line below the log
// level but at or above l is kept and written only if the request goes
// wrong. Allowed: debug, info, warn; another level is a ConfigError naming
// WithLogBufferLevel. It is logging.WithBufferLevel passed to logging.New,
// and like Init's other log options it wins over the same setting given
// through WithLoggingOptions; it wins over OTELKIT_LOG_BUFFER_LEVEL, and by
// default buffering is off.
func WithLogBufferLevel(l zapcore.Level) Option {
	return optionFunc(func(c config) config { c.logBuffer = &l; return c })
}

// logBufferOption is WithLogBufferLevel as logging.New's option, checked
// here so that an error names the option the user wrote.
func (c config) logBufferOption() (logging.Option, error) {
	l := c.logBuffer
	if l == nil {
		return nil, nil
	}
	if *l < zapcore.DebugLevel || *l > zapcore.WarnLevel {
		return nil, env.OptionError("WithLogBufferLevel", l.String(), "debug, info, warn")
	}
	return logging.WithBufferLevel(*l), nil
}

// LogBufferHealth is the Health document's view of per-request log
// buffering: the level it keeps from, and what it did since the process
// started (logging.BufferStats).
type LogBufferHealth struct {
	Level string `json:"level"`
	logging.BufferStats
}

// logBufferHealth returns the view, or nil when buffering is off and has
// never held a line.
func logBufferHealth(l *logging.Logger) *LogBufferHealth {
	stats := logging.BufferStatsNow()
	lv, on := l.BufferLevel()
	if !on && stats == (logging.BufferStats{}) {
		return nil
	}
	h := &LogBufferHealth{Level: "off", BufferStats: stats}
	if on {
		h.Level = lv.String()
	}
	return h
}
