package env

import (
	"fmt"
	"strconv"

	"github.com/otelkit/otelkit/internal/visible"
)

// An error quotes a value, a name, a file's key path and its cause's text
// at most so far: a 100 KB OTEL_TRACES_SAMPLER_ARG, a header list of
// thousands of items or a key of a configuration file would otherwise
// be copied whole into the error and into every otelkit_config_warning
// line that carries it. The start of the text is enough to find the
// mistake; the marker says how much is left out. Whether a value looks
// like a credential is decided on the whole value, before it is cut.
const (
	maxShown = 256  // a value, a variable's name, a file's name or key path
	maxCause = 1024 // the cause's text, which may quote the value
)

// bounded returns s, or its first max bytes (cut at a character's start)
// and a marker naming how many bytes are left out.
func bounded(s string, max int) string {
	if len(s) <= max {
		return s
	}
	c := visible.Cut(s, max)
	return c + leftOut(len(s)-len(c))
}

// quoteBounded returns v quoted as Go quotes it, cut as bounded cuts it,
// with the marker after the closing quote.
func quoteBounded(v string) string {
	if len(v) <= maxShown {
		return strconv.Quote(v)
	}
	c := visible.Cut(v, maxShown)
	return strconv.Quote(c) + leftOut(len(v)-len(c))
}

// Bounded is bounded for the text of a warning: a name, a key or a value
// cut as an Error cuts it.
func Bounded(s string) string { return bounded(s, maxShown) }

func leftOut(n int) string { return fmt.Sprintf("…(%d bytes left out)", n) }
