// Package scrub removes secrets from error text before it reaches an
// output: the configured OTLP header values (API keys, bearer tokens),
// in the forms error text carries them, and URL user info. otel.Init and
// the standalone providers of tracing, metrics and logs scrub every export
// error with it, since collectors quote the header they reject and the
// exporters put their answer into the error.
package scrub

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// scrubMark replaces a secret in error text.
const scrubMark = "REDACTED"

// minAnywhere is the length from which a secret is replaced wherever it
// occurs; a shorter one only where it stands alone (not inside a longer
// run of letters and digits), so that a header such as "x-tenant: 1"
// does not turn "401" into "40REDACTED".
const minAnywhere = 8

// Scrubber removes the configured OTLP header values (API keys, bearer
// tokens) and URL user info from error text before it reaches an output:
// the otel_sdk_error line, HealthHandler's last_error and the errors
// Shutdown and ForceFlush return. Collectors quote the header they reject
// ("invalid token: Bearer …") and the exporters put their answer into the
// error. A nil *Scrubber removes URL user info only. Safe for concurrent
// use (it is not changed after New).
type Scrubber struct {
	secrets []string // longest first, so that a value is replaced before a part of it
}

// New returns a Scrubber for the header values given, with the
// forms in which error text may carry them: as they are, each
// whitespace-separated part of minAnywhere bytes or more (the token after
// "Bearer "), and quoted the way Go, JSON and URLs quote.
func New(values []string) *Scrubber {
	seen := map[string]struct{}{}
	var out []string
	add := func(v string) {
		if v == "" {
			return
		}
		if _, ok := seen[v]; !ok {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	for _, v := range values {
		forms := []string{v}
		for _, f := range strings.Fields(v) {
			if len(f) >= minAnywhere {
				forms = append(forms, f)
			}
		}
		for _, f := range forms {
			add(f)
			add(url.QueryEscape(f))
			add(url.PathEscape(f))
			q := strconv.Quote(f)
			add(q[1 : len(q)-1])
			if j, err := json.Marshal(f); err == nil {
				add(string(j[1 : len(j)-1]))
			}
		}
	}
	// Longest first: "Bearer abc…" goes before its part "abc…".
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return &Scrubber{secrets: out}
}

// String returns s without URL user info and without any secret.
func (s *Scrubber) String(msg string) string {
	msg = RedactUserInfo(msg)
	if s == nil {
		return msg
	}
	for _, v := range s.secrets {
		msg = replaceSecret(msg, v)
	}
	return msg
}

// Error returns err when its text holds nothing to scrub, and otherwise an
// error with the scrubbed text for which errors.Is still answers as for
// err. It deliberately has no Unwrap: walking the chain would reach the
// unscrubbed text.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := s.String(msg)
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

// scrubbedError is an error whose text had secrets removed.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Is lets errors.Is(err, context.DeadlineExceeded) and the like work as on
// the original error.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// replaceSecret replaces v in s: anywhere when v is long, where it stands
// alone when it is short.
func replaceSecret(s, v string) string {
	if !strings.Contains(s, v) {
		return s
	}
	if len(v) >= minAnywhere {
		return strings.ReplaceAll(s, v, scrubMark)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, v)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(v)
		alone := (i == 0 || !isWordByte(s[i-1]) || !isWordByte(v[0])) &&
			(end == len(s) || !isWordByte(s[end]) || !isWordByte(v[len(v)-1]))
		b.WriteString(s[:i])
		if alone {
			b.WriteString(scrubMark)
		} else {
			b.WriteString(v)
		}
		s = s[end:]
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var userInfoRE = regexp.MustCompile(`://[^/@\s]+@`)

// RedactUserInfo removes user info (user:password@) from URLs in s.
func RedactUserInfo(s string) string {
	return userInfoRE.ReplaceAllString(s, "://REDACTED@")
}
