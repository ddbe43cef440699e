package loadbench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Bad arguments fail with a message naming the problem, before any server
// starts.
func TestBadArguments(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"unknown variant":   {[]string{"-variants", "bare,nginx"}, `"nginx"`},
		"unknown mode":      {[]string{"-modes", "up,sideways"}, `"sideways"`},
		"negative requests": {[]string{"-requests", "-5"}, "negative"},
		"negative growth":   {[]string{"-growth", "-1"}, "-growth"},
		"not a number":      {[]string{"-rounds", "many"}, "invalid value"},
		"unknown flag":      {[]string{"-fast"}, "not defined"},
		"extra argument":    {[]string{"now"}, "unexpected arguments"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, progress bytes.Buffer
			err := Command(context.Background(), tc.args, &out, &progress)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to mention %s", err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed a table: %s", out.String())
			}
		})
	}
}
