// Package env reads otelkit's and OpenTelemetry's environment variables with
// errors that name the variable, the value and what is allowed.
//
// Every getter distinguishes "not set" (empty or absent: the caller uses its
// default and passes nothing to the SDK) from "set but invalid" (an *Error).
// The same *Error reports an option whose value is not allowed (Error.Option),
// so that every configuration error of otelkit has one type and one prefix.
package env

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LookupFunc looks an environment variable up; os.LookupEnv by default.
// Tests and options may substitute their own.
type LookupFunc func(string) (string, bool)

// Source reads variables through a LookupFunc.
type Source struct {
	lookup  LookupFunc
	names   func() []string // the variables it holds; nil when it cannot list them
	process bool            // it reads the process environment
}

// OS is the Source that reads the process environment.
var osSource = Source{lookup: os.LookupEnv, names: environNames, process: true}

// IsProcess reports whether s reads the process environment, which the
// OpenTelemetry SDK also reads on its own.
func (s Source) IsProcess() bool { return s.lookup == nil || s.process }

// FromOS returns the Source that reads the process environment.
func FromOS() Source { return osSource }

// FromMap returns a Source that reads only m (for tests).
func FromMap(m map[string]string) Source {
	return Source{
		lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok },
		names:  func() []string { return slices.Collect(maps.Keys(m)) },
	}
}

// FromFunc returns a Source that reads through f.
func FromFunc(f LookupFunc) Source {
	if f == nil {
		return osSource
	}
	return Source{lookup: f}
}

// Error reports a setting whose value is not allowed: an environment
// variable (Var) or an option (Option), named as the user wrote it. It is
// the one configuration error type of otelkit: otel, tracing and metrics
// export it as ConfigError, so that users can match it with errors.As.
// Every message starts with "otelkit: invalid ".
type Error struct {
	Var     string // the variable's name, e.g. "OTEL_BSP_MAX_QUEUE_SIZE"; "" for an option
	Option  string // the option's name, e.g. "WithOTLPEndpoint"; "" for a variable
	Value   string // the value it had (already masked where it may be a secret; Error does not show one that looks like a credential)
	Allowed string // what is allowed, in words
	Err     error  // the underlying parse error, if any
	// Withheld is true when the value is not shown at all (Value is
	// empty): it cannot be masked reliably, e.g. bytes that are not text,
	// header names and values, or a function.
	Withheld bool
	// File, Line and Key place a setting of a declarative configuration
	// file (OTEL_CONFIG_FILE): the file's name, the line (from 1; 0 when
	// unknown) and the key's path in the file, such as
	// "tracer_provider.processors[0].batch.schedule_delay". Var and Option
	// are then empty, and the message never shows Value: a value of the
	// file, or one substituted into it from a variable, may be a secret
	// under any key, and the file and line show it to whoever may see it.
	File string
	Line int
	Key  string
}

func (e *Error) Error() string {
	var msg string
	name := bounded(e.Var, maxShown)
	switch {
	case e.File != "":
		msg = e.fileMessage()
	case e.Option != "" && e.Withheld:
		msg = fmt.Sprintf("otelkit: invalid option %s (value not shown): allowed: %s", e.Option, e.Allowed)
	case e.Option != "" && looksLikeCredential(e.Value):
		msg = fmt.Sprintf("otelkit: invalid option %s (value not shown: %d bytes that look like a credential): allowed: %s", e.Option, len(e.Value), e.Allowed)
	case e.Option != "":
		msg = fmt.Sprintf("otelkit: invalid option %s(%s): allowed: %s", e.Option, quoteBounded(e.Value), e.Allowed)
	case e.Withheld:
		msg = fmt.Sprintf("otelkit: invalid %s (value not shown): allowed: %s", name, e.Allowed)
	case looksLikeCredential(e.Value):
		msg = fmt.Sprintf("otelkit: invalid %s (value not shown: %d bytes that look like a credential): allowed: %s", name, len(e.Value), e.Allowed)
	default:
		msg = fmt.Sprintf("otelkit: invalid %s=%s: allowed: %s", name, quoteBounded(e.Value), e.Allowed)
	}
	if e.Err != nil {
		cause := e.Err.Error()
		if e.File == "" && !e.Withheld && looksLikeCredential(e.Value) {
			cause = withheldCause(cause, e.Value)
		}
		msg += " (" + bounded(cause, maxCause) + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// fileMessage is the message of an error in a configuration file:
// "otelkit: invalid <key> [(value not shown)] (<file> line <n>): allowed:
// ...". It never shows Value.
func (e *Error) fileMessage() string {
	where := bounded(e.File, maxShown)
	if e.Line > 0 {
		where = fmt.Sprintf("%s line %d", where, e.Line)
	}
	key := bounded(e.Key, maxShown)
	if key == "" {
		key = "configuration file"
	}
	if e.Withheld || e.Value != "" {
		key += " (value not shown)"
	}
	msg := fmt.Sprintf("otelkit: invalid %s (%s)", key, where)
	if e.Allowed != "" {
		msg += ": allowed: " + e.Allowed
	}
	return msg
}

// OptionError returns the *Error for an option whose value is not allowed.
func OptionError(option, value, allowed string) *Error {
	return &Error{Option: option, Value: value, Allowed: allowed}
}

// IsEnvError reports whether err is or wraps an *Error.
func IsEnvError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// String returns the trimmed value of name and whether it is set to
// something other than blanks.
func (s Source) String(name string) (string, bool) {
	if s.lookup == nil {
		s = osSource
	}
	v, ok := s.lookup(name)
	if !ok {
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}

// First returns the value of the first of names that is set, with its name.
func (s Source) First(names ...string) (name, value string, ok bool) {
	for _, n := range names {
		if v, ok := s.String(n); ok {
			return n, v, true
		}
	}
	return "", "", false
}

// Bool parses name as "true" or "false" (any case), as the specification
// prescribes for boolean variables.
func (s Source) Bool(name string) (val, set bool, err error) {
	v, ok := s.String(name)
	if !ok {
		return false, false, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, &Error{Var: name, Value: v, Allowed: "true or false"}
}

// Int parses name as a base-10 integer in [min, max].
func (s Source) Int(name string, min, max int) (val int, set bool, err error) {
	v, ok := s.String(name)
	if !ok {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil || n < int64(min) || n > int64(max) {
		allowed := fmt.Sprintf("an integer from %d to %d", min, max)
		if max == math.MaxInt {
			allowed = fmt.Sprintf("an integer >= %d", min)
		}
		var cause error
		if perr != nil {
			cause = perr.(*strconv.NumError).Err
		}
		return 0, true, &Error{Var: name, Value: v, Allowed: allowed, Err: cause}
	}
	return int(n), true, nil
}

// Millis parses name as a whole number of milliseconds >= min (the unit the
// specification uses for timeouts and intervals).
func (s Source) Millis(name string, min time.Duration) (val time.Duration, set bool, err error) {
	minMS := int(min / time.Millisecond)
	n, set, err := s.Int(name, minMS, math.MaxInt32)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Allowed = fmt.Sprintf("a whole number of milliseconds >= %d", minMS)
		}
		return 0, true, err
	}
	return time.Duration(n) * time.Millisecond, set, nil
}

// Float parses name as a number in [min, max].
func (s Source) Float(name string, min, max float64) (val float64, set bool, err error) {
	v, ok := s.String(name)
	if !ok {
		return 0, false, nil
	}
	f, perr := strconv.ParseFloat(v, 64)
	if perr != nil || math.IsNaN(f) || f < min || f > max {
		var cause error
		if perr != nil {
			cause = perr.(*strconv.NumError).Err
		}
		return 0, true, &Error{Var: name, Value: v, Allowed: fmt.Sprintf("a number from %g to %g", min, max), Err: cause}
	}
	return f, true, nil
}

// Enum returns the lower-cased value of name when it is one of allowed.
func (s Source) Enum(name string, allowed ...string) (val string, set bool, err error) {
	v, ok := s.String(name)
	if !ok {
		return "", false, nil
	}
	lv := strings.ToLower(v)
	for _, a := range allowed {
		if lv == a {
			return a, true, nil
		}
	}
	return "", true, &Error{Var: name, Value: v, Allowed: strings.Join(allowed, ", ")}
}

// List splits a comma-separated value into trimmed, non-empty, lower-cased
// items.
func (s Source) List(name string) (items []string, set bool) {
	v, ok := s.String(name)
	if !ok {
		return nil, false
	}
	for _, p := range strings.Split(v, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			items = append(items, p)
		}
	}
	return items, true
}
