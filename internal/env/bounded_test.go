package env

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestErrorBoundsWhatItQuotes: a huge value, a huge variable name, a huge
// cause and a huge key or name of a configuration file are cut, at a
// character's start, with the number of bytes left out; a huge value
// that looks like a credential is still not shown at all.
func TestErrorBoundsWhatItQuotes(t *testing.T) {
	huge := "0.5" + strings.Repeat("é", 50_000) // byte 256 is inside a character: the cut steps back to 255
	long := strings.Repeat("k9X2mQ7vB4nL8pR3wT6y,", 5_000)
	for _, tc := range []struct {
		name     string
		err      *Error
		leftOut  int    // bytes the marker must name, 0: none cut
		notShown string // must not appear at all
	}{
		{"value", &Error{Var: "OTEL_TRACES_SAMPLER_ARG", Value: huge, Allowed: "a number from 0 to 1"}, len(huge) - 255, ""},
		{"option value", OptionError("WithOTLPCompression", huge, "gzip, none"), len(huge) - 255, ""},
		{"variable name", &Error{Var: "OTEL_" + strings.Repeat("X", 100_000), Withheld: true, Allowed: "UTF-8 text"}, 100_005 - 256, ""},
		{"cause", &Error{Var: "OTEL_CONFIG_FILE", Value: "/x", Allowed: "a file", Err: errors.New(strings.Repeat("c", 100_000))}, 100_000 - 1024, ""},
		{"file key", &Error{File: "f.yaml", Line: 3, Key: "tracer_provider." + strings.Repeat("k", 100_000), Err: errors.New("unknown key")}, 100_016 - 256, ""},
		{"file name", &Error{File: "/" + strings.Repeat("d", 100_000), Key: "file_format"}, 100_001 - 256, ""},
		{"credential", &Error{Var: "OTEL_EXPORTER_OTLP_COMPRESSION", Value: long, Allowed: "gzip, none", Err: fmt.Errorf("bad %q", long)}, 0, "k9X2mQ7vB4nL8pR3wT6y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.err.Error()
			if len(msg) > 2048 {
				t.Errorf("error of %d bytes: %.300s…", len(msg), msg)
			}
			if !utf8.ValidString(msg) {
				t.Errorf("error is not UTF-8: %.300q", msg)
			}
			marker := fmt.Sprintf("…(%d bytes left out)", tc.leftOut)
			if tc.leftOut > 0 && !strings.Contains(msg, marker) {
				t.Errorf("error %.400q does not say %q", msg, marker)
			}
			if tc.notShown != "" && strings.Contains(msg, tc.notShown) {
				t.Errorf("error shows %q: %.300s", tc.notShown, msg)
			}
		})
	}
	// A value within the bound is quoted whole, without a marker.
	e := &Error{Var: "OTEL_TRACES_SAMPLER_ARG", Value: strings.Repeat("x", 256), Allowed: "a number"}
	if msg := e.Error(); !strings.Contains(msg, `="`+strings.Repeat("x", 256)+`"`) || strings.Contains(msg, "left out") {
		t.Errorf("a value of 256 bytes is not quoted whole: %s", msg)
	}
}
