package logging

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/hostcheck"
	"github.com/otelkit/otelkit/internal/option"
	"github.com/otelkit/otelkit/internal/redact"
)

// ConfigError is the error type of every invalid option or variable New
// reports (match it with errors.As). It is the same type as
// otel.ConfigError, tracing.ConfigError and metrics.ConfigError.
type ConfigError = env.Error

// Environment variables New reads. An option always wins over them.
const (
	EnvFormat     = "OTELKIT_LOG_FORMAT"   // json | console
	EnvLevel      = "OTELKIT_LOG_LEVEL"    // debug | info | warn | error
	EnvProfile    = "OTELKIT_LOG_PROFILE"  // default | gcp | ecs | datadog
	EnvGCPProject = "OTELKIT_GCP_PROJECT"  // wins over GOOGLE_CLOUD_PROJECT
	EnvGCPCloud   = "GOOGLE_CLOUD_PROJECT" // read when OTELKIT_GCP_PROJECT is not set
)

// Formats accepted by WithFormat and OTELKIT_LOG_FORMAT.
const (
	FormatJSON    = "json"
	FormatConsole = "console"
)

// config is what the options set; New resolves it against the environment.
type config struct {
	format     *string
	level      *zapcore.Level
	profile    *string
	gcpProject *string
	out        zapcore.WriteSyncer
	copies     []zapcore.WriteSyncer // WithOutputCopy
	provider   otellog.LoggerProvider
	name       string
	lookup     env.LookupFunc
	noSpanErrs bool
	clock      zapcore.Clock
	noCaller   bool
	onFatal    zapcore.CheckWriteHook
	buf        bufferOptions // bufferconfig.go

	consoleSpanID bool
	res           *resource.Resource
	hosts         []string // WithAllowedHosts

	redact redact.Setting // WithRedactedKeys, WithoutKeyRedaction
}

func newConfig(opts []Option) config {
	return option.Apply(config{}, opts, Option.apply)
}

// Option configures New.
type Option interface {
	apply(config) config
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithFormat sets the line format: "json" or "console" (a readable,
// colourised format for development). It wins over OTELKIT_LOG_FORMAT; the
// default is console when the output is a terminal, JSON otherwise. Any other
// value makes New fail; an empty one is as if the option were not given,
// as for the variable.
func WithFormat(format string) Option {
	return optionFunc(func(c config) config { c.format = setText(c.format, format); return c })
}

// setText is what an option of text sets: v, or what was set before when v
// is blank (an option given "" is as if not given, as an empty variable
// is, so that WithFormat(os.Getenv(...)) needs no check).
func setText(before *string, v string) *string {
	if strings.TrimSpace(v) == "" {
		return before
	}
	return &v
}

// WithLevel sets the minimum level written. It wins over OTELKIT_LOG_LEVEL;
// the default is info. The level can be changed later with SetLevel or
// LevelHandler. Levels other than debug to fatal make New fail.
func WithLevel(l zapcore.Level) Option {
	return optionFunc(func(c config) config { c.level = &l; return c })
}

// WithProfile sets the output profile of the JSON format: "default"
// (OpenTelemetry field names), "gcp", "ecs" or "datadog", so that backend
// links logs to traces by itself. It wins over OTELKIT_LOG_PROFILE; the
// default is "default". Any other value makes New fail; an empty one is as
// if the option were not given. The console format ignores the profile.
func WithProfile(name string) Option {
	return optionFunc(func(c config) config { c.profile = setText(c.profile, name); return c })
}

// WithGCPProject sets the Google Cloud project the gcp profile writes in
// logging.googleapis.com/trace ("projects/<id>/traces/<trace id>"). It wins
// over OTELKIT_GCP_PROJECT, which wins over GOOGLE_CLOUD_PROJECT, which
// wins over the resource (WithResource: cloud.account.id when
// cloud.provider is gcp, as the GCP resource detector sets them). Without
// a project the field holds the bare trace ID, which Cloud Logging does
// not link to the trace, and New warns (otelkit_config_warning). An empty
// id is as if the option were not given.
func WithGCPProject(id string) Option {
	return optionFunc(func(c config) config { c.gcpProject = setText(c.gcpProject, id); return c })
}

// WithResource sets the OpenTelemetry resource whose service the gcp, ecs
// and datadog profiles name on every line (service.name, service.version,
// deployment.environment.name; see the package documentation), and whose
// cloud.account.id gives the gcp profile its project when cloud.provider
// is gcp. otel.Init passes the resource its providers share. The default,
// as for the SDK's providers, is resource.Default(): the service from
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, else unknown_service.
// The default profile and the console format write no service.
func WithResource(res *resource.Resource) Option {
	return optionFunc(func(c config) config { c.res = res; return c })
}

// WithOutput sets where lines are written; the default is os.Stdout. Writes
// are serialised with a lock, so any WriteSyncer is safe to share.
func WithOutput(w zapcore.WriteSyncer) Option {
	return optionFunc(func(c config) config { c.out = option.Value(w); return c })
}

// WithOutputCopy writes every line to w as well as to the output
// (WithOutput), under the same lock; it may be given more than once, and
// a later WithOutput replaces the output, not the copies. A test harness
// keeps the lines this way wherever the code under test sends them
// (otel/oteltest does). Each writer gets every line whatever another did
// with it: a line one of them does not take whole (a write that fails,
// comes back short or panics) is lost to that writer alone, counted once
// (OutputErrors) and reported as the output's failures are, a copy named
// by its place ("log output copy 1"). A slow copy slows every line, as a
// slow output does. Whether the output is a terminal (the default format,
// colours) is judged by the output alone. A nil w is ignored; default
// none.
func WithOutputCopy(w zapcore.WriteSyncer) Option {
	return optionFunc(func(c config) config { c.copies = option.Append(c.copies, w); return c })
}

// WithLoggerProvider sends every line also as an OpenTelemetry log record
// (the record the contrib otelzap bridge would make), with the trace
// context of the span set on the record. Without it (the default) no OTLP
// records are emitted.
func WithLoggerProvider(p otellog.LoggerProvider) Option {
	return optionFunc(func(c config) config { c.provider = option.Value(p); return c })
}

// WithName sets the instrumentation scope name of the OTLP log records; the
// default is "github.com/otelkit/otelkit/logging". Named loggers
// (zap.Logger.Named) use their name instead.
func WithName(name string) Option {
	return optionFunc(func(c config) config { c.name = name; return c })
}

// WithEnvLookup sets how environment variables are read; the default is
// os.LookupEnv. A nil f means the default.
func WithEnvLookup(f func(string) (string, bool)) Option {
	return optionFunc(func(c config) config { c.lookup = f; return c })
}

// WithoutSpanErrors stops error-level lines from recording their error on
// the current span. By default a line at error level or above that carries
// an error field (Err or zap.Error) records an exception event on the span
// of the logger, when that span is recording.
func WithoutSpanErrors() Option {
	return optionFunc(func(c config) config { c.noSpanErrs = true; return c })
}

// WithClock sets the clock that timestamps lines (for tests and examples);
// the default is the system clock.
func WithClock(clk zapcore.Clock) Option {
	return optionFunc(func(c config) config { c.clock = option.Value(clk); return c })
}

// WithFatalHook runs h after a fatal line is written, in place of zap's
// os.Exit(1); h must end the process (otel.Init flushes the telemetry
// first).
func WithFatalHook(h zapcore.CheckWriteHook) Option {
	return optionFunc(func(c config) config { c.onFatal = option.Value(h); return c })
}

// WithoutCaller leaves the caller out of every line (by default each line
// carries the file and line that logged it).
func WithoutCaller() Option {
	return optionFunc(func(c config) config { c.noCaller = true; return c })
}

// WithConsoleSpanID writes the span ID (span=<16 hex>) on console lines
// after the short trace ID. By default the console leaves it out: the
// trace is what tells a request's lines apart, and the trace viewer shows
// the spans. JSON lines always carry span_id.
func WithConsoleSpanID() Option {
	return optionFunc(func(c config) config { c.consoleSpanID = true; return c })
}

// WithRedactedKeys adds keys to DefaultRedactedKeys: a field (at any
// depth of an object) whose key is one of them, or ends in one after "-",
// "_" or "." or as a camel-case word, is written as REDACTED, its key
// kept, on the line and in the OTLP bridge's attributes. Keys are matched
// without regard to case, with "-", "_" and "." as one character
// (WithRedactedKeys("ssn") covers ssn, customer_ssn and customerSsn).
// Options add up; blank keys are ignored. Given to otel.Init through
// WithLoggingOptions, the keys are added for the whole Telemetry (exported
// spans and log records and the trace viewer too), as
// otel.WithRedactedKeys does.
func WithRedactedKeys(keys ...string) Option {
	return redactOption{redact.Setting{Added: keys}}
}

// WithoutKeyRedaction writes every field's value as it was given, also
// under keys that name a credential (DefaultRedactedKeys, WithRedactedKeys,
// which it wins over), for a program that needs the raw values and keeps
// its output safe by other means. By default those values are written as
// REDACTED. Given to otel.Init through WithLoggingOptions, it turns
// redaction off for the whole Telemetry, as otel.WithoutKeyRedaction
// does; a logger built by New alone has no exporter to change.
func WithoutKeyRedaction() Option {
	return redactOption{redact.Setting{Off: true}}
}

// redactOption is WithRedactedKeys' and WithoutKeyRedaction's option. The
// setting is internal/redact's, shared with tracing: through it
// (redact.Carrier) otel.Init gathers the setting of the options it is
// given into the one setting of a Telemetry.
type redactOption struct{ redact.Setting }

func (o redactOption) apply(c config) config { c.redact = c.redact.Merge(o.Setting); return c }

// WithAllowedHosts names the hosts LevelHandler answers besides IP
// addresses and localhost (and names under .localhost): "admin.example"
// allows that name, ".example.com" it and every name under it, in any
// case and with any port. By default there are none. A request whose Host
// names another is refused with 403, as a browser sends it when a page
// rebound its own name to this address (DNS rebinding): see LevelHandler.
// Names are added up over several options; one that is no host name (a
// port, a scheme, a "*") makes New fail.
func WithAllowedHosts(names ...string) Option {
	return optionFunc(func(c config) config { c.hosts = append(c.hosts, names...); return c })
}

// resolved is config after precedence: option > environment > default.
type resolved struct {
	json        bool
	level       zapcore.Level
	levelSource string // Logger.LevelSource
	prof        *profile
	gcpProject  string
	out         zapcore.WriteSyncer
	color       bool
	hosts       hostcheck.Policy // LevelHandler's
	svc         service
	buf         *bufferPolicy // nil: per-request log buffering off
	unusedProf  string        // a vendor profile chosen for the console format, which has none
}

func (c config) resolve() (resolved, error) {
	src := env.FromFunc(c.lookup)
	r := resolved{out: c.out}
	if r.out == nil {
		r.out = os.Stdout
	}
	term := isTerminal(r.out)
	if len(c.copies) > 0 {
		r.out = append(tee{r.out}, c.copies...)
	}
	var err error
	if r.json, err = c.resolveFormat(src, term); err != nil {
		return r, err
	}
	r.color = !r.json && term && colorAllowed(src)
	if r.level, r.levelSource, err = c.resolveLevel(src); err != nil {
		return r, err
	}
	if r.prof, err = c.resolveProfile(src); err != nil {
		return r, err
	}
	if !r.json {
		if r.prof.name != ProfileDefault {
			r.unusedProf = r.prof.name // New says so
		}
		r.prof = profileNamed(ProfileDefault) // the console format has one layout
	}
	res := c.res
	if res == nil && r.json && (r.prof.appendService != nil || r.prof.name == ProfileGCP) {
		res = resource.Default() // built once by the SDK
	}
	if r.gcpProject, err = c.resolveGCPProject(src, res); err != nil {
		return r, err
	}
	if res != nil {
		r.svc = serviceOf(res)
	}
	if r.buf, err = c.buf.resolve(src); err != nil {
		return r, err
	}
	if r.hosts, err = hostcheck.Parse("logging.WithAllowedHosts", c.hosts); err != nil {
		return r, err
	}
	return r, nil
}

// resolveFormat reports whether lines are JSON: WithFormat, else
// OTELKIT_LOG_FORMAT, else JSON unless the output is a terminal.
func (c config) resolveFormat(src env.Source, term bool) (bool, error) {
	if c.format != nil {
		switch f := strings.ToLower(strings.TrimSpace(*c.format)); f {
		case FormatJSON, FormatConsole:
			return f == FormatJSON, nil
		default:
			return false, &env.Error{Option: "WithFormat", Value: *c.format, Allowed: "json, console"}
		}
	}
	v, set, err := src.Enum(EnvFormat, FormatJSON, FormatConsole)
	if err != nil {
		return false, err
	}
	if set {
		return v == FormatJSON, nil
	}
	return !term, nil
}

// resolveLevel returns WithLevel, else OTELKIT_LOG_LEVEL, else info, and
// which one it was (Logger.LevelSource).
func (c config) resolveLevel(src env.Source) (zapcore.Level, string, error) {
	if c.level != nil {
		if *c.level < zapcore.DebugLevel || *c.level > zapcore.FatalLevel {
			return 0, "", &env.Error{Option: "WithLevel", Value: strconv.Itoa(int(*c.level)), Allowed: "debug, info, warn, error, dpanic, panic, fatal"}
		}
		return *c.level, LevelSourceOption, nil
	}
	v, set, err := src.Enum(EnvLevel, "debug", "info", "warn", "error")
	if err != nil || !set {
		return zapcore.InfoLevel, LevelSourceDefault, err
	}
	level := zapcore.InfoLevel
	_ = level.UnmarshalText([]byte(v))
	return level, "env:" + EnvLevel, nil
}

// Where New took the level from, as LevelSource says it: WithLevel, the
// default, or "env:OTELKIT_LOG_LEVEL".
const (
	LevelSourceOption  = "option"
	LevelSourceDefault = "default"
)

// resolveProfile returns WithProfile, else OTELKIT_LOG_PROFILE, else the
// default profile.
func (c config) resolveProfile(src env.Source) (*profile, error) {
	if c.profile != nil {
		p := profileNamed(strings.ToLower(strings.TrimSpace(*c.profile)))
		if p == nil {
			return nil, &env.Error{Option: "WithProfile", Value: *c.profile, Allowed: strings.Join(profileNames(), ", ")}
		}
		return p, nil
	}
	v, set, err := src.Enum(EnvProfile, profileNames()...)
	if err != nil {
		return nil, err
	}
	if set {
		return profileNamed(v), nil
	}
	return profileNamed(ProfileDefault), nil
}

// resolveGCPProject returns WithGCPProject, else OTELKIT_GCP_PROJECT, else
// GOOGLE_CLOUD_PROJECT, else the project res names, else "".
func (c config) resolveGCPProject(src env.Source, res *resource.Resource) (string, error) {
	if c.gcpProject != nil {
		if err := checkGCPProject(*c.gcpProject); err != nil {
			return "", &env.Error{Option: "WithGCPProject", Value: *c.gcpProject, Allowed: gcpProjectAllowed}
		}
		return strings.TrimSpace(*c.gcpProject), nil
	}
	if n, v, ok := src.First(EnvGCPProject, EnvGCPCloud); ok {
		if err := checkGCPProject(v); err != nil {
			return "", &env.Error{Var: n, Value: v, Allowed: gcpProjectAllowed}
		}
		return v, nil
	}
	if res == nil {
		return "", nil
	}
	if v := gcpProjectOf(res); checkGCPProject(v) == nil {
		return strings.TrimSpace(v), nil
	}
	return "", nil // a detector's odd value: as if none, with New's warning
}

const gcpProjectAllowed = "a project ID of lowercase letters, digits and hyphens (with . and : in domain-scoped IDs), at most 100 characters"

// checkGCPProject accepts project IDs (and the "domain:project" form) made of
// lowercase letters, digits, hyphens, dots and colons.
func checkGCPProject(id string) error {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil
	}
	if len(id) > 100 {
		return fmt.Errorf("allowed: %s", gcpProjectAllowed)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':') {
			return fmt.Errorf("allowed: %s", gcpProjectAllowed)
		}
	}
	return nil
}

// Variables that turn the console's colours off (they are never on when
// the output is not a terminal).
const (
	EnvNoColor = "NO_COLOR" // set and not empty: no colours (https://no-color.org)
	EnvTerm    = "TERM"     // "dumb": no colours
)

// colorAllowed reports whether the environment allows colours on a
// terminal: NO_COLOR unset or empty, TERM not "dumb".
func colorAllowed(src env.Source) bool {
	if v, ok := src.String(EnvNoColor); ok && v != "" {
		return false
	}
	if v, ok := src.String(EnvTerm); ok && strings.TrimSpace(v) == "dumb" {
		return false
	}
	return true
}

// isTerminal reports whether w is a terminal.
func isTerminal(w zapcore.WriteSyncer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	return fileIsTerminal(f)
}
