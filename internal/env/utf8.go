package env

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"unicode/utf8"
)

// ErrInvalidUTF8 is the cause (Error.Err) of an *Error for a value that is
// not valid UTF-8.
var ErrInvalidUTF8 = errors.New("the value is not valid UTF-8")

// checkedPrefixes name the variables CheckUTF8 looks at: OpenTelemetry's
// and otelkit's.
var checkedPrefixes = []string{"OTEL_", "OTELKIT_"}

// environNames lists the names in the process environment.
func environNames() []string {
	env := os.Environ()
	names := make([]string, 0, len(env))
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok {
			names = append(names, k)
		}
	}
	return names
}

// CheckUTF8 returns, joined and sorted by name, an *Error for every
// OTEL_* and OTELKIT_* variable of s whose value is not valid UTF-8 (for
// OTEL_RESOURCE_ATTRIBUTES also after percent-decoding each value, as the
// SDK decodes it). It checks every such variable that is set, not only the
// ones otelkit reads itself: the SDK reads some on its own, and text that
// is not UTF-8 would otherwise reach the resource, a header or an exported
// string, where one invalid byte makes the exporter fail every batch.
//
// The errors name the variable and the offset of the first invalid byte,
// never the value (Error.Withheld): it may be a secret, such as a header.
// A Source made by FromFunc cannot list its variables; CheckUTF8 checks
// nothing there.
func (s Source) CheckUTF8() error {
	if s.lookup == nil {
		s = osSource
	}
	if s.names == nil {
		return nil
	}
	names := s.names()
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		if !hasCheckedPrefix(name) {
			continue
		}
		v, ok := s.lookup(name)
		if !ok {
			continue
		}
		if err := checkText(name, v); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func hasCheckedPrefix(name string) bool {
	for _, p := range checkedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// checkText returns an *Error when v, the value of name, is not UTF-8.
func checkText(name, v string) error {
	fail := func(detail string) error {
		return &Error{Var: strings.ToValidUTF8(name, "\uFFFD"), Allowed: "UTF-8 text", Withheld: true,
			Err: fmt.Errorf("%w: %s", ErrInvalidUTF8, detail)}
	}
	if !utf8.ValidString(v) {
		return fail(fmt.Sprintf("invalid byte at offset %d", invalidOffset(v)))
	}
	if name != "OTEL_RESOURCE_ATTRIBUTES" {
		return nil
	}
	for _, pair := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(pair, "=")
		if !ok {
			continue // malformed: the resource warning reports it
		}
		dec, err := url.PathUnescape(strings.TrimSpace(val))
		if err == nil && !utf8.ValidString(dec) {
			return fail(fmt.Sprintf("the value of %q percent-decodes to invalid UTF-8", strings.TrimSpace(k)))
		}
	}
	return nil
}

// invalidOffset returns the offset of the first byte of s that is not part
// of a valid UTF-8 sequence.
func invalidOffset(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return -1
}
