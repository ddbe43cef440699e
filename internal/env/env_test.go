package env

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestStringAndFirst(t *testing.T) {
	s := FromMap(map[string]string{"A": "  x  ", "B": "   ", "C": "y"})
	if v, ok := s.String("A"); !ok || v != "x" {
		t.Errorf("String(A) = %q, %v", v, ok)
	}
	if _, ok := s.String("B"); ok {
		t.Error("blank value counts as set")
	}
	if _, ok := s.String("missing"); ok {
		t.Error("missing value counts as set")
	}
	if n, v, ok := s.First("B", "missing", "C", "A"); !ok || n != "C" || v != "y" {
		t.Errorf("First = %q %q %v", n, v, ok)
	}
	if _, _, ok := s.First("B", "missing"); ok {
		t.Error("First found a value among unset names")
	}
}

func TestBool(t *testing.T) {
	s := FromMap(map[string]string{"T": "TRUE", "F": "false", "BAD": "yes"})
	if v, set, err := s.Bool("T"); !v || !set || err != nil {
		t.Errorf("Bool(T) = %v %v %v", v, set, err)
	}
	if v, set, err := s.Bool("F"); v || !set || err != nil {
		t.Errorf("Bool(F) = %v %v %v", v, set, err)
	}
	if _, set, err := s.Bool("none"); set || err != nil {
		t.Errorf("Bool(unset) = %v %v", set, err)
	}
	_, _, err := s.Bool("BAD")
	var e *Error
	if !errors.As(err, &e) || e.Var != "BAD" || e.Value != "yes" || !strings.Contains(err.Error(), "true or false") {
		t.Errorf("Bool(BAD) err = %v", err)
	}
}

func TestIntMillisFloat(t *testing.T) {
	s := FromMap(map[string]string{
		"OK": "42", "NEG": "-1", "TEXT": "ten", "OVER": "99999999999999999999", "MS": "250", "F": "0.25", "FBAD": "NaN", "FHIGH": "2",
	})
	if v, set, err := s.Int("OK", 0, 100); v != 42 || !set || err != nil {
		t.Errorf("Int(OK) = %d %v %v", v, set, err)
	}
	for _, name := range []string{"NEG", "TEXT", "OVER"} {
		_, set, err := s.Int(name, 0, math.MaxInt)
		if !set || !IsEnvError(err) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "integer >= 0") {
			t.Errorf("Int(%s) err = %v", name, err)
		}
	}
	if _, _, err := s.Int("OK", 0, 10); err == nil || !strings.Contains(err.Error(), "from 0 to 10") {
		t.Errorf("Int above max: %v", err)
	}
	if d, set, err := s.Millis("MS", time.Millisecond); d != 250*time.Millisecond || !set || err != nil {
		t.Errorf("Millis = %v %v %v", d, set, err)
	}
	if _, _, err := s.Millis("NEG", time.Millisecond); err == nil || !strings.Contains(err.Error(), "milliseconds >= 1") {
		t.Errorf("Millis(NEG) err = %v", err)
	}
	if f, _, err := s.Float("F", 0, 1); f != 0.25 || err != nil {
		t.Errorf("Float = %v %v", f, err)
	}
	for _, name := range []string{"FBAD", "FHIGH", "TEXT"} {
		if _, _, err := s.Float(name, 0, 1); !IsEnvError(err) {
			t.Errorf("Float(%s) err = %v", name, err)
		}
	}
}

func TestEnumAndList(t *testing.T) {
	s := FromMap(map[string]string{"E": "JSON", "BAD": "xml", "L": " A, b ,,c "})
	if v, _, err := s.Enum("E", "json", "console"); v != "json" || err != nil {
		t.Errorf("Enum = %q %v", v, err)
	}
	_, _, err := s.Enum("BAD", "json", "console")
	if err == nil || !strings.Contains(err.Error(), `BAD="xml"`) || !strings.Contains(err.Error(), "json, console") {
		t.Errorf("Enum(BAD) err = %v", err)
	}
	items, set := s.List("L")
	if !set || strings.Join(items, "|") != "a|b|c" {
		t.Errorf("List = %q %v", items, set)
	}
	if _, set := s.List("none"); set {
		t.Error("List(unset) is set")
	}
}

func TestSources(t *testing.T) {
	t.Setenv("OTELKIT_ENV_TEST", "v")
	if v, ok := FromOS().String("OTELKIT_ENV_TEST"); !ok || v != "v" {
		t.Errorf("FromOS = %q %v", v, ok)
	}
	if v, ok := FromFunc(nil).String("OTELKIT_ENV_TEST"); !ok || v != "v" {
		t.Errorf("FromFunc(nil) = %q %v", v, ok)
	}
	var zero Source
	if v, ok := zero.String("OTELKIT_ENV_TEST"); !ok || v != "v" {
		t.Errorf("zero Source = %q %v", v, ok)
	}
	f := FromFunc(func(string) (string, bool) { return "z", true })
	if v, _ := f.String("anything"); v != "z" {
		t.Errorf("FromFunc = %q", v)
	}
}

func TestErrorUnwrap(t *testing.T) {
	cause := errors.New("cause")
	e := &Error{Var: "V", Value: "x", Allowed: "y", Err: cause}
	if !errors.Is(e, cause) || !strings.Contains(e.Error(), "(cause)") {
		t.Errorf("Error = %v", e)
	}
}

// TestErrorForms: variables and options, shown or withheld, all start with
// the one prefix and name the setting as written.
func TestErrorForms(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{Var: "OTEL_X", Value: "v", Allowed: "a"}, `otelkit: invalid OTEL_X="v": allowed: a`},
		{&Error{Var: "OTEL_X", Withheld: true, Allowed: "a"}, `otelkit: invalid OTEL_X (value not shown): allowed: a`},
		{OptionError("WithOTLPTimeout", "-1s", "a positive duration"), `otelkit: invalid option WithOTLPTimeout("-1s"): allowed: a positive duration`},
		{&Error{Option: "WithOTLPHeaders", Withheld: true, Allowed: "a", Err: errors.New("why")}, `otelkit: invalid option WithOTLPHeaders (value not shown): allowed: a (why)`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
