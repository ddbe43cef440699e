package declconf

import (
	"strings"
	"time"
)

// otelkitKey is otelkit's key under distribution, the schema's place for
// the settings of a distribution of the SDK:
//
//	distribution:
//	  otelkit:
//	    log:
//	      format: json        # OTELKIT_LOG_FORMAT
//	      level: info         # OTELKIT_LOG_LEVEL
//	      profile: default    # OTELKIT_LOG_PROFILE
//	      buffer:
//	        level: debug      # OTELKIT_LOG_BUFFER_LEVEL
//	        slow: 1s          # OTELKIT_LOG_BUFFER_SLOW
//	    runtime_metrics: true
const otelkitKey = "otelkit"

// otelkitSection is distribution.otelkit. Its keys are checked like the
// schema's: a typo is an error.
type otelkitSection struct {
	Log            *otelkitLog `yaml:"log"`
	RuntimeMetrics *bool       `yaml:"runtime_metrics"`
}

type otelkitLog struct {
	Format  *string        `yaml:"format"`
	Level   *string        `yaml:"level"`
	Profile *string        `yaml:"profile"`
	Buffer  *otelkitBuffer `yaml:"buffer"`
}

type otelkitBuffer struct {
	Level *string `yaml:"level"`
	Slow  *string `yaml:"slow"`
}

// The variables distribution.otelkit.log sets.
const (
	envLogFormat   = "OTELKIT_LOG_FORMAT"
	envLogLevel    = "OTELKIT_LOG_LEVEL"
	envLogProfile  = "OTELKIT_LOG_PROFILE"
	envBufferLevel = "OTELKIT_LOG_BUFFER_LEVEL"
	envBufferSlow  = "OTELKIT_LOG_BUFFER_SLOW"
)

// otelkit reads distribution.otelkit. The log settings are handed to the
// logger as the OTELKIT_* variables they stand for (File.OtelkitLookup),
// so the logger validates them as it validates the variables, and errors
// name the file (File.Locate). The buffer settings are checked here: the
// logger reads them as OTELKIT_LOG_BUFFER_LEVEL and _SLOW.
func (b *builder) otelkit() {
	const path = "distribution." + otelkitKey
	e, ok := b.p.index[path]
	if !ok {
		return
	}
	var s otelkitSection
	if err := e.value.Decode(&s); err != nil {
		for _, f := range locate(e.value, otelkitSectionType, path) {
			b.p.errs = append(b.p.errs, b.p.errorAt(f.node, f.path, hideValues(cleanMessage(err), e.value), "log (format, level, profile, buffer) and runtime_metrics"))
		}
		return
	}
	b.f.RuntimeMetrics = s.RuntimeMetrics
	if s.Log == nil {
		return
	}
	lp := path + ".log"
	b.setOtelkit(envLogFormat, s.Log.Format, lp+".format")
	b.setOtelkit(envLogLevel, s.Log.Level, lp+".level")
	b.setOtelkit(envLogProfile, s.Log.Profile, lp+".profile")
	if buf := s.Log.Buffer; buf != nil {
		if buf.Level != nil && !contains([]string{"debug", "info", "warn", "error"}, strings.ToLower(strings.TrimSpace(*buf.Level))) {
			b.failValue(lp+".buffer.level", "debug, info, warn or error: the least level held back per request")
		}
		if buf.Slow != nil {
			if d, err := time.ParseDuration(strings.TrimSpace(*buf.Slow)); err != nil || d <= 0 {
				b.failValue(lp+".buffer.slow", "a positive Go duration, e.g. 1s or 500ms")
			}
		}
		b.setOtelkit(envBufferLevel, buf.Level, lp+".buffer.level")
		b.setOtelkit(envBufferSlow, buf.Slow, lp+".buffer.slow")
	}
}

func (b *builder) setOtelkit(name string, v *string, path string) {
	if v != nil {
		b.f.otelkit[name] = *v
		b.f.where[name] = b.loc(path)
	}
}
