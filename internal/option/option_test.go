package option

import (
	"context"
	"io"
	"os"
	"testing"
)

type testOption interface{ apply([]string) []string }

type add string

func (a add) apply(c []string) []string { return append(c, string(a)) }

func TestApplyInOrderSkippingNil(t *testing.T) {
	opts := []testOption{add("a"), nil, add("b")}
	got := Apply([]string{"start"}, opts, testOption.apply)
	if len(got) != 3 || got[0] != "start" || got[1] != "a" || got[2] != "b" {
		t.Fatalf("Apply = %q, want [start a b]", got)
	}
}

func TestApplyNoOptionsKeepsStart(t *testing.T) {
	if got := Apply(7, []testOption(nil), func(testOption, int) int { return 0 }); got != 7 {
		t.Fatalf("Apply = %d, want the start value 7", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

type writers []io.Writer

func (w writers) Write(p []byte) (int, error) { return len(p), nil }

func TestValueTypedNilIsUnset(t *testing.T) {
	var file *os.File
	var fn writerFunc
	for name, w := range map[string]io.Writer{"nil": nil, "nil *os.File": file, "nil func": fn} {
		if got := Value(w); got != nil {
			t.Errorf("Value(%s) = %#v, want nil", name, got)
		}
	}
	for name, w := range map[string]io.Writer{"file": os.Stdout, "func": writerFunc(func(p []byte) (int, error) { return 0, nil }), "nil slice": writers(nil)} {
		if got := Value(w); got == nil {
			t.Errorf("Value(%s) = nil, want it kept", name)
		}
	}
}

func TestContextNilIsBackground(t *testing.T) {
	//lint:ignore SA1012 a nil context is what is tested
	if got := Context(nil); got != context.Background() {
		t.Errorf("Context(nil) = %v, want context.Background()", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if got := Context(ctx); got != ctx {
		t.Error("Context(ctx) is not ctx")
	}
}
