package env

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzSource feeds arbitrary values to every parser of Source: none may
// panic, a rejected value gives an *Error that names the variable, and an
// accepted value is within the bounds asked for.
func FuzzSource(f *testing.F) {
	for _, seed := range []string{"", " ", "0", "-1", "1", "42", "1e3", "0x10", "9223372036854775808",
		"-9223372036854775809", "NaN", "+Inf", "true", "FALSE", "yes", "otlp, console", ",,", "\x00", "ünïcode", "svc\xff", "\xe2\x82"} {
		f.Add(seed, int64(0), int64(100))
	}
	f.Fuzz(func(t *testing.T, value string, lo, hi int64) {
		const name = "OTEL_FUZZ_VAR"
		s := FromMap(map[string]string{name: value})
		trimmed := strings.TrimSpace(value)
		wantSet := trimmed != ""

		checkErr := func(kind string, set bool, err error) {
			t.Helper()
			if set != wantSet {
				t.Fatalf("%s: set=%v for %q", kind, set, value)
			}
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Var != name || !strings.Contains(err.Error(), name) {
				t.Fatalf("%s: error %q does not name %s", kind, err, name)
			}
			if e.Allowed == "" {
				t.Fatalf("%s: error %q does not say what is allowed", kind, err)
			}
		}

		if v, ok := s.String(name); ok != wantSet || v != trimmed && ok {
			t.Fatalf("String: %q, %v for %q", v, ok, value)
		}
		b, set, err := s.Bool(name)
		checkErr("Bool", set, err)
		if err == nil && set && b != strings.EqualFold(trimmed, "true") {
			t.Fatalf("Bool(%q) = %v", value, b)
		}

		// Bounds: any order, clamped to int range.
		mn, mx := int(max(min(lo, hi), math.MinInt32)), int(min(max(lo, hi), math.MaxInt32))
		n, set, err := s.Int(name, mn, mx)
		checkErr("Int", set, err)
		if err == nil && set && (n < mn || n > mx) {
			t.Fatalf("Int(%q, %d, %d) = %d out of bounds", value, mn, mx, n)
		}

		minD := time.Duration(max(lo, 0)%1_000_000) * time.Millisecond
		d, set, err := s.Millis(name, minD)
		checkErr("Millis", set, err)
		if err == nil && set && (d < minD || d > math.MaxInt32*time.Millisecond) {
			t.Fatalf("Millis(%q, %v) = %v out of bounds", value, minD, d)
		}

		fl, set, err := s.Float(name, 0, 1)
		checkErr("Float", set, err)
		if err == nil && set && (math.IsNaN(fl) || fl < 0 || fl > 1) {
			t.Fatalf("Float(%q, 0, 1) = %v out of bounds", value, fl)
		}

		ev, set, err := s.Enum(name, "json", "console")
		checkErr("Enum", set, err)
		if err == nil && set && ev != "json" && ev != "console" {
			t.Fatalf("Enum(%q) = %q", value, ev)
		}

		items, set := s.List(name)
		if set != wantSet {
			t.Fatalf("List: set=%v for %q", set, value)
		}
		for _, it := range items {
			if it == "" || it != strings.ToLower(strings.TrimSpace(it)) || strings.Contains(it, ",") {
				t.Fatalf("List(%q) item %q not trimmed/lower-cased/split", value, it)
			}
		}

		err = s.CheckUTF8()
		if (err != nil) != !utf8.ValidString(value) {
			t.Fatalf("CheckUTF8(%q) = %v", value, err)
		}
		if err != nil && (!errors.Is(err, ErrInvalidUTF8) || !utf8.ValidString(err.Error()) || !strings.Contains(err.Error(), name)) {
			t.Fatalf("CheckUTF8(%q): error %q does not name %s in valid UTF-8", value, err, name)
		}
	})
}
