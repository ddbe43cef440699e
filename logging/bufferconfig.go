package logging

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/env"
)

// Environment variables of per-request log buffering (see the package
// documentation). An option always wins over them.
const (
	EnvBufferLevel = "OTELKIT_LOG_BUFFER_LEVEL" // debug | info | warn | off; off when unset
	EnvBufferSlow  = "OTELKIT_LOG_BUFFER_SLOW"  // a Go duration such as 1s or 500ms; default 1s
)

// Defaults of per-request log buffering.
const (
	DefaultBufferSlow       = time.Second // OTELKIT_LOG_BUFFER_SLOW
	DefaultBufferLines      = 256         // BufferLimits.Lines
	DefaultBufferBytes      = 256 << 10   // BufferLimits.Bytes
	DefaultBufferTotalBytes = 32 << 20    // BufferLimits.TotalBytes
)

// BufferLimits bound what per-request log buffering keeps in memory. A zero
// member means its default.
type BufferLimits struct {
	// Lines and Bytes bound one request's buffer: past either, its oldest
	// lines go first (counted as evicted). Defaults: DefaultBufferLines,
	// DefaultBufferBytes.
	Lines int
	Bytes int
	// TotalBytes bounds the bytes buffered by all requests of the process
	// together: past it, new lines are not kept (counted as over_cap).
	// Default: DefaultBufferTotalBytes.
	TotalBytes int64
}

// WithBufferLevel turns per-request log buffering on: inside a request, a
// line below the logger's level but at or above l is kept in the request's
// buffer and written only if the request goes wrong. Allowed: debug, info,
// warn. It wins over OTELKIT_LOG_BUFFER_LEVEL; by default buffering is off.
func WithBufferLevel(l zapcore.Level) Option {
	return optionFunc(func(c config) config { c.buf.level, c.buf.off = &l, false; return c })
}

// WithoutBuffer turns per-request log buffering off, whatever
// OTELKIT_LOG_BUFFER_LEVEL says (off is also the default).
func WithoutBuffer() Option {
	return optionFunc(func(c config) config { c.buf.level, c.buf.off = nil, true; return c })
}

// WithBufferSlow sets the duration past which a request counts as gone
// wrong, so its buffered lines are written. It must be positive. It wins
// over OTELKIT_LOG_BUFFER_SLOW; the default is 1s (DefaultBufferSlow).
func WithBufferSlow(d time.Duration) Option {
	return optionFunc(func(c config) config { c.buf.slow = &d; return c })
}

// WithBufferLimits sets the bounds of per-request log buffering; zero
// members keep their defaults, negative ones make New fail. No environment
// variable sets them.
func WithBufferLimits(l BufferLimits) Option {
	return optionFunc(func(c config) config { c.buf.limits = l; return c })
}

// bufferOptions is what the buffering options set.
type bufferOptions struct {
	level  *zapcore.Level
	off    bool
	slow   *time.Duration
	limits BufferLimits
}

// bufferPolicy is resolved buffering: shared, never changed.
type bufferPolicy struct {
	level    zapcore.Level
	slow     time.Duration
	maxLines int
	maxBytes int
	total    int64
}

// resolve returns the policy (nil: buffering off) after option >
// environment > default. Both variables are checked even when an option
// decides, so an invalid value is never silent.
func (o bufferOptions) resolve(src env.Source) (*bufferPolicy, error) {
	lv, on, err := resolveBufferLevel(o, src)
	if err != nil {
		return nil, err
	}
	slow, err := resolveBufferSlow(o, src)
	if err != nil {
		return nil, err
	}
	l := o.limits
	if l.Lines < 0 || l.Bytes < 0 || l.TotalBytes < 0 {
		return nil, env.OptionError("WithBufferLimits", fmt.Sprintf("%+v", l), "members >= 0 (0: the default)")
	}
	if !on {
		return nil, nil
	}
	p := &bufferPolicy{level: lv, slow: slow, maxLines: DefaultBufferLines, maxBytes: DefaultBufferBytes, total: DefaultBufferTotalBytes}
	policyMade.Store(true)
	if l.Lines > 0 {
		p.maxLines = l.Lines
	}
	if l.Bytes > 0 {
		p.maxBytes = l.Bytes
	}
	if l.TotalBytes > 0 {
		p.total = l.TotalBytes
	}
	return p, nil
}

func resolveBufferLevel(o bufferOptions, src env.Source) (zapcore.Level, bool, error) {
	v, set, err := src.Enum(EnvBufferLevel, "debug", "info", "warn", "off")
	if err != nil {
		return 0, false, err
	}
	switch {
	case o.off:
		return 0, false, nil
	case o.level != nil:
		if *o.level < zapcore.DebugLevel || *o.level > zapcore.WarnLevel {
			return 0, false, env.OptionError("WithBufferLevel", o.level.String(), "debug, info, warn")
		}
		return *o.level, true, nil
	case !set || v == "off":
		return 0, false, nil
	}
	var lv zapcore.Level
	_ = lv.UnmarshalText([]byte(v))
	return lv, true, nil
}

func resolveBufferSlow(o bufferOptions, src env.Source) (time.Duration, error) {
	const allowed = "a positive duration such as 1s, 500ms or 2m"
	d := DefaultBufferSlow
	if v, ok := src.String(EnvBufferSlow); ok {
		parsed, err := time.ParseDuration(strings.ToLower(v))
		if err != nil || parsed <= 0 {
			return 0, &env.Error{Var: EnvBufferSlow, Value: v, Allowed: allowed}
		}
		d = parsed
	}
	if o.slow != nil {
		if *o.slow <= 0 {
			return 0, env.OptionError("WithBufferSlow", o.slow.String(), allowed)
		}
		d = *o.slow
	}
	return d, nil
}

// policyOf returns the buffering policy requests bound to l follow: a
// logger built by New has its own; any other logger (a foreign logger
// passed to a middleware) follows the global logger when New built it,
// else the environment.
func policyOf(l *zap.Logger) *bufferPolicy {
	if c, ok := l.Core().(*core); ok {
		return c.buf.policy()
	}
	// zap.L takes a read lock that every request of every core would
	// share. While no logger buffers and the environment asks for no
	// buffering (valid and off), the answer is nil whatever the global
	// logger is, so it is not asked.
	if !policyMade.Load() {
		if p, err := readEnvPolicy(); p == nil && err == nil {
			return nil
		}
	}
	if c, ok := global().Core().(*core); ok {
		return c.buf.policy()
	}
	return envPolicy()
}

// policyMade is set once bufferOptions.resolve has made a policy: until
// then no logger buffers.
var policyMade atomic.Bool

var (
	envReadOnce, envWarnOnce sync.Once
	envPol                   *bufferPolicy
	envErr                   error
)

// readEnvPolicy returns the policy the environment asks for and its error,
// read once and reported to no one.
func readEnvPolicy() (*bufferPolicy, error) {
	envReadOnce.Do(func() { envPol, envErr = bufferOptions{}.resolve(env.FromOS()) })
	return envPol, envErr
}

// envPolicy returns the policy the environment asks for. An invalid value
// turns buffering off and is reported once, through the global logger,
// naming the variable.
func envPolicy() *bufferPolicy {
	p, err := readEnvPolicy()
	if err != nil {
		envWarnOnce.Do(func() {
			global().Warn("logging_env_invalid", Err(err), zap.String("effect", "per-request log buffering is off"))
		})
		return nil
	}
	return p
}

// BufferLevel returns the level from which per-request log buffering keeps
// lines below the logger's level, and false when buffering is off (also
// for a nil *Logger).
func (l *Logger) BufferLevel() (zapcore.Level, bool) {
	if l.unbuilt() {
		return 0, false
	}
	if c, ok := l.zl.Core().(*core); ok && c.buf != nil {
		return c.buf.pol.level, true
	}
	return 0, false
}
