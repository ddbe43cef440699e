package logging

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

// Every invalid option and variable of New is a ConfigError naming it, so
// users can match it with errors.As.
func TestInvalidSettingsAreConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		env  map[string]string
	}{
		{"WithFormat", []Option{WithFormat("xml")}, nil},
		{"WithLevel", []Option{WithLevel(zapcore.Level(9))}, nil},
		{"WithProfile", []Option{WithProfile("splunk")}, nil},
		{"WithGCPProject", []Option{WithGCPProject("My Project!")}, nil},
		{EnvFormat, nil, map[string]string{EnvFormat: "xml"}},
		{EnvLevel, nil, map[string]string{EnvLevel: "verbose"}},
		{EnvProfile, nil, map[string]string{EnvProfile: "splunk"}},
		{EnvGCPProject, nil, map[string]string{EnvGCPProject: "My Project!"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{WithEnvLookup(func(k string) (string, bool) {
				v, ok := tc.env[k]
				return v, ok
			})}, tc.opts...)
			_, err := New(opts...)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("New: %v; want a ConfigError", err)
			}
			if ce.Option != tc.name && ce.Var != tc.name {
				t.Errorf("ConfigError names %q/%q, want %s", ce.Option, ce.Var, tc.name)
			}
			if !strings.HasPrefix(err.Error(), "otelkit: invalid ") || ce.Allowed == "" {
				t.Errorf("error %q", err)
			}
		})
	}
}
