package logging

import (
	"os"
	"testing"

	"go.uber.org/zap/zapcore"
)

func TestIsTerminal(t *testing.T) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer devnull.Close()
	if isTerminal(devnull) {
		t.Fatal("/dev/null taken for a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(zapcore.AddSync(f)) || isTerminal(nil) {
		t.Fatal("file or wrapped writer taken for a terminal")
	}
	var nilFile *os.File
	if isTerminal(nilFile) {
		t.Fatal("nil file taken for a terminal")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !isTerminal(tty) {
			t.Fatal("/dev/tty not taken for a terminal")
		}
	}
}
