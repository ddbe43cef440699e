package logging

import (
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// DefaultName is the instrumentation scope name of OTLP log records unless
// WithName sets another.
const DefaultName = "github.com/otelkit/otelkit/logging"

// Logger is the service logger New builds: a zap logger whose lines follow
// otelkit's line contract, with a level that can change at run time.
type Logger struct {
	zl  *zap.Logger
	lvl zap.AtomicLevel
}

// New builds the service logger. Options win over the environment
// (OTELKIT_LOG_FORMAT, OTELKIT_LOG_LEVEL, OTELKIT_LOG_PROFILE,
// OTELKIT_GCP_PROJECT, GOOGLE_CLOUD_PROJECT), which wins over the defaults:
// console on a terminal and JSON otherwise, level info, the default profile,
// os.Stdout, caller on every line, stack traces from error level up. An
// invalid option or environment value makes New return an error naming the
// variable (or option), the value and what is allowed.
func New(opts ...Option) (*Logger, error) {
	cfg := newConfig(opts)
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	lvl := zap.NewAtomicLevelAt(r.level)
	c := &core{
		level:      lvl,
		out:        zapcore.Lock(r.out),
		prof:       r.prof,
		json:       r.json,
		gcpProject: r.gcpProject,
		spanErrors: !cfg.noSpanErrs,
		noCaller:   cfg.noCaller,
	}
	if r.json {
		c.enc = zapcore.NewJSONEncoder(zapcore.EncoderConfig{
			StacktraceKey:  r.prof.stack,
			LineEnding:     "\n",
			EncodeDuration: zapcore.StringDurationEncoder,
			EncodeTime:     zapcore.RFC3339NanoTimeEncoder,
		})
	} else {
		levelEnc := zapcore.CapitalLevelEncoder
		if r.color {
			levelEnc = zapcore.CapitalColorLevelEncoder
		}
		c.enc = zapcore.NewConsoleEncoder(zapcore.EncoderConfig{
			TimeKey:          "time",
			LevelKey:         "level",
			NameKey:          "logger",
			CallerKey:        "caller",
			MessageKey:       "msg",
			StacktraceKey:    "stacktrace",
			LineEnding:       "\n",
			EncodeLevel:      levelEnc,
			EncodeTime:       zapcore.TimeEncoderOfLayout("2006-01-02T15:04:05.000Z07:00"),
			EncodeDuration:   zapcore.StringDurationEncoder,
			EncodeCaller:     zapcore.ShortCallerEncoder,
			ConsoleSeparator: "  ",
		})
	}
	if cfg.provider != nil {
		name := cfg.name
		if name == "" {
			name = DefaultName
		}
		c.bridge = otelzap.NewCore(name, otelzap.WithLoggerProvider(cfg.provider))
	}
	zopts := []zap.Option{zap.AddStacktrace(zapcore.ErrorLevel), zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(stderr)))}
	if !cfg.noCaller {
		zopts = append(zopts, zap.AddCaller())
	}
	if cfg.clock != nil {
		zopts = append(zopts, zap.WithClock(cfg.clock))
	}
	return &Logger{zl: zap.New(c, zopts...), lvl: lvl}, nil
}

// Zap returns the zap logger. Pass it to NewContext, or to zap.ReplaceGlobals
// so FromContext falls back to it. On a nil *Logger it returns the logger
// FromContext falls back to.
func (l *Logger) Zap() *zap.Logger {
	if l == nil {
		return global()
	}
	return l.zl
}

// SetLevel changes the minimum level of every logger derived from l, at
// once and safely while other goroutines log. A nil *Logger ignores it.
func (l *Logger) SetLevel(lv zapcore.Level) {
	if l != nil {
		l.lvl.SetLevel(lv)
	}
}

// Level returns the current minimum level (info for a nil *Logger).
func (l *Logger) Level() zapcore.Level {
	if l == nil {
		return zapcore.InfoLevel
	}
	return l.lvl.Level()
}

// Sync flushes buffered output and the OTLP bridge. Call it before exit.
func (l *Logger) Sync() error {
	if l == nil {
		return nil
	}
	return l.zl.Sync()
}

// Slog returns a log/slog logger writing through l with the same
// correlation (see NewSlogHandler).
func (l *Logger) Slog() *slog.Logger { return slog.New(NewSlogHandler(l.Zap())) }

// maxLevelBody bounds the body LevelHandler reads.
const maxLevelBody = 1 << 10

// LevelHandler returns an http.Handler for the level: GET answers
// {"level":"info"}; PUT or POST with {"level":"debug"} (JSON), a form or
// query parameter level=debug changes it at once and answers the new level.
// Allowed levels: debug, info, warn, error. Bad input gets 400, other
// methods 405. Mount it on an admin port: it does no authentication.
func (l *Logger) LevelHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l == nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "no logger"})
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPut, http.MethodPost:
			lv, msg := parseLevelRequest(w, r)
			if msg != "" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
				return
			}
			l.SetLevel(lv)
		default:
			w.Header().Set("Allow", "GET, HEAD, PUT, POST")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed; use GET, PUT or POST"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"level": l.Level().String()})
	})
}

const levelAllowed = "allowed: debug, info, warn, error"

func parseLevelRequest(w http.ResponseWriter, r *http.Request) (zapcore.Level, string) {
	var text string
	if q := r.URL.Query().Get("level"); q != "" {
		text = q
	} else {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLevelBody))
		if err != nil {
			return 0, "body too large or unreadable"
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			if err := r.ParseForm(); err != nil {
				return 0, "bad form"
			}
			text = r.PostForm.Get("level")
		} else {
			var req struct {
				Level *string `json:"level"`
			}
			if err := json.Unmarshal(body, &req); err != nil || req.Level == nil {
				return 0, `body must be {"level":"<level>"}; ` + levelAllowed
			}
			text = *req.Level
		}
	}
	switch lt := strings.ToLower(strings.TrimSpace(text)); lt {
	case "debug", "info", "warn", "error":
		var lv zapcore.Level
		_ = lv.UnmarshalText([]byte(lt))
		return lv, ""
	}
	if len(text) > 32 || !utf8.ValidString(text) {
		text = "(invalid)"
	}
	return 0, "unknown level " + strconvQuote(text) + "; " + levelAllowed
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
