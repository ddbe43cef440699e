package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestImageProblem(t *testing.T) {
	for image, want := range map[string]string{
		"grafana/grafana:12.2.1":      "",
		"localhost:5000/app:1.0":      "",
		"prom/prometheus@sha256:0123": "",
		"grafana/grafana":             "no version tag",
		"localhost:5000/app":          "no version tag",
		"prom/prometheus:latest":      "not pinned",
		"":                            "neither image nor build",
		"otel/opentelemetry-collector-contrib:0.1": "",
	} {
		got := imageProblem(image)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("imageProblem(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestEnvExpansions(t *testing.T) {
	for s, bad := range map[string]bool{
		"$${__value.raw}": false,
		"costs $5":        false,
		"a$$b":            false,
		"${__value.raw}":  true,
		"$HOME/x":         true,
		"$__tags":         true,
		"$$$HOME":         true,
	} {
		got := envExpansions("f", map[string]any{"k": []any{s}})
		if (len(got) > 0) != bad {
			t.Errorf("envExpansions(%q) = %v, want a problem: %v", s, got, bad)
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "-compose") {
		t.Errorf("run() = %d, %q; want 2 and a usage hint", code, errOut.String())
	}
	if code := run([]string{"-nope"}, &out, &errOut); code != 2 {
		t.Errorf("run(-nope) = %d, want 2", code)
	}
	if code := run([]string{"-compose", "/does/not/exist.yaml"}, &out, &errOut); code != 1 {
		t.Errorf("run(missing file) = %d, want 1", code)
	}
}
