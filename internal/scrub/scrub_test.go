package scrub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestScrubberForms(t *testing.T) {
	s := New([]string{"Bearer abc/def+ghi==", "7", "", "key<&>value"})
	for in, want := range map[string]string{
		`401: "Bearer abc/def+ghi=="`:               `401: "REDACTED"`,
		`token abc/def+ghi== rejected`:              `token REDACTED rejected`,
		`url token=abc%2Fdef%2Bghi%3D%3D`:           `url token=REDACTED`,
		`json {"k":"key\u003c\u0026\u003evalue"}`:   `json {"k":"REDACTED"}`,
		`tenant 7 unknown; status 407, 17 ms; id=7`: `tenant REDACTED unknown; status 407, 17 ms; id=REDACTED`,
		`Post "http://u:pw@h:1/v1/traces": refused`: `Post "http://REDACTED@h:1/v1/traces": refused`,
		"nothing here": "nothing here",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var nilS *Scrubber
	if got := nilS.String("http://u:pw@h/ abc"); got != "http://REDACTED@h/ abc" {
		t.Errorf("nil scrubber: %q", got)
	}
}

func TestScrubberError(t *testing.T) {
	s := New([]string{"s3cr3t-value"})
	plain := errors.New("nothing secret")
	if s.Error(plain) != plain {
		t.Error("an error with nothing to scrub must be returned as it is")
	}
	if s.Error(nil) != nil {
		t.Error("nil error")
	}
	err := s.Error(fmt.Errorf("export: %w (answer: bad token s3cr3t-value)", context.DeadlineExceeded))
	if strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("scrubbed error %q", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is must still see the cause")
	}
	if errors.Unwrap(err) != nil {
		t.Error("the scrubbed error must not unwrap to the unscrubbed text")
	}
}
