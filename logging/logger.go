package logging

import (
	"io"
	"os"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/hostcheck"
)

// DefaultName is the instrumentation scope name of OTLP log records unless
// WithName sets another.
const DefaultName = "github.com/otelkit/otelkit/logging"

// Logger is the service logger New builds: a zap logger whose lines follow
// otelkit's line contract, with a level that can change at run time. A
// zero Logger, which New did not build, behaves as a nil *Logger.
type Logger struct {
	zl      *zap.Logger
	lvl     zap.AtomicLevel
	changed atomic.Bool      // SetLevel was called: the level is no longer the one New chose
	source  string           // LevelSource
	out     *output          // the output, which counts the lines it failed to take
	hosts   hostcheck.Policy // the Host headers LevelHandler answers (WithAllowedHosts)
}

// New builds the service logger. Options win over the environment
// (OTELKIT_LOG_FORMAT, OTELKIT_LOG_LEVEL, OTELKIT_LOG_PROFILE,
// OTELKIT_GCP_PROJECT, GOOGLE_CLOUD_PROJECT, OTELKIT_LOG_BUFFER_LEVEL,
// OTELKIT_LOG_BUFFER_SLOW), which wins over the defaults:
// console on a terminal and JSON otherwise, level info, the default profile,
// os.Stdout, caller on every line, stack traces from error level up, no
// per-request log buffering. An invalid option or environment value makes
// New return an error naming the variable (or option), the value and what
// is allowed.
func New(opts ...Option) (*Logger, error) {
	cfg := newConfig(opts)
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	lvl := zap.NewAtomicLevelAt(r.level)
	out := newOutput(r.out)
	reports := newErrorReports(stderr)
	c := &core{
		level:      lvl,
		out:        out,
		prof:       r.prof,
		json:       r.json,
		extra:      serviceMembers(r),
		gcpProject: r.gcpProject,
		spanErrors: !cfg.noSpanErrs,
		noCaller:   cfg.noCaller,
		errOut:     reports,
		keys:       cfg.redact.Rule(),
		enc:        newEncoder(r),
		con:        newConsole(r, cfg),
		buf:        policyBuffer(r.buf),
	}
	if cfg.provider != nil {
		name := cfg.name
		if name == "" {
			name = DefaultName
		}
		c.bridge = newOTLPCore(name, cfg.provider)
	}
	zopts := []zap.Option{zap.AddStacktrace(zapcore.ErrorLevel), zap.ErrorOutput(reports)}
	if !cfg.noCaller {
		zopts = append(zopts, zap.AddCaller())
	}
	if cfg.clock != nil {
		zopts = append(zopts, zap.WithClock(cfg.clock))
	}
	if cfg.onFatal != nil {
		zopts = append(zopts, zap.WithFatalHook(cfg.onFatal))
	}
	l := &Logger{zl: zap.New(c, zopts...), lvl: lvl, source: r.levelSource, out: out, hosts: r.hosts}
	warnConfig(l.zl, r)
	return l, nil
}

// warnConfig writes an otelkit_config_warning for each setting New took
// that cannot do what it is for.
func warnConfig(zl *zap.Logger, r resolved) {
	if r.json && r.prof.name == ProfileGCP && r.gcpProject == "" {
		zl.Warn("otelkit_config_warning",
			zap.String("variable", EnvGCPProject),
			zap.String("detail", "the gcp profile knows no Google Cloud project, so logging.googleapis.com/trace holds the bare trace ID, which Cloud Logging does not link to the trace: set "+
				EnvGCPProject+" or "+EnvGCPCloud+", WithGCPProject, or cloud.provider=gcp and cloud.account.id on the resource (the GCP resource detector sets them)"))
	}
	if r.buf != nil && r.buf.level >= r.level {
		zl.Warn("otelkit_config_warning",
			zap.String("variable", EnvBufferLevel),
			zap.String("detail", "per-request log buffering at "+r.buf.level.String()+" keeps nothing while the log level is "+r.level.String()+
				": it keeps lines below the level, and lines at or above it are written at once; it takes effect if the level is raised above "+
				r.buf.level.String()+" (SetLevel, the health handler)"))
	}
	if r.unusedProf != "" {
		zl.Warn("otelkit_config_warning",
			zap.String("variable", EnvProfile),
			zap.String("detail", "the "+r.unusedProf+" profile has no effect: lines are in the console format (the default on a terminal), "+
				"which has one layout; set "+EnvFormat+"=json (WithFormat) for the profile's keys"))
	}
}

// serviceMembers pre-encodes what a line writes after its message: the
// profile's constant members, then the service (JSON only).
func serviceMembers(r resolved) string {
	if !r.json {
		return ""
	}
	b := []byte(r.prof.extra)
	if r.prof.appendService != nil {
		b = r.prof.appendService(b, r.svc)
	}
	return string(b)
}

// newEncoder returns the encoder of the JSON core: zap's JSON encoder for
// the fields alone (the core writes the entry's members itself). The
// console core writes its lines itself (console.go) and has none.
func newEncoder(r resolved) zapcore.Encoder {
	if !r.json {
		return nil
	}
	return zapcore.NewJSONEncoder(zapcore.EncoderConfig{
		StacktraceKey:  r.prof.stack,
		LineEnding:     "\n",
		EncodeDuration: encodeDuration,
		EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
	})
}

// newConsole returns how console lines look; nil for JSON.
func newConsole(r resolved, cfg config) *consoleFormat {
	if r.json {
		return nil
	}
	return &consoleFormat{color: r.color, spanID: cfg.consoleSpanID}
}

// Zap returns the zap logger. Pass it to NewContext, or to zap.ReplaceGlobals
// so FromContext falls back to it. On a nil *Logger it returns the logger
// FromContext falls back to.
func (l *Logger) Zap() *zap.Logger {
	if l.unbuilt() {
		return global()
	}
	return l.zl
}

// SetLevel changes the minimum level of every logger derived from l, at
// once and safely while other goroutines log. A nil *Logger ignores it.
func (l *Logger) SetLevel(lv zapcore.Level) {
	if !l.unbuilt() {
		l.lvl.SetLevel(lv)
		l.changed.Store(true)
	}
}

// LevelSource says where New took the level from: "option" (WithLevel),
// "env:OTELKIT_LOG_LEVEL" or "default"; "" for a nil *Logger. LevelChanged
// says whether it was changed since.
func (l *Logger) LevelSource() string {
	if l == nil {
		return ""
	}
	return l.source
}

// LevelChanged reports whether the level was set at run time (SetLevel, or
// a PUT to LevelHandler) since New, even to the level it had: from then on
// the level no longer comes from the option or OTELKIT_LOG_LEVEL. False
// for a nil *Logger.
func (l *Logger) LevelChanged() bool {
	return l != nil && l.changed.Load()
}

// Level returns the current minimum level (info for a nil *Logger).
func (l *Logger) Level() zapcore.Level {
	if l.unbuilt() {
		return zapcore.InfoLevel
	}
	return l.lvl.Level()
}

// OutputErrors returns how many lines the output, or a copy
// (WithOutputCopy), did not take whole since New: a write that failed,
// came back short or panicked (a closed pipe, a full disk). zap reports them on stderr too ("write error", at
// most one report per 10 s after the first); the line still reaches the
// OTLP bridge. 0 for a nil *Logger.
func (l *Logger) OutputErrors() uint64 {
	if l.unbuilt() {
		return 0
	}
	return l.out.failed.Load()
}

// Sync flushes the output. Call it before exit. It does not flush OTLP
// records: the bridge keeps none, and those it emitted wait in the log
// provider's processor until its ForceFlush or Shutdown (otel's
// Telemetry.Shutdown).
func (l *Logger) Sync() error {
	if l.unbuilt() {
		return nil
	}
	return l.zl.Sync()
}

// unbuilt reports a *Logger New did not build: nil, or a zero Logger.
func (l *Logger) unbuilt() bool { return l == nil || l.zl == nil }

// stderr is where zap reports its own errors (tests replace it).
var stderr io.Writer = os.Stderr

// fallback is the logger global falls back to, built once.
var (
	fallbackOnce sync.Once
	fallback     *zap.Logger
)

// global returns zap.L(), or while that is zap's no-op logger a logger
// built by New from the environment (JSON or console on stdout).
func global() *zap.Logger {
	l := zap.L()
	if l.Core() != zapcore.NewNopCore() {
		return l
	}
	fallbackOnce.Do(func() {
		lg, err := New()
		if err != nil {
			// The environment is invalid: use the defaults and say why.
			lg, _ = New(WithEnvLookup(func(string) (string, bool) { return "", false }))
			lg.Zap().Warn("logging_env_invalid", Err(err))
		}
		fallback = lg.Zap()
	})
	return fallback
}
