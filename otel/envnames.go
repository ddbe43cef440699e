package otel

import (
	"sort"
	"strconv"
	"strings"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/visible"
)

// Misspelled variables: a name Init does not know is silently ignored by
// every reader, so Init says so. It warns about every OTELKIT_* variable
// it does not read and about every OTEL_* variable within a small edit
// distance of one it (or the SDK) reads, naming the one probably meant
// (env.Suggest). Other OTEL_* names are left alone: they may belong to
// another SDK or agent in the same environment. Names only: a value is
// never shown.

// maxNameWarnings bounds the warnings about names; the rest are counted
// in one more line.
const maxNameWarnings = 8

// maxShownName bounds a name shown in a warning.
const maxShownName = 64

// nameWarnings returns the warnings about the names of the OTEL_* and
// OTELKIT_* variables of src (none when src cannot list its names).
// Variables set to blanks count as unset and are skipped.
func nameWarnings(src env.Source) []configWarning {
	names, ok := src.Names()
	if !ok {
		return nil
	}
	sort.Strings(names)
	var out []configWarning
	more := 0
	for _, n := range names {
		w, bad := nameWarning(src, n)
		if !bad {
			continue
		}
		if len(out) == maxNameWarnings {
			more++
			continue
		}
		out = append(out, w)
	}
	if more > 0 {
		out = append(out, configWarning{detail: strconv.Itoa(more) +
			" further unknown or misspelled OTEL_* or OTELKIT_* variables are not listed"})
	}
	return out
}

// nameWarning returns the warning about variable n, and false when there
// is none to give.
func nameWarning(src env.Source, n string) (configWarning, bool) {
	if n == sdkLogLevelVar {
		if _, set := src.String(n); set {
			return configWarning{variable: n, detail: sdkLogLevelNotApplied}, true
		}
		return configWarning{}, false
	}
	up := strings.ToUpper(n)
	ours := strings.HasPrefix(up, "OTELKIT_")
	if !ours && !strings.HasPrefix(up, "OTEL_") || env.IsKnown(n) {
		return configWarning{}, false
	}
	if _, set := src.String(n); !set {
		return configWarning{}, false
	}
	meant := env.Suggest(n)
	shown := shownName(n)
	switch {
	case meant != "":
		return configWarning{variable: shown, meant: meant,
			detail: shown + " is not a variable otelkit or the OpenTelemetry SDK reads, so it has no effect; did you mean " + meant + "?"}, true
	case ours:
		return configWarning{variable: shown,
			detail: shown + " is not a variable otelkit reads, so it has no effect"}, true
	}
	return configWarning{}, false
}

// sdkLogLevelVar is the specification's level of the SDK's own
// diagnostics, which the Go SDK does not read, nor does otelkit: it writes
// the SDK's errors and warnings as lines whatever the variable says, and
// never its info and debug messages, which dump the providers'
// configuration and every collection's data. Set, it is said so, since a
// user who sets it expects more (or fewer) of them.
const sdkLogLevelVar = "OTEL_LOG_LEVEL"

const sdkLogLevelNotApplied = sdkLogLevelVar + " is not applied: otelkit writes the OpenTelemetry SDK's errors and " +
	"warnings (otel_sdk_error, otel_sdk_warning lines) whatever it says, and never its info or debug messages, " +
	"which dump configuration and telemetry; the service's own log level is OTELKIT_LOG_LEVEL"

// shownName is n as a warning shows it: valid UTF-8, at most maxShownName
// bytes.
func shownName(n string) string {
	n = strings.ToValidUTF8(n, "\uFFFD")
	if len(n) <= maxShownName {
		return n
	}
	return visible.Cut(n, maxShownName) + "…"
}
